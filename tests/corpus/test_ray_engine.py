"""The Ray engine on a local Ray instance with 2 CPUs gives the same store as the local engine."""

from __future__ import annotations

import pytest

from propscan.corpus.runner import run_batch

from .conftest import write_jsonl
from .helpers import store_contents


@pytest.fixture(scope="module")
def local_ray():
    import ray

    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
    yield ray
    ray.shutdown()


def test_ray_engine_gives_identical_results_to_local_engine_and_resumes(local_ray, tmp_path, records, analysed_store):
    src = write_jsonl(tmp_path / "in.jsonl", records, ['{"id": "empty", "text": " "}'])
    first = run_batch([src], tmp_path / "ray.duckdb", engine="ray", workers=2, commit_every=2, ray_wave=6)
    assert first.written == len(records) and [b.article_id for b in first.bad] == ["empty"]
    assert len(first.worker_rss) >= 2                      # actors in their own processes (two waves)
    assert local_ray.is_initialized()                      # an existing Ray session is reused, not shut down
    assert store_contents(tmp_path / "ray.duckdb") == store_contents(analysed_store)

    again = run_batch([src], tmp_path / "ray.duckdb", engine="ray", workers=2)
    assert again.written == 0 and again.skipped == len(records)


def test_ray_engine_writes_parquet_stores_and_keeps_missing_metadata_missing(local_ray, tmp_path, records):
    bare = [{"id": r["id"], "text": r["text"]} for r in records[:2]] + records[2:3]   # no title, source, date, url
    src = write_jsonl(tmp_path / "in.jsonl", bare)
    s = run_batch([src], tmp_path / "pq", fmt="parquet", engine="ray", workers=1)
    assert s.written == 3
    run_batch([src], tmp_path / "local.duckdb", workers=1, threads=1)
    got = store_contents(tmp_path / "pq")
    assert got == store_contents(tmp_path / "local.duckdb")
    assert got[bare[0]["id"]][0][:5] == (None, None, None, None, None)   # title, source, date, day, url
