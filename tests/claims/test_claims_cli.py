"""`propscan claims FILE.tsv -o OUT.tsv`: the CheckThat! contract, through the real entry point."""

from __future__ import annotations

from pathlib import Path

from tests.claims.conftest import run_module


def _rows(path: Path) -> list[list[str]]:
    return [line.split("\t") for line in path.read_text(encoding="utf-8").splitlines()]


def test_claims_labels_every_dev_test_row_in_order(checkworthy_dir, tmp_path):
    out = tmp_path / "labels.tsv"
    res = run_module("claims", checkworthy_dir / "dev-test.tsv", "-o", out)
    assert res.rc == 0, res.err
    got = _rows(out)
    assert got[0] == ["Sentence_id", "class_label"]
    ids = [line.split("\t")[0] for line in (checkworthy_dir / "dev-test.tsv").read_text(encoding="utf-8").splitlines()[1:]]
    assert [r[0] for r in got[1:]] == ids
    assert {r[1] for r in got[1:]} == {"Yes", "No"}
    assert all(len(r) == 2 for r in got)


def test_claims_reads_files_without_a_label_column(detector, tmp_path):
    src = tmp_path / "test.tsv"
    src.write_text("Sentence_id\tText\n"
                   "a1\tThe federal deficit grew by 1.2 trillion dollars in 2020.\n"
                   "a2\tThank you all for coming tonight.\n"
                   'a3\t"He said ""we will win"" and that 30 percent of voters agree."\n', encoding="utf-8")
    out = tmp_path / "out.tsv"
    res = run_module("claims", src, "-o", out)
    assert res.rc == 0, res.err
    # the quoted field is one sentence, its doubled quotes read as one: labelled as the model
    # labels that sentence itself
    a3 = 'He said "we will win" and that 30 percent of voters agree.'
    a3_label = "Yes" if detector.predict([a3])[0] else "No"
    assert _rows(out) == [["Sentence_id", "class_label"], ["a1", "Yes"], ["a2", "No"], ["a3", a3_label]]


def test_bad_rows_are_reported_with_their_line_and_every_row_is_still_written(tmp_path):
    src = tmp_path / "bad.tsv"
    src.write_text("Sentence_id\tText\tclass_label\n"
                   "1\tTaxes went up 20 percent under this governor.\tYes\n"
                   "2\t\tNo\n"                                        # line 3: missing text
                   "3\tWe've got to invest and grow.\tNo4\tYou can't bring back jobs.\tNo\n"   # line 4: 5 columns
                   "4\n"                                              # line 5: no text column
                   "5\tThank you.\tNo\n", encoding="utf-8")
    out = tmp_path / "out.tsv"
    res = run_module("claims", src, "-o", out)
    assert res.rc != 0
    assert "Traceback" not in res.err
    errors = [line for line in res.err.splitlines() if line.startswith("propscan: error:")]
    assert any(f"{src}:3:" in e and "missing text" in e for e in errors), res.err
    assert any(f"{src}:4:" in e and "found 5" in e for e in errors), res.err
    assert any(f"{src}:5:" in e for e in errors), res.err
    assert not any(":2:" in e or ":6:" in e for e in errors), res.err
    got = _rows(out)
    assert [r[0] for r in got[1:]] == ["1", "2", "3", "4", "5"]
    assert got[2][1] == "No" and got[5][1] == "No"


def test_a_missing_input_file_is_one_clean_error(tmp_path):
    res = run_module("claims", tmp_path / "nope.tsv", "-o", tmp_path / "out.tsv")
    assert res.rc != 0 and "Traceback" not in res.err
    assert "no such file" in res.err
    assert not (tmp_path / "out.tsv").exists()
