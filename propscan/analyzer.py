"""The Analyzer: text in, Analysis out. The only code that talks to the model.

Pipeline: word pieces → overlapping windows → tagger → per-piece probabilities →
hysteresis decoding into spans → technique classifier (span, context, features) →
sentence and article scores.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import replace
from pathlib import Path

import numpy as np

from propscan.decoding import DecodeConfig, decode
from propscan.domain import Analysis, Article, Sentence, Span
from propscan.errors import EmptyTextError, InputError
from propscan.features import span_context, span_features
from propscan.runtime import Model
from propscan.sentences import sentence_ranges


class Analyzer:
    """Loads the model once; `analyze` is safe to call from several threads at once."""

    def __init__(self, model: str | Path | Model | None = None, *, threads: int | None = None,
                 decode_config: DecodeConfig | None = None):
        self.model = model if isinstance(model, Model) else Model(model, threads=threads)
        self.decode_config = decode_config or self.model.config.decode
        self.labels = self.model.config.labels

    @property
    def version(self) -> str:
        return self.model.version

    # -- the two sub-tasks, exposed for `predict` and `classify` -------------------------------

    def detect(self, text: str) -> tuple[list[tuple[int, int, float]], np.ndarray, np.ndarray]:
        """Propaganda spans (start, end, confidence), plus the piece offsets and probabilities."""
        p, probs = self.model.piece_probs(text)
        return decode(text, p.offsets, probs, self.decode_config), p.offsets, probs

    def classify(self, text: str, spans: list[tuple[int, int]]) -> np.ndarray:
        """[n, n_techniques] technique probabilities for the given character spans of `text`."""
        for s, e in spans:
            if not 0 <= s < e <= len(text):
                raise InputError(f"span {s}-{e} lies outside the text (length {len(text)})")
        lowered, sents = text.lower(), sentence_ranges(text)
        contexts = [span_context(text, s, e, sents) for s, e in spans]
        feats = np.stack([span_features(text, s, e, lowered) for s, e in spans]) if spans else \
            np.zeros((0, 8), dtype=np.float32)
        return self.model.technique_probs([text[s:e] for s, e in spans], contexts, feats)

    def classify_labels(self, text: str, spans: list[tuple[int, int]]) -> list[tuple[str, float]]:
        """One technique per span. When the same span is asked for several times (a span that
        carries several techniques), each repeat gets the next most likely technique."""
        probs = self.classify(text, spans)
        seen: dict[tuple[int, int], int] = defaultdict(int)
        out = []
        for (s, e), row in zip(spans, probs):
            rank = seen[(s, e)]
            seen[(s, e)] += 1
            k = int(np.argsort(-row)[min(rank, len(row) - 1)])
            out.append((self.labels[k], float(row[k])))
        return out

    # -- the whole analysis -----------------------------------------------------------------

    def analyze(self, article: str | Article) -> Analysis:
        if isinstance(article, str):
            article = Article(id="text", text=article)
        text = article.text
        if not text.strip():
            raise EmptyTextError("the text is empty; give an article with some words in it")
        found, offsets, probs = self.detect(text)
        spans: list[Span] = []
        if found:
            tech = self.classify(text, [(s, e) for s, e, _ in found])
            for (s, e, conf), row in zip(found, tech):
                k = int(row.argmax())
                spans.append(Span(s, e, self.labels[k], round(conf * float(row[k]), 4), text[s:e]))
        sentences = self._sentences(text, offsets, probs)
        total = sum(x.end - x.start for x in sentences)
        score = sum(x.score * (x.end - x.start) for x in sentences) / total if total else 0.0
        counts = Counter(s.technique for s in spans)
        return Analysis(article.id, text, spans, sentences, round(score, 4), self.version,
                        article.title, dict(counts.most_common()))

    @staticmethod
    def _sentences(text: str, offsets: np.ndarray, probs: np.ndarray) -> list[Sentence]:
        """Each sentence scores the highest propaganda probability of any of its pieces."""
        out = []
        starts = offsets[:, 0] if len(offsets) else np.zeros(0, dtype=np.int64)
        for a, b in sentence_ranges(text):
            lo, hi = np.searchsorted(starts, a), np.searchsorted(starts, b)
            score = float(probs[lo:hi].max()) if hi > lo else 0.0
            out.append(Sentence(a, b, round(score, 4), text[a:b]))
        return out
