from __future__ import annotations

import json
from pathlib import Path

import duckdb
import pytest

from propscan.corpus.runner import run_batch
from propscan.corpus.store import connect_read
from propscan.runtime import ModelConfig, default_model_dir

from .conftest import write_csv, write_jsonl, write_parquet, write_txt_folder
from .helpers import store_contents


@pytest.fixture(scope="module")
def mixed_inputs(tmp_path_factory, records) -> list[Path]:
    d = tmp_path_factory.mktemp("inputs")
    return [write_txt_folder(d / "txt", records[:2]),
            write_jsonl(d / "b.jsonl", records[2:4], ['{"id": "broken", "text": ""}', "oops"]),
            write_csv(d / "c.csv", records[4:6]),
            write_parquet(d / "d.parquet", records[6:])]


@pytest.fixture(scope="module")
def one_worker_store(tmp_path_factory, mixed_inputs) -> tuple[Path, object]:
    store = tmp_path_factory.mktemp("s1") / "corpus.duckdb"
    return store, run_batch(mixed_inputs, store, workers=1)


def test_batch_stores_every_good_article_once_and_reports_bad_records(one_worker_store, records):
    store, summary = one_worker_store
    assert summary.written == len(records) and summary.skipped == 0
    assert sorted((str(b.article_id), b.reason) for b in summary.bad) == [("None", "not valid JSON (Expecting value at column 1)"),
                                                                    ("broken", "the text is empty")]
    con = duckdb.connect(str(store), read_only=True)   # a plain DuckDB file analysts can open
    try:
        ids = [r[0] for r in con.execute("SELECT article_id FROM articles ORDER BY 1").fetchall()]
        assert ids == sorted(r["id"] for r in records)
        assert con.execute("SELECT count(*) FROM bad_records").fetchone()[0] == 2
        run = con.execute("SELECT model_version, status, articles_written, bad_records FROM runs").fetchall()
        version = ModelConfig.read(default_model_dir() / "config.json").version
        assert run == [(version, "finished", len(records), 2)]
        # spans and sentences agree with the article rows and with the text
        for aid, text, n_spans, counts in con.execute(
                "SELECT article_id, text, n_spans, technique_counts FROM articles").fetchall():
            spans = con.execute("SELECT start_char, end_char, technique, text FROM spans WHERE article_id = ?",
                                [aid]).fetchall()
            assert len(spans) == n_spans == sum(json.loads(counts).values())
            assert all(text[s:e] == t for s, e, _, t in spans)
            assert con.execute("SELECT count(*) FROM sentences WHERE article_id = ?", [aid]).fetchone()[0] > 0
        meta = con.execute("SELECT source, date, day, url FROM articles WHERE article_id = 'tricky-1'").fetchone()
        assert meta[0] == "blog-c" and meta[1] == "2019-05-01" and str(meta[2]) == "2019-05-01"
    finally:
        con.close()


def test_rerun_skips_everything_already_stored(one_worker_store, mixed_inputs, records):
    store, _ = one_worker_store
    before = store_contents(store)
    again = run_batch(mixed_inputs, store, workers=1)
    assert again.written == 0 and again.skipped == len(records) and len(again.bad) == 2
    assert store_contents(store) == before


def test_two_workers_give_identical_results_to_one(one_worker_store, mixed_inputs, tmp_path):
    store, _ = one_worker_store
    s2 = run_batch(mixed_inputs, tmp_path / "two.duckdb", workers=2)
    assert s2.written == len(store_contents(store))
    # at most two processes did the work (on a busy machine the first one up may take it all)
    assert 1 <= len(s2.worker_rss) <= 2
    assert store_contents(tmp_path / "two.duckdb") == store_contents(store)


def test_parquet_store_holds_the_same_results_and_resumes(one_worker_store, mixed_inputs, tmp_path):
    store, _ = one_worker_store
    pq_store = tmp_path / "pq"
    half = run_batch(mixed_inputs[:2], pq_store, fmt="parquet")
    rest = run_batch(mixed_inputs, pq_store)          # an existing folder is a Parquet store
    assert rest.skipped == half.written and half.written + rest.written == len(store_contents(store))
    assert store_contents(pq_store) == store_contents(store)
    # analysts can query the Parquet files directly too
    n = duckdb.connect().execute(f"SELECT count(*) FROM read_parquet('{pq_store}/batches/*/articles.parquet')").fetchone()[0]
    assert n == len(store_contents(store))


def test_duplicate_ids_in_one_run_are_bad_records(tmp_path, records):
    src = write_jsonl(tmp_path / "dup.jsonl", [records[0], records[0]])
    s = run_batch([src], tmp_path / "d.duckdb")
    assert s.written == 1 and [b.reason for b in s.bad] == ["duplicate id: an earlier record of this run has it"]


def test_store_that_is_not_duckdb_is_refused(tmp_path, records):
    from propscan.corpus.store import StoreError

    bad = tmp_path / "x.duckdb"
    bad.write_text("hello, not a database")
    with pytest.raises(StoreError):
        run_batch([write_jsonl(tmp_path / "a.jsonl", records[:1])], bad)
    with pytest.raises(StoreError):
        connect_read(tmp_path / "missing.duckdb")


def test_batch_command_reports_bad_records_and_a_summary(tmp_path, records):
    import subprocess
    import sys

    src = write_jsonl(tmp_path / "a.jsonl", records[:1], ['{"id": "x9", "text": ""}'])
    proc = subprocess.run([sys.executable, "-m", "propscan", "batch", str(src), "-o", str(tmp_path / "s.duckdb")],
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    assert f"propscan: skipped {src}:2 (id x9): the text is empty" in proc.stderr
    assert proc.stdout.startswith("1 article(s) analysed and stored, 0 already in the store, 1 bad record(s) skipped")
    assert float(proc.stdout.split(" record(s) in ")[1].split("s ")[0]) > 0   # the run's duration


def test_progress_bar_shows_rate_and_eta(tmp_path, records, capsys):
    src = write_jsonl(tmp_path / "a.jsonl", records[:1])
    run_batch([src], tmp_path / "s.duckdb", progress=True)
    err = capsys.readouterr().err
    assert "1/1" in err and "art/s" in err and "ETA" in err


def test_batch_with_the_targets_layer_stores_span_targets_from_every_worker(one_worker_store, mixed_inputs,
                                                                             tmp_path):
    store, _ = one_worker_store
    s = run_batch(mixed_inputs, tmp_path / "t.duckdb", workers=2, layers=["targets"])
    assert s.written == len(store_contents(store)) and len(s.bad) == 2
    con = connect_read(tmp_path / "t.duckdb")
    try:
        rows = con.execute("SELECT start_char, end_char, technique, target FROM spans ORDER BY article_id, span_no"
                           ).fetchall()
    finally:
        con.close()
    # the same spans as without the layer, now with targets
    plain = [x[1:4] for _, spans, _ in store_contents(store).values() for x in spans]
    assert sorted(r[:3] for r in rows) == sorted(plain)
    assert any(r[3] for r in rows) and all(r[3] is None or r[3].strip() for r in rows)


def test_an_unknown_layer_is_refused_before_anything_runs(mixed_inputs, tmp_path):
    from propscan.errors import InputError

    with pytest.raises(InputError, match="unknown enricher 'nope'"):
        run_batch(mixed_inputs, tmp_path / "x.duckdb", layers=["nope"])
    assert not (tmp_path / "x.duckdb").exists()
