"""JSON Lines articles: good records become Articles, bad ones BadRecords saying where and why."""

from __future__ import annotations

import json
from datetime import date

import pytest

from propscan.errors import InputError
from propscan.io.jsonl import BadRecord, article_from_record, count_jsonl, read_jsonl


def test_good_and_bad_lines_are_told_apart_with_their_line_numbers(tmp_path):
    f = tmp_path / "news.jsonl"
    lines = [json.dumps({"id": "a1", "text": "One.", "title": " T ", "source": "s", "date": "2019-03-02"}),
             "",
             "{not json",
             json.dumps({"id": 7, "text": "   "}),
             json.dumps({"text": "No id here."}),
             json.dumps(["a", "list"])]
    f.write_bytes(("\ufeff" + "\n".join(lines) + "\n").encode("utf-8") + b"\xff\xfe\n")
    out = list(read_jsonl(f))
    good = [x for x in out if not isinstance(x, BadRecord)]
    bad = [x for x in out if isinstance(x, BadRecord)]
    assert [(a.id, a.title, a.source, a.date) for a in good] == [("a1", "T", "s", "2019-03-02"),
                                                                  ("news-5", None, None, None)]
    assert [(b.where, b.article_id) for b in bad] == [(f"{f}:3", None), (f"{f}:4", "7"), (f"{f}:6", None),
                                                      (f"{f}:7", None)]
    assert "not valid JSON" in bad[0].reason and bad[1].reason == "the text is empty"
    assert "not valid UTF-8" in bad[3].reason
    assert count_jsonl(f) == 6   # blank lines are not records


def test_record_fields_are_checked_and_dates_become_strings():
    assert article_from_record({"text": "x", "date": date(2019, 3, 2), "id": 5}, "f").date == "2019-03-02"
    assert article_from_record({"text": "x", "title": float("nan")}, "f").title is None
    for record, needle in (({"title": "t"}, "no 'text' field"), ({"text": 3}, "'text' must be a string"),
                           ({"text": "a\x00b"}, "NUL"), ({"text": "x", "title": {"a": 1}}, "field 'title'")):
        with pytest.raises(InputError, match=needle):
            article_from_record(record, "f")


def test_a_missing_file_is_one_input_error(tmp_path):
    with pytest.raises(InputError, match="no such file"):
        list(read_jsonl(tmp_path / "none.jsonl"))
