"""From per-piece propaganda probabilities to character spans.

Hysteresis decoding: a span starts at a piece whose probability reaches `high` and grows
while neighbours stay above `low`; short gaps between spans are bridged, every span is
widened to whole words (`widen`), cut at line breaks and between two quotations (`parts`), and
loses the edge punctuation and last words annotators never include (`trim`). This is what turns
a noisy tagger into spans shaped like the annotators'.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class DecodeConfig:
    high: float = 0.5
    low: float = 0.35
    max_gap: int = 1        # pieces below `low` bridged between two spans
    min_pieces: int = 1
    split_lines: bool = True  # gold spans rarely cross a line break; PTC has a sentence a line


def _is_word_char(c: str) -> bool:
    # Combining marks (accents written as separate code points) belong to their letter: the
    # tokenizer's offsets can stop before them, and a span must not cut them off.
    return c.isalnum() or c in "'’-" or unicodedata.category(c).startswith("M")


def _joins(text: str, i: int) -> bool:
    """Whether text[i] belongs to the word around it: a word character, or a dot between single
    letters ("W.H.O", "U.S"), which must not end a span in the middle of an abbreviation. (Not
    the final dot: no annotated span ends with a full stop. Not "lied.The": a missing space.)"""
    c = text[i]
    if c != ".":
        return _is_word_char(c)
    return (0 < i < len(text) - 1 and text[i - 1].isalpha() and text[i + 1].isalpha()
            and (i < 2 or not text[i - 2].isalpha()))


def widen(text: str, start: int, end: int) -> tuple[int, int]:
    """Grow [start, end) to whole words."""
    while start > 0 and _joins(text, start - 1) and _joins(text, start):
        start -= 1
    while end < len(text) and _joins(text, end) and _joins(text, end - 1):
        end += 1
    return start, end


# Not "-" or "'" in these: inside a word they are word characters (_is_word_char); a dash
# standing alone at an edge is trimmed below.
_LEADING = ",.;:!?)]}”…—–/"
_TRAILING = ",.;:([{—–/“‘"
_QUOTES = {'"': '"', "“": "”", "‘": "’"}
# Words no annotated span ends with (at most 1 of the 5,042 spans of the fit split each, though
# all are common: `python scripts/gold_span_edges.py`): `"corporate vultures" who` is the slur and
# the start of the next clause. Matched as written, in lower case: "the WHO" keeps its "WHO".
NEVER_LAST = frozenset("a an the and or nor but as who whom whose which for he she they when these "
                       "its their my his your".split())
_LAST_WORD = re.compile(r"[^\W_]+(?:['’-][^\W_]+)*\W*$")
_LAST_WORD_REACH = 40   # characters searched back for the last word (longer words are never in NEVER_LAST)


def trim(text: str, start: int, end: int) -> tuple[int, int]:
    """[start, end) without the punctuation annotators never put at a span's edges: leading
    commas, stops and closing marks, an opening quotation mark whose closing one is not in the
    span, trailing commas, full stops and opening marks, a dash standing alone at either edge,
    and a last word of NEVER_LAST after another word. Empty if nothing else is left."""
    while True:
        before = (start, end)
        while start < end and (text[start] in _LEADING or text[start].isspace()):
            start += 1
        while start < end and (text[end - 1] in _TRAILING or text[end - 1].isspace()):
            end -= 1
        if start < end and text[start] in _QUOTES and text.find(_QUOTES[text[start]], start + 1, end) < 0:
            start += 1
        if end - start > 1 and text[start] == "-" and text[start + 1].isspace():
            start += 1
        if end - start > 1 and text[end - 1] == "-" and text[end - 2].isspace():
            end -= 1
        last = _LAST_WORD.search(text, max(start, end - _LAST_WORD_REACH), end)
        if last and text[last.start() - 1].isspace() and last.start() > start \
                and text[last.start():end].rstrip().rstrip(_TRAILING) in NEVER_LAST \
                and any(c.isalnum() for c in text[max(start, last.start() - _LAST_WORD_REACH):last.start()]):
            end = last.start()
        if (start, end) == before:
            return (start, end) if any(c.isalnum() for c in text[start:end]) else (start, start)


def decode(text: str, offsets: np.ndarray, probs: np.ndarray, cfg: DecodeConfig) -> list[tuple[int, int, float]]:
    """Spans (start, end, confidence) with end exclusive; confidence is the mean piece probability."""
    n = len(probs)
    runs: list[list[int]] = []
    i = 0
    while i < n:
        if probs[i] >= cfg.low:
            j = i
            while j + 1 < n and probs[j + 1] >= cfg.low:
                j += 1
            if probs[i:j + 1].max() >= cfg.high:
                # Bridge a short gap, but never across a line break when spans are cut at
                # lines: the bridged pieces alone would otherwise become a span of their own.
                if runs and i - runs[-1][1] - 1 <= cfg.max_gap and not (
                        cfg.split_lines and "\n" in text[offsets[runs[-1][1], 1]:offsets[i, 0]]):
                    runs[-1][1] = j
                else:
                    runs.append([i, j])
            i = j + 1
        else:
            i += 1
    spans = []
    for a, b in runs:
        if b - a + 1 < cfg.min_pieces:
            continue
        start, end = widen(text, int(offsets[a, 0]), int(offsets[b, 1]))
        conf = float(probs[a:b + 1].mean())
        for part_start, part_end in (trim(text, *part) for part in parts(text, start, end, cfg.split_lines)):
            if part_end <= part_start:
                continue
            if spans and part_start <= spans[-1][1]:
                # Widening to whole words can make neighbours touch inside one long word.
                ps, pe, pc = spans[-1]
                spans[-1] = (ps, max(pe, part_end), max(pc, conf))
            else:
                spans.append((part_start, part_end, conf))
    return spans


# A closing double quotation mark, at most a comma and "and"/"or", an opening one: `"greedy
# outsiders" and "corporate vultures"` is two instances. 10 of the 5,042 annotated spans of the
# fit split run across such a pair, against 154 pairs in its articles (`python scripts/gold_span_edges.py`).
_QUOTE_PAIR = re.compile(r'["”]\s*(?:,\s*)?(?:(?:and|or)\s+)?["“]')
_OPENING = {close: open_ for open_, close in _QUOTES.items()}


def parts(text: str, start: int, end: int, split_lines: bool = True) -> list[tuple[int, int]]:
    """[start, end) cut where annotated spans almost never run on: at line breaks (`line_parts`)
    and between two quotations (`"X" and "Y"`, `"X", "Y"`). A part keeps the closing mark only
    where its opening one is in it too (`X" and "Y` gives `X` and `"Y`)."""
    pieces = line_parts(text, start, end) if split_lines and "\n" in text[start:end] else [(start, end)]
    out = []
    for a, b in pieces:
        for m in _QUOTE_PAIR.finditer(text, a, b):
            close = m.start()
            out.append((a, close + 1 if text.find(_OPENING[text[close]], a, close) >= 0 else close))
            a = m.end() - 1
        out.append((a, b))
    return out


def line_parts(text: str, start: int, end: int) -> list[tuple[int, int]]:
    """The non-blank lines of [start, end), stripped: gold spans almost never cross a line break."""
    out = []
    pos = start
    for line in text[start:end].split("\n"):
        a, b = pos, pos + len(line)
        pos = b + 1
        stripped = line.strip()
        if stripped:
            lead = len(line) - len(line.lstrip())
            out.append((a + lead, a + lead + len(stripped)))
    return out
