"""Plain text from a file or stdin."""

from __future__ import annotations

import sys
from pathlib import Path

from propscan.domain import Article
from propscan.errors import DecodeError, EmptyTextError
from propscan.io.ptc import article_id_for, read_text_file

MAX_BYTES = 20 * 1024 * 1024


def read_stdin() -> str:
    data = sys.stdin.buffer.read(MAX_BYTES + 1)
    if len(data) > MAX_BYTES:
        raise DecodeError(f"stdin: more than {MAX_BYTES // (1024 * 1024)} MB; split the input")
    if b"\x00" in data:
        raise DecodeError("stdin: looks binary (contains NUL bytes); expected UTF-8 text")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as e:
        raise DecodeError(f"stdin: not valid UTF-8 (byte {e.start})") from None
    return text   # exactly as read, a BOM included: offsets count every character


def read_article_source(source: str) -> Article:
    """An Article from a path, or from stdin when `source` is '-'. Empty text is an error."""
    if source == "-":
        text, name, aid = read_stdin(), "stdin", "stdin"
    else:
        path = Path(source)
        text, name, aid = read_text_file(path), str(path), article_id_for(path)
    if not text.strip():
        raise EmptyTextError(f"{name}: the text is empty")
    return Article(id=aid, text=text)
