"""The store of a batch run: a DuckDB file (default) or a folder of Parquet files.

Exactly-once: every batch of analysed articles is committed atomically (one DuckDB transaction,
or one Parquet batch folder renamed into place), and an article id is the primary key; a
re-run skips the ids already stored. A run killed at any moment leaves whole articles only.

The schema is documented in docs/corpus.md; analysts can open the DuckDB file directly.
"""

from __future__ import annotations

import datetime as _dt
import json
import os
import re
import uuid
from dataclasses import fields
from pathlib import Path
from typing import Any, Iterable

from propscan import techniques
from propscan.corpus._deps import need
from propscan.domain import Analysis, Article, Sentence, Span
from propscan.errors import InputError, StoreError

SCHEMA_VERSION = 2
"""1: first release. 2: `spans` gained `target`, `voice` and `speaker` (nullable); a version-1
DuckDB store gains them when a batch run opens it, and Parquet batches without them read as NULL."""


SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (key VARCHAR PRIMARY KEY, value VARCHAR);
CREATE TABLE IF NOT EXISTS runs (
    run_id VARCHAR PRIMARY KEY, started_at TIMESTAMP, finished_at TIMESTAMP, status VARCHAR,
    model_version VARCHAR, model_path VARCHAR, engine VARCHAR, workers INTEGER,
    inputs VARCHAR, propscan_version VARCHAR, articles_written INTEGER, articles_skipped INTEGER,
    bad_records INTEGER);
CREATE TABLE IF NOT EXISTS articles (
    article_id VARCHAR PRIMARY KEY, title VARCHAR, source VARCHAR, date VARCHAR, day DATE,
    url VARCHAR, text VARCHAR, n_chars INTEGER, score DOUBLE, n_spans INTEGER,
    propaganda_chars INTEGER, density DOUBLE, technique_counts VARCHAR, model_version VARCHAR,
    run_id VARCHAR, analyzed_at TIMESTAMP);
CREATE TABLE IF NOT EXISTS spans (
    article_id VARCHAR, span_no INTEGER, start_char INTEGER, end_char INTEGER,
    technique VARCHAR, confidence DOUBLE, text VARCHAR, target VARCHAR, voice VARCHAR, speaker VARCHAR,
    PRIMARY KEY (article_id, span_no));
CREATE TABLE IF NOT EXISTS sentences (
    article_id VARCHAR, sentence_no INTEGER, start_char INTEGER, end_char INTEGER,
    score DOUBLE, text VARCHAR, PRIMARY KEY (article_id, sentence_no));
CREATE TABLE IF NOT EXISTS bad_records (
    run_id VARCHAR, "where" VARCHAR, article_id VARCHAR, reason VARCHAR, seen_at TIMESTAMP);
CREATE TABLE IF NOT EXISTS techniques (
    label VARCHAR PRIMARY KEY, name VARCHAR, colour VARCHAR, explanation VARCHAR);
"""

ARTICLE_COLS = ("article_id", "title", "source", "date", "day", "url", "text", "n_chars", "score",
                "n_spans", "propaganda_chars", "density", "technique_counts", "model_version",
                "run_id", "analyzed_at")
SQL_NAMES = {"start": "start_char", "end": "end_char"}
"""The only renames between the Analysis payload and the store: END is an SQL keyword."""
SPAN_FIELDS = tuple(f.name for f in fields(Span))
SENTENCE_FIELDS = tuple(f.name for f in fields(Sentence))
SPAN_COLS = ("article_id", "span_no", *(SQL_NAMES.get(f, f) for f in SPAN_FIELDS))
SENTENCE_COLS = ("article_id", "sentence_no", *(SQL_NAMES.get(f, f) for f in SENTENCE_FIELDS))
MIGRATIONS = ("ALTER TABLE spans ADD COLUMN IF NOT EXISTS target VARCHAR",
              "ALTER TABLE spans ADD COLUMN IF NOT EXISTS voice VARCHAR",
              "ALTER TABLE spans ADD COLUMN IF NOT EXISTS speaker VARCHAR")
RUN_COLS = ("run_id", "started_at", "finished_at", "status", "model_version", "model_path", "engine",
            "workers", "inputs", "propscan_version", "articles_written", "articles_skipped",
            "bad_records")
BAD_COLS = ("run_id", "where", "article_id", "reason", "seen_at")

_DAY = re.compile(r"^(\d{4})-(\d{2})(?:-(\d{2}))?")


def parse_day(date: str | None) -> _dt.date | None:
    """The calendar day of an ISO-like date string (`2019-03-02`, `2019-03-02T10:00Z`,
    `2019-03`), else None."""
    if not date:
        return None
    m = _DAY.match(date.strip())
    if not m:
        return None
    try:
        return _dt.date(int(m.group(1)), int(m.group(2)), int(m.group(3) or 1))
    except ValueError:
        return None


def propaganda_chars(analysis: Analysis) -> int:
    """Characters covered by at least one span (overlaps counted once)."""
    total, cur_s, cur_e = 0, -1, -1
    for s in sorted(analysis.spans, key=lambda x: (x.start, x.end)):
        if s.start > cur_e:
            total += max(0, cur_e - cur_s)
            cur_s, cur_e = s.start, s.end
        else:
            cur_e = max(cur_e, s.end)
    return total + max(0, cur_e - cur_s)


def result_record(article: Article, analysis: Analysis) -> dict[str, Any]:
    """What a worker sends back for one article: plain, picklable, JSON-able."""
    return {"article": {"id": article.id, "title": article.title, "source": article.source,
                        "date": article.date, "url": article.url},
            "analysis": analysis.to_dict()}


def _now() -> _dt.datetime:
    return _dt.datetime.now(_dt.timezone.utc).replace(tzinfo=None)


def rows_for(records: Iterable[dict[str, Any]], run_id: str) -> tuple[list, list, list]:
    """Article, span and sentence rows (tuples in *_COLS order) of worker records."""
    arts, spans, sents = [], [], []
    now = _now()
    for rec in records:
        meta, a = rec["article"], Analysis.from_dict(rec["analysis"])
        aid = meta["id"]
        n = len(a.text)
        pc = propaganda_chars(a)
        arts.append((aid, meta.get("title") or a.title, meta.get("source"), meta.get("date"),
                     parse_day(meta.get("date")), meta.get("url"), a.text, n, a.score, len(a.spans),
                     pc, pc / n if n else 0.0, json.dumps(a.technique_counts), a.model_version,
                     run_id, now))
        for i, s in enumerate(a.spans):
            spans.append((aid, i, *(getattr(s, f) for f in SPAN_FIELDS)))
        for i, s in enumerate(a.sentences):
            sents.append((aid, i, *(getattr(s, f) for f in SENTENCE_FIELDS)))
    return arts, spans, sents


def _arrow(rows: list[tuple], cols: tuple[str, ...], types: dict[str, Any]):
    import pyarrow as pa

    data = {c: [r[i] for r in rows] for i, c in enumerate(cols)}
    return pa.table({c: pa.array(data[c], type=types[c]) for c in cols})


def _types():
    import pyarrow as pa

    s, i, f = pa.string(), pa.int32(), pa.float64()
    return {
        "article_id": s, "title": s, "source": s, "date": s, "day": pa.date32(), "url": s, "text": s,
        "n_chars": i, "score": f, "n_spans": i, "propaganda_chars": i, "density": f,
        "technique_counts": s, "model_version": s, "run_id": s, "analyzed_at": pa.timestamp("us"),
        "span_no": i, "start_char": i, "end_char": i, "technique": s, "confidence": f,
        "sentence_no": i, "target": s, "voice": s, "speaker": s,
    }


class Store:
    """Common interface of the two store formats (used by the batch runner only; readers
    use `connect_read`)."""

    path: Path

    def done_ids(self) -> set[str]: ...
    def write_batch(self, records: list[dict[str, Any]], run_id: str) -> int: ...
    def write_bad(self, run_id: str, bad: list[dict[str, Any]]) -> None: ...
    def start_run(self, run: dict[str, Any]) -> None: ...
    def finish_run(self, run: dict[str, Any]) -> None: ...
    def close(self) -> None: ...

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


class DuckStore(Store):
    def __init__(self, path: Path):
        duckdb = need("duckdb")
        need("pyarrow")

        self.path = Path(path)
        if self.path.is_dir():
            raise StoreError(f"{self.path}: is a folder; a DuckDB store is a file "
                             "(use --format parquet for a Parquet folder)")
        self.path.parent.mkdir(parents=True, exist_ok=True)
        try:
            self.con = duckdb.connect(str(self.path))
        except duckdb.IOException as e:
            raise StoreError(f"{self.path}: cannot open the store ({e}); is another propscan "
                             "process using it?") from None
        except duckdb.Error as e:
            raise StoreError(f"{self.path}: not a DuckDB store ({e})") from None
        self.con.execute(SCHEMA)
        for step in MIGRATIONS:
            self.con.execute(step)
        self.con.execute("INSERT OR REPLACE INTO meta VALUES ('schema_version', ?)", [str(SCHEMA_VERSION)])
        self.con.executemany("INSERT OR IGNORE INTO techniques VALUES (?, ?, ?, ?)",
                             [(t.label, t.name, t.colour, t.explanation) for t in techniques.TECHNIQUES])

    def done_ids(self) -> set[str]:
        return {r[0] for r in self.con.execute("SELECT article_id FROM articles").fetchall()}

    def write_batch(self, records: list[dict[str, Any]], run_id: str) -> int:
        """Insert whole articles in one transaction; ids already stored are left as they are."""
        if not records:
            return 0
        arts, spans, sents = rows_for(records, run_id)
        types = _types()
        a_tbl = _arrow(arts, ARTICLE_COLS, types)   # noqa: F841 (DuckDB reads the local variables)
        s_tbl = _arrow(spans, SPAN_COLS, types)     # noqa: F841
        t_tbl = _arrow(sents, SENTENCE_COLS, types)  # noqa: F841
        con = self.con
        con.execute("BEGIN TRANSACTION")
        try:
            con.register("a_tbl", a_tbl)
            con.register("s_tbl", s_tbl)
            con.register("t_tbl", t_tbl)
            # New ids only: an id that is already stored keeps its first analysis.
            con.execute("CREATE OR REPLACE TEMP TABLE new_ids AS SELECT DISTINCT a.article_id FROM a_tbl a "
                        "WHERE a.article_id NOT IN (SELECT article_id FROM articles)")
            n = con.execute("SELECT count(*) FROM new_ids").fetchone()[0]
            con.execute(f"INSERT INTO articles ({', '.join(ARTICLE_COLS)}) SELECT {', '.join(ARTICLE_COLS)} FROM a_tbl "
                        "WHERE article_id IN (SELECT article_id FROM new_ids)")
            con.execute(f"INSERT INTO spans ({', '.join(SPAN_COLS)}) SELECT {', '.join(SPAN_COLS)} FROM s_tbl "
                        "WHERE article_id IN (SELECT article_id FROM new_ids)")
            con.execute(f"INSERT INTO sentences ({', '.join(SENTENCE_COLS)}) SELECT {', '.join(SENTENCE_COLS)} FROM t_tbl "
                        "WHERE article_id IN (SELECT article_id FROM new_ids)")
            con.execute("COMMIT")
        except Exception:
            con.execute("ROLLBACK")
            raise
        finally:
            for name in ("a_tbl", "s_tbl", "t_tbl"):
                con.unregister(name)
        return n

    def write_bad(self, run_id: str, bad: list[dict[str, Any]]) -> None:
        if bad:
            now = _now()
            self.con.executemany("INSERT INTO bad_records VALUES (?, ?, ?, ?, ?)",
                                 [(run_id, b["where"], b.get("article_id"), b["reason"], now) for b in bad])

    def start_run(self, run: dict[str, Any]) -> None:
        self.con.execute(f"INSERT INTO runs ({', '.join(RUN_COLS)}) VALUES ({', '.join('?' * len(RUN_COLS))})",
                         [run.get(c) for c in RUN_COLS])

    def finish_run(self, run: dict[str, Any]) -> None:
        sets = ", ".join(f"{c} = ?" for c in RUN_COLS[1:])
        self.con.execute(f"UPDATE runs SET {sets} WHERE run_id = ?", [run.get(c) for c in RUN_COLS[1:]] + [run["run_id"]])

    def close(self) -> None:
        try:
            self.con.close()
        except Exception:
            pass


class ParquetStore(Store):
    """A folder: batches/<id>/{articles,spans,sentences}.parquet, runs.jsonl, bad_records.jsonl.
    A batch folder is written under a hidden name and renamed into place, so it is all or
    nothing.

    One writer at a time: the store holds an exclusive lock on `.lock` while open (as DuckDB
    does on its file), so two runs cannot both store an id, and the ids already stored are
    read once, at open, then kept up to date in memory (not re-read at every commit). Hidden
    `.tmp-*` batch folders left by a killed writer are removed at open."""

    def __init__(self, path: Path):
        need("pyarrow")
        self.path = Path(path)
        if self.path.exists() and not self.path.is_dir():
            raise StoreError(f"{self.path}: is a file; a Parquet store is a folder")
        (self.path / "batches").mkdir(parents=True, exist_ok=True)
        self._lock = _lock_exclusive(self.path / ".lock")
        self._ids: set[str] | None = None
        self._remove_torn_batches()
        self._write_meta()

    def _remove_torn_batches(self) -> None:
        import shutil

        for tmp in (self.path / "batches").glob(".tmp-*"):
            shutil.rmtree(tmp, ignore_errors=True)

    def _write_meta(self) -> None:
        meta = self.path / "meta.json"
        if not meta.exists():
            meta.write_text(json.dumps({"schema_version": SCHEMA_VERSION, "format": "propscan-parquet"}) + "\n")

    def _article_files(self) -> list[Path]:
        return sorted((self.path / "batches").glob("[!.]*/articles.parquet"))

    def done_ids(self) -> set[str]:
        import pyarrow.parquet as pq

        if self._ids is None:
            self._ids = set()
            for f in self._article_files():
                self._ids.update(pq.read_table(f, columns=["article_id"]).column(0).to_pylist())
        return set(self._ids)

    def write_batch(self, records: list[dict[str, Any]], run_id: str) -> int:
        import pyarrow.parquet as pq

        self.done_ids()
        done = self._ids
        fresh, seen = [], set()
        for r in records:
            if r["article"]["id"] not in done and r["article"]["id"] not in seen:
                fresh.append(r)
                seen.add(r["article"]["id"])
        if not fresh:
            return 0
        arts, spans, sents = rows_for(fresh, run_id)
        types = _types()
        name = f"{_now():%Y%m%dT%H%M%S}-{uuid.uuid4().hex[:12]}"
        tmp = self.path / "batches" / f".tmp-{name}"
        tmp.mkdir()
        pq.write_table(_arrow(arts, ARTICLE_COLS, types), tmp / "articles.parquet")
        pq.write_table(_arrow(spans, SPAN_COLS, types), tmp / "spans.parquet")
        pq.write_table(_arrow(sents, SENTENCE_COLS, types), tmp / "sentences.parquet")
        for f in tmp.iterdir():
            with f.open("rb") as fh:
                os.fsync(fh.fileno())
        os.rename(tmp, self.path / "batches" / name)   # the commit
        done.update(seen)
        return len(fresh)

    def _append(self, name: str, rows: list[dict[str, Any]]) -> None:
        with (self.path / name).open("a", encoding="utf-8") as fh:
            for r in rows:
                fh.write(json.dumps(r, default=str) + "\n")
            fh.flush()

    def write_bad(self, run_id: str, bad: list[dict[str, Any]]) -> None:
        now = _now()
        self._append("bad_records.jsonl", [{"run_id": run_id, "where": b["where"],
                                            "article_id": b.get("article_id"), "reason": b["reason"],
                                            "seen_at": now} for b in bad])

    def start_run(self, run: dict[str, Any]) -> None:
        self._append("runs.jsonl", [run])

    def finish_run(self, run: dict[str, Any]) -> None:
        self._append("runs.jsonl", [run])   # the last line of a run_id wins

    def close(self) -> None:
        if self._lock is not None:
            self._lock.close()   # releases the lock
            self._lock = None


def _lock_exclusive(path: Path):
    """An open file holding an exclusive lock on `path`; StoreError if another process (or
    another open store in this one) holds it. Without fcntl (Windows) there is no lock."""
    try:
        import fcntl
    except ImportError:   # pragma: no cover - not on Linux or macOS
        return None
    fh = path.open("a+")
    try:
        fcntl.flock(fh.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        fh.close()
        raise StoreError(f"{path.parent}: another propscan process is writing this store; "
                         "wait for it to end (two writers could store an article twice)") from None
    return fh


def store_format(path: Path, fmt: str = "auto") -> str:
    if fmt not in ("auto", "duckdb", "parquet"):
        raise InputError(f"unknown store format {fmt!r}; use duckdb or parquet")
    if fmt != "auto":
        return fmt
    return "parquet" if Path(path).is_dir() else "duckdb"


def open_store(path: Path, fmt: str = "auto") -> Store:
    return ParquetStore(path) if store_format(path, fmt) == "parquet" else DuckStore(path)


# -- reading -----------------------------------------------------------------------------------

def connect_read(path: Path):
    """A DuckDB connection on which the store's tables (articles, spans, sentences, runs,
    bad_records, techniques) can be queried, whatever the store format."""
    duckdb = need("duckdb")

    path = Path(path)
    if not path.exists():
        raise StoreError(f"{path}: no such store; create one with `propscan batch INPUT -o {path}`")
    if path.is_dir():
        return _connect_parquet(path)
    try:
        return duckdb.connect(str(path), read_only=True)
    except duckdb.IOException as e:
        raise StoreError(f"{path}: cannot open the store ({e}); a batch run may be writing it, "
                         "try again when it ends") from None
    except duckdb.Error as e:
        raise StoreError(f"{path}: not a DuckDB store ({e})") from None


def _connect_parquet(path: Path):
    import duckdb

    con = duckdb.connect()
    con.execute(SCHEMA)
    batches = sorted((path / "batches").glob("[!.]*/articles.parquet"))
    for table in ("articles", "spans", "sentences"):
        files = [str(f.parent / f"{table}.parquet") for f in batches]
        if files:
            # BY NAME: batches written before a column existed read it as NULL
            con.execute(f"INSERT INTO {table} BY NAME SELECT * FROM read_parquet(?, union_by_name = true)",
                        [files])
    for name, table, cols in (("runs.jsonl", "runs", RUN_COLS), ("bad_records.jsonl", "bad_records", BAD_COLS)):
        f = path / name
        rows: dict[Any, tuple] = {}
        if f.exists():
            for i, line in enumerate(f.read_text(encoding="utf-8").splitlines()):
                try:
                    r = json.loads(line)
                except json.JSONDecodeError:
                    continue   # a line torn by a kill
                key = r.get("run_id") if table == "runs" else i
                rows[key] = tuple(r.get(c) for c in cols)
        if rows:
            con.executemany(f"INSERT INTO {table} VALUES ({', '.join('?' * len(cols))})", list(rows.values()))
    con.executemany("INSERT INTO techniques VALUES (?, ?, ?, ?)",
                    [(t.label, t.name, t.colour, t.explanation) for t in techniques.TECHNIQUES])
    return con


def article_filter(*, source: str | None = None, technique: str | None = None, day_from: _dt.date | None = None,
                   day_to: _dt.date | None = None, q: str | None = None) -> tuple[str, list[Any]]:
    """(SQL condition on `articles a`, its parameters) selecting the articles of a source, with
    a span of a technique, in a day range, or whose title or id contains `q`; InputError for an
    unknown technique. The dashboard and the review export filter the same way."""
    if technique and technique not in techniques.BY_LABEL:
        raise InputError(f"unknown technique {technique!r}; expected one of: {', '.join(techniques.LABELS)}")
    where, args = ["TRUE"], []
    for cond, value in (("a.source = ?", source),
                        ("a.article_id IN (SELECT article_id FROM spans WHERE technique = ?)", technique),
                        ("a.day >= ?", day_from), ("a.day <= ?", day_to)):
        if value:
            where.append(cond)
            args.append(value)
    if q:
        where.append("(a.title ILIKE ? OR a.article_id ILIKE ?)")
        args += [f"%{q}%", f"%{q}%"]
    return " AND ".join(where), args


def load_analysis(con, article_id: str) -> tuple[dict[str, Any], Analysis] | None:
    """The stored metadata and Analysis of one article, or None."""
    row = con.execute("SELECT article_id, title, source, date, url, text, score, model_version, "
                      "technique_counts, density, n_spans FROM articles WHERE article_id = ?",
                      [article_id]).fetchone()
    if row is None:
        return None
    aid, title, source, date, url, text, score, version, counts, density, n_spans = row
    spans = con.execute(f"SELECT {', '.join(SPAN_COLS[2:])} FROM spans "
                        "WHERE article_id = ? ORDER BY span_no", [aid]).fetchall()
    sents = con.execute(f"SELECT {', '.join(SENTENCE_COLS[2:])} FROM sentences "
                        "WHERE article_id = ? ORDER BY sentence_no", [aid]).fetchall()
    analysis = Analysis.from_dict({
        "article_id": aid, "text": text, "title": title, "score": score, "model_version": version,
        "technique_counts": json.loads(counts or "{}"),
        "spans": [dict(zip(SPAN_FIELDS, row)) for row in spans],
        "sentences": [dict(zip(SENTENCE_FIELDS, row)) for row in sents],
    })
    meta = {"article_id": aid, "title": title, "source": source, "date": date, "url": url,
            "density": density, "n_spans": n_spans}
    return meta, analysis
