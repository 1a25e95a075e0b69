"""Shared fixtures: a handful of short articles cut from the PTC dev set (read at test time),
written as the four input kinds, and one store analysed once per session with the default
model."""

from __future__ import annotations

import csv
import json
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DEV_ARTICLES = ROOT.parent / "shared" / "data" / "ptc" / "dev" / "articles"

SOURCES = ("daily-a", "weekly-b", "blog-c")


def _cut(text: str, limit: int) -> str:
    """The text up to the last sentence end before `limit` characters."""
    if len(text) <= limit:
        return text
    cut = text[:limit]
    end = max(cut.rfind(". "), cut.rfind(".\n"))
    return cut[:end + 1] if end > limit // 3 else cut


def sample_records(n: int = 8, limit: int = 600) -> list[dict]:
    assert DEV_ARTICLES.is_dir(), f"the PTC dev articles are needed at {DEV_ARTICLES}"
    paths = sorted(DEV_ARTICLES.glob("article*.txt"), key=lambda p: p.stat().st_size)[:n]
    assert len(paths) == n
    out = []
    for i, p in enumerate(paths):
        out.append({"id": p.stem.removeprefix("article"),
                    "text": _cut(p.read_text(encoding="utf-8"), limit),
                    "title": f"Article {i}", "source": SOURCES[i % len(SOURCES)],
                    "date": f"2019-0{1 + i % 4}-1{i % 10}", "url": f"https://example.org/{i}"})
    return out


def write_jsonl(path: Path, records: list[dict], extra_lines: list[str] = ()) -> Path:
    with path.open("w", encoding="utf-8") as fh:
        for r in records:
            fh.write(json.dumps(r, ensure_ascii=False) + "\n")
        for line in extra_lines:
            fh.write(line + "\n")
    return path


def write_csv(path: Path, records: list[dict]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=["id", "title", "source", "date", "url", "text"])
        w.writeheader()
        for r in records:
            w.writerow(r)
    return path


def write_parquet(path: Path, records: list[dict]) -> Path:
    import pyarrow as pa
    import pyarrow.parquet as pq

    pq.write_table(pa.Table.from_pylist(records), path)
    return path


def write_txt_folder(folder: Path, records: list[dict]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for r in records:
        (folder / f"article{r['id']}.txt").write_text(r["text"], encoding="utf-8")
    return folder


TRICKY = {"id": "tricky-1", "title": "<b>Tricky</b> & co",
          "text": "Emoji first 🙂 then <script>alert('x')</script> & the disgraceful, shameful "
                  "traitors who betrayed our great nation. They are evil liars.",
          "source": "blog-c", "date": "2019-05-01", "url": "https://example.org/tricky"}


@pytest.fixture
def linux() -> None:
    """For the tests that watch processes through /proc: they fail elsewhere, never skip (a skip
    would drop their guarantee silently; propscan and its CI run on Linux)."""
    if not sys.platform.startswith("linux"):
        pytest.fail(f"this test watches processes through /proc and needs Linux, not {sys.platform}; "
                    "run it on Linux (as CI does)", pytrace=False)


@pytest.fixture(scope="session")
def records() -> list[dict]:
    return sample_records() + [TRICKY]


@pytest.fixture(scope="session")
def analysed_store(tmp_path_factory, records) -> Path:
    """A DuckDB store of the sample records, analysed once with the default model."""
    from propscan.corpus.runner import run_batch

    d = tmp_path_factory.mktemp("store")
    src = write_jsonl(d / "in.jsonl", records)
    store = d / "corpus.duckdb"
    summary = run_batch([src], store)
    assert summary.written == len(records)
    return store
