"""Corpus runs when things go wrong: an analysis that fails in a way propscan does not foresee
is one bad record (not the end of the run, nor of every re-run); a run stopped by an error says
so in `runs`; a Parquet store has one writer at a time, does not re-read its batches at every
commit, and removes the half-written batch folders of a killed run."""

from __future__ import annotations

import pytest

from propscan.analyzer import Analyzer
from propscan.corpus.runner import analyse_one, run_batch
from propscan.corpus.store import ParquetStore, StoreError, connect_read
from propscan.domain import Article

from .conftest import write_jsonl


class Broken:
    def __init__(self, exc: BaseException):
        self.exc = exc

    def analyze(self, article):
        raise self.exc


@pytest.mark.parametrize("exc", [RuntimeError("[ONNXRuntimeError] : 6 : RUNTIME_EXCEPTION : bad\nallocation"),
                                 MemoryError(), ValueError("shapes (3,) and (4,) not aligned")])
def test_an_unforeseen_analysis_error_is_a_one_line_bad_record(exc):
    bad = analyse_one(Broken(exc), Article("a1", "Some text."))
    assert bad.article_id == "a1" and bad.reason.startswith(f"analysis failed: {type(exc).__name__}")
    assert "\n" not in bad.reason


@pytest.fixture
def flaky_analyzer(monkeypatch):
    """The real model, except that the article with id 'poison' raises an ONNX-like error."""
    real = Analyzer.analyze

    def analyze(self, article):
        if getattr(article, "id", None) == "poison":
            raise RuntimeError("[ONNXRuntimeError] : 2 : INVALID_ARGUMENT : Got invalid dimensions")
        return real(self, article)

    monkeypatch.setattr(Analyzer, "analyze", analyze)


def test_a_run_and_every_rerun_go_on_past_a_record_whose_analysis_fails(tmp_path, records, flaky_analyzer):
    src = write_jsonl(tmp_path / "in.jsonl", records[:3] + [dict(records[3], id="poison")] + records[4:6])
    store = tmp_path / "corpus.duckdb"
    for attempt in range(2):
        summary = run_batch([src], store)
        assert [b.article_id for b in summary.bad] == ["poison"]
        assert "analysis failed: RuntimeError" in summary.bad[0].reason
        assert summary.written == (5 if attempt == 0 else 0)
    con = connect_read(store)
    try:
        assert con.execute("SELECT count(*) FROM articles").fetchone()[0] == 5
        assert con.execute("SELECT DISTINCT status FROM runs").fetchall() == [("finished",)]
        assert con.execute("SELECT count(*) FROM bad_records WHERE article_id = 'poison'").fetchone()[0] == 2
    finally:
        con.close()


@pytest.mark.parametrize("fmt", ["duckdb", "parquet"])
def test_a_run_stopped_by_an_error_is_marked_failed(tmp_path, records, monkeypatch, fmt):
    from propscan.corpus import store as store_module

    cls = store_module.DuckStore if fmt == "duckdb" else store_module.ParquetStore
    real = cls.write_batch
    calls = []

    def write_batch(self, recs, run_id):
        calls.append(1)
        if len(calls) == 2:
            raise OSError(28, "No space left on device")
        return real(self, recs, run_id)

    monkeypatch.setattr(cls, "write_batch", write_batch)
    store = tmp_path / ("corpus.duckdb" if fmt == "duckdb" else "corpus")
    with pytest.raises(OSError):
        run_batch([write_jsonl(tmp_path / "in.jsonl", records[:4])], store, fmt=fmt, commit_every=1)
    con = connect_read(store)
    try:
        status, finished, written = con.execute("SELECT status, finished_at, articles_written FROM runs").fetchone()
    finally:
        con.close()
    assert status == "failed" and finished is not None and written == 1


def test_a_parquet_store_has_one_writer_at_a_time(tmp_path):
    first = ParquetStore(tmp_path / "store")
    try:
        with pytest.raises(StoreError) as e:
            ParquetStore(tmp_path / "store")
        assert "another propscan process is writing this store" in e.value.message
    finally:
        first.close()
    ParquetStore(tmp_path / "store").close()   # free again once the first writer is closed


def test_parquet_commits_do_not_reread_the_stored_batches(tmp_path, monkeypatch, analysed_store):
    import pyarrow.parquet as pq

    from .helpers import store_contents

    records = [{"article": {"id": f"a{i}", "title": None, "source": None, "date": None, "url": None},
                "analysis": _analysis_dict(analysed_store, i)} for i in range(12)]
    st = ParquetStore(tmp_path / "store")
    try:
        st.write_batch(records[:2], "r1")
        reads = []
        real = pq.read_table
        monkeypatch.setattr(pq, "read_table", lambda *a, **k: (reads.append(a), real(*a, **k))[1])
        for i in range(2, 12, 2):
            assert st.write_batch(records[i:i + 2], "r1") == 2
        assert st.write_batch(records[:4], "r1") == 0    # already stored: still known without reading
        assert reads == []
    finally:
        st.close()
    monkeypatch.undo()
    assert sorted(store_contents(tmp_path / "store")) == sorted(f"a{i}" for i in range(12))


def _analysis_dict(store, i: int) -> dict:
    from propscan.corpus.store import load_analysis

    con = connect_read(store)
    try:
        ids = [r[0] for r in con.execute("SELECT article_id FROM articles ORDER BY 1").fetchall()]
        _, analysis = load_analysis(con, ids[i % len(ids)])
    finally:
        con.close()
    d = analysis.to_dict()
    d["article_id"] = f"a{i}"
    return d


def test_half_written_batches_of_a_killed_run_are_removed(tmp_path):
    torn = tmp_path / "store" / "batches" / ".tmp-20260101T000000-deadbeef"
    torn.mkdir(parents=True)
    (torn / "articles.parquet").write_bytes(b"PAR1 torn")
    ParquetStore(tmp_path / "store").close()
    assert not torn.exists()
    assert list((tmp_path / "store" / "batches").iterdir()) == []
