"""JSON Lines articles: one object per line with `text` and optional id, title, source, date, url.

Readers yield an `Article` for every good record and a `BadRecord` (where, id, reason) for every
bad one, so a batch run can report the bad record and carry on.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterator

from propscan.domain import Article
from propscan.errors import InputError

FIELDS = ("id", "text", "title", "source", "date", "url")


@dataclass(frozen=True)
class BadRecord:
    """A record that could not become an Article: `where` is file[:line or row]."""

    where: str
    reason: str
    article_id: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"where": self.where, "article_id": self.article_id, "reason": self.reason}


def _optional_str(value: Any, name: str) -> str | None:
    if value is None:
        return None
    if isinstance(value, float) and value != value:   # NaN from CSV/Parquet
        return None
    if isinstance(value, (str, int, float)):
        s = str(value).strip()
        return s or None
    if hasattr(value, "isoformat"):                   # date/datetime from Parquet
        return value.isoformat()
    raise InputError(f"field {name!r} must be a string, got {type(value).__name__}")


def article_from_record(record: Any, fallback_id: str) -> Article:
    """An Article from a mapping with `text` and optional id/title/source/date/url.
    Raises InputError saying what is wrong."""
    if not isinstance(record, dict):
        raise InputError(f"expected an object with a 'text' field, got {type(record).__name__}")
    text = record.get("text")
    if text is None:
        raise InputError("no 'text' field")
    if not isinstance(text, str):
        raise InputError(f"'text' must be a string, got {type(text).__name__}")
    if not text.strip():
        raise InputError("the text is empty")
    if "\x00" in text:
        raise InputError("the text contains NUL characters")
    aid = _optional_str(record.get("id"), "id") or fallback_id
    return Article(id=aid, text=text, title=_optional_str(record.get("title"), "title"),
                   source=_optional_str(record.get("source"), "source"),
                   date=_optional_str(record.get("date"), "date"),
                   url=_optional_str(record.get("url"), "url"))


def read_jsonl(path: Path) -> Iterator[Article | BadRecord]:
    """Articles of a JSON Lines file; a record without an id gets `<file stem>-<line>`."""
    path = Path(path)
    try:
        fh = path.open("rb")
    except FileNotFoundError:
        raise InputError(f"{path}: no such file") from None
    with fh:
        for no, raw in enumerate(fh, start=1):
            where = f"{path}:{no}"
            if not raw.strip():
                continue
            try:
                line = raw.decode("utf-8")
            except UnicodeDecodeError as e:
                yield BadRecord(where, f"not valid UTF-8 (byte {e.start})")
                continue
            if no == 1 and line.startswith("\ufeff"):
                line = line[1:]
            try:
                record = json.loads(line)
            except json.JSONDecodeError as e:
                yield BadRecord(where, f"not valid JSON ({e.msg} at column {e.colno})")
                continue
            rid = record.get("id") if isinstance(record, dict) else None
            try:
                yield article_from_record(record, f"{path.stem}-{no}")
            except InputError as e:
                yield BadRecord(where, e.message, None if rid is None else str(rid))


def count_jsonl(path: Path) -> int:
    with Path(path).open("rb") as fh:
        return sum(1 for raw in fh if raw.strip())
