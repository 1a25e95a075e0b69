"""The SemEval TSV writer: one `id<TAB>technique<TAB>start<TAB>end` line per row, atomically."""

from __future__ import annotations

import pytest

from propscan.errors import InputError
from propscan.io.semeval import format_row, write_rows


def test_rows_are_tab_separated_with_lf_endings(tmp_path):
    out = tmp_path / "out.tsv"
    assert write_rows(out, [("1", "Doubt", 0, 5), ("2", "Name_Calling,Labeling", 7, 9)]) == 2
    assert out.read_bytes() == b"1\tDoubt\t0\t5\n2\tName_Calling,Labeling\t7\t9\n"
    assert not (tmp_path / "out.tsv.tmp").exists()


def test_no_rows_writes_an_empty_file(tmp_path):
    out = tmp_path / "out.tsv"
    assert write_rows(out, []) == 0
    assert out.read_bytes() == b""


def test_a_failing_writer_leaves_the_old_file_untouched(tmp_path):
    out = tmp_path / "out.tsv"
    out.write_text("old\n", encoding="utf-8")

    def rows():
        yield ("1", "Doubt", 0, 5)
        raise RuntimeError("boom")

    with pytest.raises(RuntimeError):
        write_rows(out, rows())
    assert out.read_text(encoding="utf-8") == "old\n"
    assert list(tmp_path.iterdir()) == [out]


def test_writing_into_a_missing_folder_is_an_input_error_naming_the_path(tmp_path):
    out = tmp_path / "no" / "such" / "out.tsv"
    with pytest.raises(InputError) as e:
        write_rows(out, [("1", "Doubt", 0, 5)])
    assert str(out) in str(e.value) and "\n" not in str(e.value)


def test_format_row():
    assert format_row("42", "Slogans", 1, 2) == "42\tSlogans\t1\t2\n"
