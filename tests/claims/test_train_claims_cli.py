"""`propscan train-claims`: what it refuses before any training starts, as one line each."""

from __future__ import annotations

import shutil

from tests.claims.conftest import run_module


def _data(checkworthy_dir, tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    for name in ("train.tsv", "dev.tsv", "dev-test.tsv"):
        shutil.copy(checkworthy_dir / name, data / name)
    return data


def test_fewer_than_two_folds_is_one_line(checkworthy_dir, tmp_path):
    res = run_module("train-claims", _data(checkworthy_dir, tmp_path), "-o", tmp_path / "model", "--cv-folds", "1")
    assert res.rc == 2 and "Traceback" not in res.err
    assert "propscan: error: [E001] --cv-folds must be at least 2, not 1" in res.err
    assert not (tmp_path / "model" / "claims.onnx").exists()


def test_a_folder_without_dev_test_is_one_line(checkworthy_dir, tmp_path):
    data = _data(checkworthy_dir, tmp_path)
    (data / "dev-test.tsv").unlink()
    res = run_module("train-claims", data, "-o", tmp_path / "model")
    assert res.rc == 2 and "Traceback" not in res.err
    assert f"{data / 'dev-test.tsv'}: no such file" in res.err


def test_a_folds_file_for_other_sentences_or_another_k_is_one_line(checkworthy_dir, tmp_path):
    data = _data(checkworthy_dir, tmp_path)
    folds = tmp_path / "folds.tsv"
    folds.write_text("Sentence_id\tclass_label\tfold\n1\tYes\t0\n2\tNo\t1\n", encoding="utf-8")
    res = run_module("train-claims", data, "-o", tmp_path / "model", "--folds", folds)
    assert res.rc == 2 and "Traceback" not in res.err
    assert "its sentence ids are not those of the dev-test file" in res.err
    res = run_module("train-claims", data, "-o", tmp_path / "model", "--folds", "splits/checkworthy_devtest_folds.tsv",
                     "--cv-folds", "4")
    assert res.rc == 2 and "Traceback" not in res.err
    assert "has 5 folds, not --cv-folds 4" in res.err
