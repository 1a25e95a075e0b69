"""CheckThat! check-worthiness files: a header line, then `Sentence_id<TAB>Text[<TAB>...]` rows.

Texts may be CSV-quoted (`"He said ""no""."`); we unquote them. Reading never stops at a bad
row: every row keeps its place (so `propscan claims` can answer every input row, in order) and
each problem is reported with its line number.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from propscan.errors import DecodeError, InputError

HEADER_IDS = {"sentence_id", "sentence id", "id", "tweet_id"}
LABELS = ("Yes", "No")


@dataclass(frozen=True)
class ClaimRow:
    line: int              # 1-based line number in the file
    sentence_id: str
    text: str              # "" when the row has no text
    label: str | None = None
    ok: bool = True        # False for a malformed row (it still gets an answer)


@dataclass
class ClaimFile:
    path: str
    header: list[str]
    rows: list[ClaimRow]
    problems: list[str] = field(default_factory=list)   # "FILE:LINE: what is wrong"


def unquote(text: str) -> str:
    text = text.strip()
    if len(text) >= 2 and text[0] == '"' and text[-1] == '"':
        return text[1:-1].replace('""', '"').strip()
    return text


def _read_lines(path: Path) -> list[str]:
    if not path.is_file():
        raise InputError(f"{path}: no such file")
    data = path.read_bytes()
    if b"\x00" in data:
        raise DecodeError(f"{path}: looks binary (contains NUL bytes); expected a UTF-8 TSV file")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as e:
        raise DecodeError(f"{path}: not valid UTF-8 (byte {e.start})") from None
    if text.startswith("\ufeff"):
        text = text[1:]
    return text.splitlines()


def read_claim_file(path: str | Path, with_labels: bool = False) -> ClaimFile:
    """All rows of a CheckThat! TSV file. With `with_labels`, a third column Yes/No is required."""
    path = Path(path)
    lines = _read_lines(path)
    if not lines:
        raise InputError(f"{path}: the file is empty; expected a header line Sentence_id<TAB>Text")
    out = ClaimFile(str(path), [], [])
    first = lines[0].split("\t")
    if first[0].strip().lower() in HEADER_IDS:
        out.header, start = [c.strip() for c in first], 1
    else:
        out.problems.append(f"{path}:1: expected a header line Sentence_id<TAB>Text; "
                            "reading line 1 as a data row")
        out.header, start = ["Sentence_id", "Text"] + ["column"] * (len(first) - 2), 0
    width = max(2, len(out.header))
    if with_labels and width < 3:
        raise InputError(f"{path}:1: expected a class_label column (Sentence_id<TAB>Text<TAB>class_label)")
    for i in range(start, len(lines)):
        line_no, raw = i + 1, lines[i]
        if not raw.strip():
            continue
        cols = raw.split("\t")
        sid = cols[0].strip()
        text = unquote(cols[1]) if len(cols) > 1 else ""
        label = cols[2].strip() if with_labels and len(cols) > 2 else None
        problem = None
        if not sid:
            problem = "missing Sentence_id"
        elif len(cols) != width:
            problem = f"expected {width} tab-separated columns, found {len(cols)}"
        elif not text:
            problem = "missing text"
        elif with_labels and label not in LABELS:
            problem = f"class_label must be Yes or No, found {label!r}"
        if problem:
            out.problems.append(f"{path}:{line_no}: {problem} (sentence {sid or '?'})")
        out.rows.append(ClaimRow(line_no, sid, text, label if label in LABELS else None, problem is None))
    return out


def write_claim_labels(path: str | Path, ids: list[str], labels: list[str]) -> None:
    """`Sentence_id<TAB>class_label`, a header line first, one row per input row, in order."""
    body = "".join(f"{i}\t{lab}\n" for i, lab in zip(ids, labels))
    Path(path).write_text("Sentence_id\tclass_label\n" + body, encoding="utf-8")
