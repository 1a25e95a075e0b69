"""Long texts in pieces: cut a text into consecutive pieces of bounded length, analyse each on
its own, and put the piece analyses back together with offsets into the whole text.

Why: the cost of analysing one piece is bounded, so the cost of a text is linear in its length
(some per-span features scan the whole text), its memory is that of one piece, and a server
can interleave the pieces of a big text with small requests. A text no longer than one piece
is one piece, analysed exactly as before. Pieces are cut after a line break where there is one
in the second half of the piece, else after whitespace, else at the limit; the tagger and the
technique features then see only the piece around a span (PTC articles are at most 47,473
characters, one sentence a line).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import replace
from typing import Iterable

from propscan.domain import Analysis, Article


def piece_ranges(text: str, max_chars: int) -> list[tuple[int, int]]:
    """Consecutive (start, end) ranges covering `text`, each at most `max_chars` long."""
    if max_chars < 1:
        raise ValueError("max_chars must be at least 1")
    out, start, n = [], 0, len(text)
    while n - start > max_chars:
        lo, hi = start + max_chars // 2, start + max_chars
        cut = text.rfind("\n", lo, hi) + 1
        if not cut:
            cut = next((i + 1 for i in range(hi - 1, lo - 1, -1) if text[i].isspace()), hi)
        out.append((start, cut))
        start = cut
    if start < n or not out:
        out.append((start, n))
    return out


def pieces(article: Article, max_chars: int) -> list[tuple[int, Article]]:
    """(offset, piece) for every piece of the article that has something besides whitespace."""
    out = []
    for a, b in piece_ranges(article.text, max_chars):
        if article.text[a:b].strip():
            out.append((a, replace(article, text=article.text[a:b])))
    return out


def merge(article: Article, parts: Iterable[tuple[int, Analysis]]) -> Analysis:
    """One Analysis of the whole article from the analyses of its pieces, in text order."""
    spans, sentences, claims, version = [], [], [], ""
    for offset, a in parts:
        version = version or a.model_version
        spans += [replace(s, start=s.start + offset, end=s.end + offset) for s in a.spans]
        sentences += [replace(s, start=s.start + offset, end=s.end + offset) for s in a.sentences]
        claims += [replace(c, start=c.start + offset, end=c.end + offset) for c in a.claims]
    # the article score as the Analyzer computes it: sentence scores weighted by length
    total = sum(x.end - x.start for x in sentences)
    score = sum(x.score * (x.end - x.start) for x in sentences) / total if total else 0.0
    counts = Counter(s.technique for s in spans)
    return Analysis(article.id, article.text, spans, sentences, round(score, 4), version, article.title,
                    dict(counts.most_common()), claims)
