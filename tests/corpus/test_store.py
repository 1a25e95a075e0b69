"""The corpus store's span fields: written, read back, and older stores still open."""

from __future__ import annotations

import duckdb
import pyarrow.parquet as pq

from propscan.corpus.store import DuckStore, ParquetStore, connect_read, load_analysis, result_record
from propscan.domain import Analysis, Article, Sentence, Span

TEXT = "Only traitors would vote for this. Greta Holm said it was a disaster."

V1_SPANS = """CREATE TABLE spans (
    article_id VARCHAR, span_no INTEGER, start_char INTEGER, end_char INTEGER,
    technique VARCHAR, confidence DOUBLE, text VARCHAR, PRIMARY KEY (article_id, span_no))"""


def _record(aid: str) -> dict:
    spans = [Span(5, 13, "Name_Calling,Labeling", 0.8, TEXT[5:13], target="voters", voice="author"),
             Span(58, 68, "Loaded_Language", 0.6, TEXT[58:68], voice="quoted", speaker="Greta Holm")]
    a = Analysis(aid, TEXT, spans, [Sentence(0, 34, 0.8, TEXT[:34])], 0.7, "test",
                 technique_counts={"Name_Calling,Labeling": 1, "Loaded_Language": 1})
    return result_record(Article(aid, TEXT), a)


def test_span_fields_round_trip_through_both_store_formats(tmp_path):
    for store in (DuckStore(tmp_path / "c.duckdb"), ParquetStore(tmp_path / "pq")):
        with store:
            assert store.write_batch([_record("a1")], "run") == 1
        con = connect_read(store.path)
        _, analysis = load_analysis(con, "a1")
        con.close()
        assert analysis.spans == Analysis.from_dict(_record("a1")["analysis"]).spans


def test_a_version_1_duckdb_store_gains_the_new_columns_and_keeps_its_rows(tmp_path):
    path = tmp_path / "old.duckdb"
    con = duckdb.connect(str(path))
    con.execute(V1_SPANS)
    con.execute("INSERT INTO spans VALUES ('old', 0, 0, 4, 'Doubt', 0.5, 'Only')")
    con.close()
    with DuckStore(path) as store:
        store.write_batch([_record("new")], "run")
    con = connect_read(path)
    rows = con.execute("SELECT article_id, target, voice, speaker FROM spans ORDER BY article_id, span_no").fetchall()
    version = con.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()[0]
    con.close()
    assert rows == [("new", "voters", "author", None), ("new", None, "quoted", "Greta Holm"),
                    ("old", None, None, None)]
    assert version == "2"


def test_parquet_batches_written_before_the_new_columns_read_them_as_null(tmp_path):
    with ParquetStore(tmp_path / "pq") as store:
        store.write_batch([_record("a1")], "run")
    (spans_file,) = (tmp_path / "pq" / "batches").glob("*/spans.parquet")
    old = pq.read_table(spans_file).drop_columns(["target", "voice", "speaker"])
    pq.write_table(old, spans_file)
    con = connect_read(tmp_path / "pq")
    _, analysis = load_analysis(con, "a1")
    con.close()
    assert [(s.start, s.target, s.voice, s.speaker) for s in analysis.spans] == [(5, None, None, None),
                                                                              (58, None, None, None)]
