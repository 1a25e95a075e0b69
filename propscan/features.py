"""What the technique classifier sees of a span besides its words.

A span's own words rarely tell Repetition apart from Loaded_Language: the article does (the
same phrase recurs). So every span gets its surrounding context and a few numeric signals;
the trainer and the runtime both build them here.
"""

from __future__ import annotations

import math
import re

import numpy as np

from propscan.sentences import sentence_ranges

N_FEATURES = 8
CONTEXT_CHARS = 300


def _norm(s: str) -> str:
    return re.sub(r"\s+", " ", s.lower()).strip(" \"'.,!?;:")


def span_context(text: str, start: int, end: int, sentences: list[tuple[int, int]] | None = None) -> str:
    """The sentence(s) the span lies in, widened to at least CONTEXT_CHARS characters."""
    sentences = sentence_ranges(text) if sentences is None else sentences
    a, b = start, end
    for s, e in sentences:
        if s < end and e > start:
            a, b = min(a, s), max(b, e)
    if b - a < CONTEXT_CHARS:
        pad = (CONTEXT_CHARS - (b - a)) // 2
        a, b = max(0, a - pad), min(len(text), b + pad)
    return text[a:b].replace("\r", " ").replace("\n", " ")


def span_features(text: str, start: int, end: int, lowered: str | None = None) -> np.ndarray:
    """Numeric signals for one span; `lowered` is text.lower(), passed in to share work."""
    lowered = text.lower() if lowered is None else lowered
    span = text[start:end]
    key = _norm(span)
    occurrences = lowered.count(key) if len(key) >= 3 else 1
    words = span.split()
    n_words = max(len(words), 1)
    caps = sum(1 for w in words if w[:1].isupper()) / n_words
    before = text[max(0, start - 2):start]
    after = text[end:end + 2]
    quoted = float(any(q in before for q in "\"“'‘") and any(q in after for q in "\"”'’"))
    return np.array([
        math.log1p(max(occurrences - 1, 0)),
        float(occurrences >= 2),
        math.log1p(len(span)) / 6.0,
        math.log1p(n_words) / 4.0,
        caps,
        quoted,
        float("!" in span),
        float("?" in span or "?" in after),
    ], dtype=np.float32)
