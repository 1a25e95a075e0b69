"""PTC folders: `article<ID>.txt` files and tab-separated span/label files."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from propscan.domain import Article
from propscan.errors import DecodeError, InputError, MalformedLineError

_ARTICLE_ID = re.compile(r"^article(\d+)$")


def article_id_for(path: Path) -> str:
    """The digits of `article<ID>.txt`, else the file stem."""
    m = _ARTICLE_ID.match(path.stem)
    return m.group(1) if m else path.stem


def read_text_file(path: Path) -> str:
    """UTF-8 text of a file, exactly as on disk: CRLF and a leading byte order mark are kept,
    because PTC offsets count every character of the file (two training articles begin with
    a BOM and their gold offsets include it)."""
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        raise InputError(f"{path}: no such file") from None
    except IsADirectoryError:
        raise InputError(f"{path}: is a folder, expected a text file") from None
    except OSError as e:
        raise InputError(f"{path}: cannot read ({e.strerror})") from None
    if b"\x00" in data:
        raise DecodeError(f"{path}: looks binary (contains NUL bytes); expected UTF-8 text")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as e:
        raise DecodeError(f"{path}: not valid UTF-8 (byte {e.start}); re-save the file as UTF-8") from None
    return text


def read_table_file(path: Path) -> str:
    """The text of a tab-separated file, without a leading byte order mark (it belongs to the
    file, not to its first cell)."""
    text = read_text_file(path)
    return text[1:] if text.startswith("\ufeff") else text


def article_paths(folder: Path) -> list[Path]:
    folder = Path(folder)
    if not folder.exists():
        raise InputError(f"{folder}: no such folder")
    if not folder.is_dir():
        raise InputError(f"{folder}: not a folder")
    paths = sorted(p for p in folder.glob("*.txt") if p.is_file())
    if not paths:
        raise InputError(f"{folder}: no .txt files found")
    return paths


def read_article(path: Path) -> Article:
    return Article(id=article_id_for(path), text=read_text_file(path))


def texts_with_rows(articles_dir: Path, rows: list) -> list[tuple[str, str, list]]:
    """(article id, text, its rows) for rows whose first field is a PTC article id, grouped by
    article in first-seen order (the shape of the hand-labelled evaluation sets)."""
    by_article: dict[str, list] = {}
    for r in rows:
        by_article.setdefault(r[0], []).append(r)
    return [(aid, read_text_file(Path(articles_dir) / f"article{aid}.txt"), rs) for aid, rs in by_article.items()]


def read_id_list(path: Path) -> set[str]:
    """Article ids, one a line; `#` starts a comment (the format of splits/*.txt)."""
    ids = {line.split("#")[0].strip() for line in read_text_file(Path(path)).split("\n")}
    ids.discard("")
    if not ids:
        raise InputError(f"{path}: no article ids in it (one id a line)")
    return ids


def read_articles(folder: Path) -> list[Article]:
    """Every article of a PTC articles folder (raises on the first unreadable file)."""
    return [read_article(p) for p in article_paths(folder)]


@dataclass(frozen=True)
class LabelRow:
    article_id: str
    start: int
    end: int
    technique: str | None = None
    line: int = 0


def read_rows(path: Path, with_technique: bool) -> list[LabelRow]:
    """Rows of `article_id[<TAB>technique]<TAB>start<TAB>end`; a first line starting with
    `article_id` is a header. Errors name the file and line."""
    text = read_table_file(Path(path))
    want = 4 if with_technique else 3
    rows: list[LabelRow] = []
    # split("\n"), not splitlines(): form feeds or U+2028 inside a row must not shift line numbers.
    for no, line in enumerate(text.split("\n"), start=1):
        if not line.strip():
            continue
        if no == 1 and line.startswith("article_id"):
            continue
        cols = line.rstrip("\r").split("\t")
        if len(cols) != want:
            raise MalformedLineError(f"{path}:{no}: expected {want} tab-separated columns, found {len(cols)}")
        try:
            start, end = int(cols[-2]), int(cols[-1])
        except ValueError:
            raise MalformedLineError(f"{path}:{no}: start and end must be integers") from None
        if start < 0 or end <= start:
            raise MalformedLineError(f"{path}:{no}: need 0 <= start < end, got {start}, {end}")
        rows.append(LabelRow(cols[0], start, end, cols[1] if with_technique else None, no))
    return rows
