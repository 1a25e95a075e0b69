"""Sentence boundaries as character ranges.

PTC articles put one sentence on each line; free text from users does not, so lines are
further split after ., ! or ? (and any closing quotes) followed by whitespace and an
upper-case letter, digit or opening quote.
"""

from __future__ import annotations

import re

_BOUNDARY = re.compile(r"(?<=[.!?])([\"'\u201d\u2019)\]]*)\s+(?=[\"'\u201c\u2018(\[]?([^\W_]))")
_LINE = re.compile(r"[^\r\n]+")


def sentence_ranges(text: str) -> list[tuple[int, int]]:
    """Non-empty sentences as (start, end), end exclusive, surrounding whitespace trimmed."""
    out: list[tuple[int, int]] = []
    for line in _LINE.finditer(text):
        body = line.group()
        cuts = [(0, None)]
        for m in _BOUNDARY.finditer(body):
            if not (m.group(2).isupper() or m.group(2).isdigit()):   # any script's capitals: É, Ö
                continue
            cuts[-1] = (cuts[-1][0], m.start() + len(m.group(1)))
            cuts.append((m.end(), None))
        cuts[-1] = (cuts[-1][0], len(body))
        for a, b in cuts:
            seg = body[a:b]
            lead = len(seg) - len(seg.lstrip())
            trail = len(seg.rstrip())
            if trail > lead:
                out.append((line.start() + a + lead, line.start() + a + trail))
    return out
