"""SemEval-2020 Task 11 TSV output: `article_id<TAB>technique<TAB>start<TAB>end`."""

from __future__ import annotations

from pathlib import Path
from typing import Iterable

from propscan.errors import InputError


def format_row(article_id: str, technique: str, start: int, end: int) -> str:
    return f"{article_id}\t{technique}\t{start}\t{end}\n"


def write_rows(path: Path, rows: Iterable[tuple[str, str, int, int]]) -> int:
    """Write rows atomically (temp file + rename) so a failed run never leaves half a file."""
    path = Path(path)
    tmp = path.with_name(path.name + ".tmp")
    n = 0
    try:
        with open(tmp, "w", encoding="utf-8", newline="") as f:
            for row in rows:
                f.write(format_row(*row))
                n += 1
        tmp.replace(path)
    except OSError as e:
        tmp.unlink(missing_ok=True)
        raise InputError(f"{path}: cannot write ({e.strerror})") from None
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    return n
