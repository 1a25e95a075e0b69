"""Saved analyses in one embedded SQLite file; each gets a short random id for its permalink."""

from __future__ import annotations

import json
import secrets
import sqlite3
import threading
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Iterator

from propscan.domain import Analysis

SCHEMA = """
CREATE TABLE IF NOT EXISTS analyses (
    id TEXT PRIMARY KEY,
    created_at TEXT NOT NULL,
    source TEXT NOT NULL,
    url TEXT,
    options TEXT NOT NULL,
    analysis TEXT NOT NULL
)
"""

ID_PATTERN = r"^[A-Za-z0-9_-]{6,32}$"


@dataclass(frozen=True)
class Record:
    id: str
    created_at: str
    source: str
    """'text', 'upload' or 'url'."""
    url: str | None
    options: dict[str, Any]
    analysis: Analysis

    def to_dict(self) -> dict[str, Any]:
        return {"id": self.id, "permalink": f"/a/{self.id}", "created_at": self.created_at,
                "source": self.source, "url": self.url, "options": self.options,
                "analysis": self.analysis.to_dict()}


class Store:
    """Thread-safe: one short-lived connection per call, WAL journal for concurrent readers."""

    def __init__(self, path: str | Path):
        self.path = Path(path).expanduser()
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._write_lock = threading.Lock()
        with self._connect() as db:
            db.execute("PRAGMA journal_mode=WAL")
            db.execute(SCHEMA)

    @contextmanager
    def _connect(self) -> Iterator[sqlite3.Connection]:
        db = sqlite3.connect(self.path, timeout=30)
        try:
            with db:  # commit on success, roll back on error
                yield db
        finally:
            db.close()

    def save(self, analysis: Analysis, *, source: str, url: str | None = None,
             options: dict[str, Any] | None = None) -> Record:
        rec = Record(secrets.token_urlsafe(9), datetime.now(timezone.utc).isoformat(timespec="seconds"),
                     source, url, dict(options or {}), analysis)
        with self._write_lock, self._connect() as db:
            db.execute("INSERT INTO analyses VALUES (?, ?, ?, ?, ?, ?)",
                       (rec.id, rec.created_at, rec.source, rec.url, json.dumps(rec.options),
                        json.dumps(analysis.to_dict(), ensure_ascii=False)))
        return rec

    def get(self, id: str) -> Record | None:
        with self._connect() as db:
            row = db.execute("SELECT id, created_at, source, url, options, analysis FROM analyses "
                             "WHERE id = ?", (id,)).fetchone()
        if row is None:
            return None
        return Record(row[0], row[1], row[2], row[3], json.loads(row[4]),
                      Analysis.from_dict(json.loads(row[5])))

    def count(self) -> int:
        with self._connect() as db:
            return db.execute("SELECT COUNT(*) FROM analyses").fetchone()[0]
