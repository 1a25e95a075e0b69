from __future__ import annotations

from pathlib import Path

import pytest

from propscan.corpus.sources import count_inputs, read_inputs
from propscan.domain import Article
from propscan.errors import InputError
from propscan.io.jsonl import BadRecord, read_jsonl

from .conftest import sample_records, write_csv, write_jsonl, write_parquet, write_txt_folder


def _articles(items):
    return [i for i in items if isinstance(i, Article)]


def test_every_input_kind_yields_the_same_articles(tmp_path: Path):
    recs = sample_records(4)
    jl = _articles(read_inputs([write_jsonl(tmp_path / "a.jsonl", recs)]))
    cs = _articles(read_inputs([write_csv(tmp_path / "a.csv", recs)]))
    pq = _articles(read_inputs([write_parquet(tmp_path / "a.parquet", recs)]))
    assert jl == cs == pq
    assert [a.id for a in jl] == [r["id"] for r in recs]
    assert [a.text for a in jl] == [r["text"] for r in recs]
    assert jl[1].source == recs[1]["source"] and jl[1].date == recs[1]["date"]
    txt = _articles(read_inputs([write_txt_folder(tmp_path / "txt", recs)]))
    assert sorted((a.id, a.text) for a in txt) == sorted((r["id"], r["text"]) for r in recs)
    assert count_inputs([tmp_path / "a.jsonl", tmp_path / "a.csv", tmp_path / "a.parquet", tmp_path / "txt"]) == 16


def test_bad_jsonl_records_are_reported_with_line_and_reason(tmp_path: Path):
    recs = sample_records(2)
    path = write_jsonl(tmp_path / "a.jsonl", recs, [
        "{not json", '{"id": "e1", "text": "   "}', '{"id": "n1"}', '{"id": "t1", "text": 5}', "[1, 2]"])
    items = list(read_jsonl(path))
    bad = [i for i in items if isinstance(i, BadRecord)]
    assert len(_articles(items)) == 2
    assert [b.where for b in bad] == [f"{path}:{n}" for n in (3, 4, 5, 6, 7)]
    assert "not valid JSON" in bad[0].reason
    assert bad[1].article_id == "e1" and "empty" in bad[1].reason
    assert "no 'text' field" in bad[2].reason
    assert "must be a string" in bad[3].reason


def test_records_without_id_get_a_stable_id_from_file_and_line(tmp_path: Path):
    path = write_jsonl(tmp_path / "news.jsonl", [{"text": "One sentence."}, {"text": "Two."}])
    assert [a.id for a in read_jsonl(path)] == ["news-1", "news-2"]


def test_csv_without_text_column_is_refused(tmp_path: Path):
    path = tmp_path / "x.csv"
    path.write_text("id,body\n1,hello\n", encoding="utf-8")
    with pytest.raises(InputError, match="no 'text' column"):
        list(read_inputs([path]))
    assert [a.text for a in read_inputs([path], text_column="body")] == ["hello"]


def test_unreadable_files_in_a_folder_are_bad_records(tmp_path: Path):
    folder = write_txt_folder(tmp_path / "f", sample_records(1))
    (folder / "article9.txt").write_bytes(b"\xff\xfe\x00bin")
    (folder / "article10.txt").write_text("  \n", encoding="utf-8")
    items = list(read_inputs([folder]))
    bad = {b.article_id: b.reason for b in items if isinstance(b, BadRecord)}
    assert set(bad) == {"9", "10"} and "binary" in bad["9"] and "empty" in bad["10"]
    assert len(_articles(items)) == 1


def test_missing_or_unknown_inputs_stop_before_reading(tmp_path: Path):
    with pytest.raises(InputError, match="no such"):
        list(read_inputs([tmp_path / "nope.jsonl"]))
    (tmp_path / "x.xml").write_text("<a/>")
    with pytest.raises(InputError, match="unknown input type"):
        list(read_inputs([tmp_path / "x.xml"]))
