"""Inputs of a batch run: folders of .txt files, JSON Lines, CSV and Parquet files.

Every reader yields `Article` for a good record and `BadRecord` for a bad one; only a missing
or unrecognised input raises (the run cannot start).
"""

from __future__ import annotations

import csv
import sys
from pathlib import Path
from typing import Iterable, Iterator

from propscan.domain import Article
from propscan.errors import InputError
from propscan.io.jsonl import FIELDS, BadRecord, article_from_record, count_jsonl, read_jsonl
from propscan.io.ptc import article_id_for, read_text_file

__all__ = ["Article", "BadRecord", "read_inputs", "count_inputs", "input_kind"]

JSONL_SUFFIXES = {".jsonl", ".ndjson"}
CSV_SUFFIXES = {".csv"}
PARQUET_SUFFIXES = {".parquet", ".pq"}


def input_kind(path: Path) -> str:
    path = Path(path)
    if not path.exists():
        raise InputError(f"{path}: no such file or folder")
    if path.is_dir():
        return "folder"
    suffix = path.suffix.lower()
    if suffix in JSONL_SUFFIXES:
        return "jsonl"
    if suffix in CSV_SUFFIXES:
        return "csv"
    if suffix in PARQUET_SUFFIXES:
        return "parquet"
    if suffix == ".txt":
        return "txt"
    raise InputError(f"{path}: unknown input type; give a folder of .txt files or a "
                     ".jsonl, .csv or .parquet file")


def _txt_paths(folder: Path) -> list[Path]:
    return sorted(p for p in folder.glob("*.txt") if p.is_file())


def read_txt(path: Path) -> Iterator[Article | BadRecord]:
    aid = article_id_for(path)
    try:
        text = read_text_file(path)
    except InputError as e:
        yield BadRecord(str(path), e.message.removeprefix(f"{path}: "), aid)
        return
    if not text.strip():
        yield BadRecord(str(path), "the text is empty", aid)
    else:
        yield Article(id=aid, text=text)


def read_folder(folder: Path) -> Iterator[Article | BadRecord]:
    for p in _txt_paths(folder):
        yield from read_txt(p)


def read_csv(path: Path, text_column: str = "text") -> Iterator[Article | BadRecord]:
    """CSV with a header row: a text column, optional id/title/source/date/url columns."""
    csv.field_size_limit(sys.maxsize)
    try:
        fh = path.open(encoding="utf-8-sig", newline="")
        with fh:
            reader = csv.DictReader(fh)
            if not reader.fieldnames or text_column not in reader.fieldnames:
                raise InputError(f"{path}: no {text_column!r} column in the header "
                                 f"(columns: {', '.join(reader.fieldnames or [])})")
            for no, row in enumerate(reader, start=2):
                where = f"{path}:{no}"
                if None in row:
                    yield BadRecord(where, "more fields than header columns", row.get("id") or None)
                    continue
                record = {k: row.get(k) for k in FIELDS if k in row and k != "text"}
                record["text"] = row.get(text_column)
                try:
                    yield article_from_record(record, f"{path.stem}-{no}")
                except InputError as e:
                    yield BadRecord(where, e.message, row.get("id") or None)
    except UnicodeDecodeError as e:
        yield BadRecord(str(path), f"not valid UTF-8 (byte {e.start}); rest of the file skipped")


def read_parquet(path: Path, text_column: str = "text") -> Iterator[Article | BadRecord]:
    import pyarrow.parquet as pq

    try:
        pf = pq.ParquetFile(path)
    except Exception as e:  # pyarrow raises several types for a broken file
        raise InputError(f"{path}: not a readable Parquet file ({e})") from None
    names = set(pf.schema_arrow.names)
    if text_column not in names:
        raise InputError(f"{path}: no {text_column!r} column (columns: {', '.join(sorted(names))})")
    columns = [c for c in FIELDS if c in names and c != "text"] + [text_column]
    row = 0
    for batch in pf.iter_batches(batch_size=256, columns=columns):
        for record in batch.to_pylist():
            row += 1
            record["text"] = record.pop(text_column) if text_column != "text" else record["text"]
            where = f"{path}:row {row}"
            try:
                yield article_from_record(record, f"{path.stem}-{row}")
            except InputError as e:
                rid = record.get("id")
                yield BadRecord(where, e.message, None if rid is None else str(rid))


def read_input(path: Path, text_column: str = "text") -> Iterator[Article | BadRecord]:
    path = Path(path)
    kind = input_kind(path)
    if kind == "folder":
        return read_folder(path)
    if kind == "txt":
        return read_txt(path)
    if kind == "jsonl":
        return read_jsonl(path)
    if kind == "csv":
        return read_csv(path, text_column)
    return read_parquet(path, text_column)


def read_inputs(paths: Iterable[Path], text_column: str = "text") -> Iterator[Article | BadRecord]:
    """Every record of every input, in order. Checks all inputs exist before reading any."""
    paths = [Path(p) for p in paths]
    for p in paths:
        input_kind(p)
    for p in paths:
        yield from read_input(p, text_column)


def count_inputs(paths: Iterable[Path], text_column: str = "text") -> int:
    """How many records the inputs hold (for the progress bar), without analysing them."""
    total = 0
    for p in map(Path, paths):
        kind = input_kind(p)
        if kind == "folder":
            total += len(_txt_paths(p))
        elif kind == "txt":
            total += 1
        elif kind == "jsonl":
            total += count_jsonl(p)
        elif kind == "parquet":
            import pyarrow.parquet as pq

            try:
                total += pq.ParquetFile(p).metadata.num_rows
            except Exception:
                pass
        else:
            total += sum(1 for _ in read_csv(p, text_column))
    return total
