"""Carrying thresholds from the fold taggers to the shipped tagger (propscan/training/transfer.py)."""

from __future__ import annotations

import json
import shutil

import numpy as np
import pytest

from propscan.errors import TrainingError
from propscan.runtime import DEFAULT_MODEL_DIR, Model, shift_channels
from propscan.techniques import LABELS
from propscan.training.transfer import (MIN_TAIL, channel_scores, matching_shifts, read_reference,
                                        transfer_thresholds)

N = len(LABELS)


def _sigmoid(z):
    return 1 / (1 + np.exp(-z))


def test_a_tagger_surer_by_a_constant_logit_gets_that_constant_back_and_passes_as_often():
    rng = np.random.default_rng(0)
    fold = _sigmoid(rng.normal(-4, 1.5, size=(20_000, 3)))
    surer = np.array([1.0, -0.5, 0.0])
    final = _sigmoid(np.log(fold / (1 - fold)) + surer)
    shifts = matching_shifts(fold, final, [0.1, 0.2, 0.3])
    assert np.allclose(shifts, -surer, atol=0.05)
    shifted = shift_channels(np.hstack([np.zeros((len(final), 1)), final]), shifts)[:, 1:]
    for k, t in enumerate((0.1, 0.2, 0.3)):
        assert abs(np.mean(shifted[:, k] >= t) - np.mean(fold[:, k] >= t)) < 0.002


def test_where_almost_nothing_passes_the_threshold_the_tails_are_matched_instead():
    rng = np.random.default_rng(1)
    fold = _sigmoid(rng.normal(-8, 1.0, size=(5_000, 1)))        # nothing near 0.5
    final = _sigmoid(np.log(fold / (1 - fold)) + 2.0)
    assert np.mean(fold >= 0.5) * len(fold) < MIN_TAIL
    (shift,) = matching_shifts(fold, final, [0.5])
    assert shift == pytest.approx(-2.0, abs=0.1)


def test_shifting_moves_only_the_inside_channels():
    scores = np.random.default_rng(2).uniform(0.01, 0.99, size=(7, 1 + 2 * N)).astype(np.float32)
    out = shift_channels(scores, [0.5] * N)
    assert out.dtype == scores.dtype
    assert np.array_equal(out[:, 0], scores[:, 0]) and np.array_equal(out[:, 1 + N:], scores[:, 1 + N:])
    assert np.all(out[:, 1:1 + N] > scores[:, 1:1 + N])
    assert np.allclose(shift_channels(scores, [0.0] * N), scores, atol=1e-6)


def test_the_same_tagger_as_fold_and_final_needs_no_shift(tmp_path):
    texts = ["They are destroying our great nation, and only a fool would trust them again.",
             "The committee met on Tuesday to discuss the budget for next year."] * 3
    logs = []
    shifts = transfer_thresholds([DEFAULT_MODEL_DIR, DEFAULT_MODEL_DIR], DEFAULT_MODEL_DIR, texts, [0.1] * N,
                                 logs.append)
    assert len(shifts) == N and all(abs(b) < 1e-6 for b in shifts)
    assert "threshold transfer on 6 reference texts" in logs[0] and len(logs) == 1 + N


def test_a_model_folder_applies_its_shift_to_what_it_scores(tmp_path):
    shifted_dir = tmp_path / "model"
    shutil.copytree(DEFAULT_MODEL_DIR, shifted_dir)
    config = json.loads((shifted_dir / "config.json").read_text(encoding="utf-8"))
    config["channel_shift"] = [-1.0] * N
    (shifted_dir / "config.json").write_text(json.dumps(config), encoding="utf-8")
    text = "Those corrupt elites want to take your freedom, and they will never stop."
    with Model(shifted_dir, overrides={"channel_shift": None}) as m:
        _, plain = m.piece_scores(text)
    with Model(shifted_dir) as m:
        _, shifted = m.piece_scores(text)
    assert np.allclose(shifted, shift_channels(plain, [-1.0] * N), atol=1e-5)
    # the transfer reads each tagger's own scale, whatever shift its folder already carries
    assert np.allclose(channel_scores(shifted_dir, [text]), plain[:, 1:1 + N], atol=1e-6)


def test_the_transfer_reads_every_tagger_with_the_stride_it_is_given(tmp_path):
    # the same network in two folders, one written with stride 192 and one with 254, whatever
    # the shipped model's own stride is
    config = json.loads((DEFAULT_MODEL_DIR / "config.json").read_text(encoding="utf-8"))
    dirs = {}
    for stride in (192, 254):
        dirs[stride] = tmp_path / f"model{stride}"
        shutil.copytree(DEFAULT_MODEL_DIR, dirs[stride])
        (dirs[stride] / "config.json").write_text(json.dumps({**config, "stride": stride}), encoding="utf-8")
    # long enough for three windows, so that the overlap changes the scores
    text = " ".join(f"The council met on day {k} and the corrupt elites lied again." for k in range(60))
    with Model(dirs[254], overrides={"channel_shift": None, "lexical_tagger_weight": 0.0}) as m:
        wide = m.piece_scores(text)[1][:, 1:1 + N]
    assert np.allclose(channel_scores(dirs[192], [text], stride=254), wide, atol=1e-6)
    assert not np.allclose(channel_scores(dirs[192], [text]), wide, atol=1e-6)
    # fold (folder at 192) and final (folder at 254): no shift only when both are read at the
    # stride given, whichever folder's own it is
    for stride in (192, 254):
        shifts = transfer_thresholds([dirs[192]], dirs[254], [text], [0.05] * N, lambda m: None,
                                     stride=stride)
        assert all(abs(b) < 1e-6 for b in shifts), stride


def test_reference_text_from_a_tsv_or_a_folder_and_one_line_errors(tmp_path):
    tsv = tmp_path / "ref.tsv"
    tsv.write_text("Sentence_id\tText\tclass_label\n" + "".join(f"{i}\tSentence {i}.\tNo\n" for i in range(30)),
                   encoding="utf-8")
    texts = read_reference(tsv)
    assert len(texts) == 2 and texts[0].startswith("Sentence 0. Sentence 1.")
    folder = tmp_path / "texts"
    folder.mkdir()
    (folder / "a.txt").write_text("One text.", encoding="utf-8")
    (folder / "b.txt").write_text("   ", encoding="utf-8")
    assert read_reference(folder) == ["One text."]
    with pytest.raises(TrainingError, match="no such reference"):
        read_reference(tmp_path / "missing.tsv")
    (tmp_path / "empty").mkdir()
    with pytest.raises(TrainingError, match="no reference text"):
        read_reference(tmp_path / "empty")
    bad = tmp_path / "bad.tsv"
    bad.write_bytes(b"Text\n\xff\xfe\x00binary\n")
    with pytest.raises(TrainingError, match="unreadable reference TSV"):
        read_reference(bad)


def test_the_shift_is_written_for_the_channels_source_and_not_for_spans(tmp_path):
    from propscan.training.train import TrainConfig, _write_tuned

    folds = tmp_path / "work"
    for k in (1, 2):
        shutil.copytree(DEFAULT_MODEL_DIR, folds / f"fold{k}")
    out = tmp_path / "model"
    shutil.copytree(DEFAULT_MODEL_DIR, out)
    shipped = json.loads((DEFAULT_MODEL_DIR / "config.json").read_text(encoding="utf-8"))
    settings = {k: v for k, v in shipped.items() if k not in ("training", "channel_shift")}
    config = TrainConfig(encoder="encoder", tune_folds=2)
    texts = ["They are destroying our great nation, and only a fool would trust them. " * 20] * 10
    logs = []
    _write_tuned(out, dict(settings), config, None, folds, texts, logs.append)
    written = json.loads((out / "config.json").read_text(encoding="utf-8"))
    assert len(written["channel_shift"]) == N and all(abs(b) < 1e-6 for b in written["channel_shift"])
    assert any("threshold transfer" in m for m in logs)
    spans_only = {**settings, "techniques": {**settings["techniques"], "source": "spans", "spans": None,
                                             "sources": None}}
    logs = []
    _write_tuned(out, spans_only, config, None, folds, texts, logs.append)
    assert "channel_shift" not in json.loads((out / "config.json").read_text(encoding="utf-8"))
    assert any("--reference not used" in m for m in logs)


def test_a_reference_too_short_to_read_rates_from_stops_before_training():
    from propscan.tokens import load_tokenizer
    from propscan.training.transfer import check_reference

    tokenizer = load_tokenizer(DEFAULT_MODEL_DIR / "tokenizer.json")
    with pytest.raises(TrainingError, match="too short"):
        check_reference(["A few words."], tokenizer)
    check_reference(["Word after word in a long text. " * 200], tokenizer)


def test_a_model_config_with_a_shift_of_the_wrong_length_or_a_broken_source_is_one_line(tmp_path):
    from propscan.analyzer import Analyzer
    from propscan.errors import ModelError

    with pytest.raises(ModelError, match="channel_shift has 5 values"):
        Model(DEFAULT_MODEL_DIR, overrides={"channel_shift": [1.0] * 5})
    shipped = json.loads((DEFAULT_MODEL_DIR / "config.json").read_text(encoding="utf-8"))
    for broken, message in (({"source": "everything"}, "unknown instance source"),
                            ({"source": "both", "spans": None}, "needs the"),
                            ({"sources": ["both"] * 3}, "sources must name")):
        with pytest.raises(ModelError, match=message):
            Analyzer(DEFAULT_MODEL_DIR, overrides={"techniques": {**shipped["techniques"], **broken}})
