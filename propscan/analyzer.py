"""The Analyzer: text in, Analysis out. The only code that talks to the model.

Pipeline: word pieces → overlapping windows → one tagger pass → per-piece probabilities of
any span and of each technique → technique instances (propscan/instances.py: short spans named
by the word-level classifier, or each technique decoded on its own output, as the model's
config says), the Repetition detector's occurrences put in (propscan/repetition.py),
confidences calibrated → sentence and article scores.

A model whose tagger has only the any-span output (older models) decodes spans and asks the
span classifier for one technique each. `classify` (techniques of given spans) always uses
the span classifier: it reads the whole span with its context.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from pathlib import Path

import numpy as np

from propscan.decoding import DecodeConfig, decode
from propscan.domain import Analysis, Article, Sentence, Span
from propscan.errors import EmptyTextError, InputError, ModelError
from propscan.features import span_context, span_features
from propscan import longtext
from propscan.instances import InstanceConfig, instances
from propscan.lexical import lexical_opinion
from propscan.runtime import Model
from propscan.sentences import sentence_ranges


def distinct_labels(keys: list, probs: np.ndarray, labels: list[str]) -> list[tuple[str, float]]:
    """The most likely technique of each row; when the same span (key) comes several times (a
    span that carries several techniques), each repeat gets the next most likely technique."""
    seen: dict = defaultdict(int)
    out = []
    for key, row in zip(keys, probs):
        rank = seen[key]
        seen[key] += 1
        k = int(np.argsort(-row)[min(rank, len(row) - 1)])
        out.append((labels[k], float(row[k])))
    return out


class Analyzer:
    """Loads the model once; `analyze` is safe to call from several threads at once."""

    piece_chars = 100_000
    """`analyze` cuts longer texts into pieces of at most this many characters (propscan.longtext),
    so that its working memory is that of one piece and its time linear in the length. Twice the
    longest PTC article: any article of the data set is one piece, analysed whole."""

    def __init__(self, model: str | Path | Model | None = None, *, threads: int | None = None,
                 decode_config: DecodeConfig | None = None, overrides: dict | None = None):
        """`overrides` replace entries of the model's config.json in memory (see ModelConfig.read)."""
        self.model = model if isinstance(model, Model) else Model(model, threads=threads, overrides=overrides)
        self.overrides = overrides
        self.decode_config = decode_config or self.model.config.decode
        self.labels = self.model.config.labels
        try:
            self._instances = (InstanceConfig.from_dict(self.model.config.techniques, len(self.labels))
                               if self.model.per_technique else None)
        except (ValueError, TypeError, KeyError) as e:
            raise ModelError(f"{self.model.path / 'config.json'}: unreadable techniques entry ({e}); "
                             "retrain or reinstall the model") from None
        self._repetition = None
        if self._instances is not None and self._instances.repetition.get("mode", "tagger") != "tagger":
            from propscan.repetition import RepetitionModel

            self._repetition = RepetitionModel.load(self.model.path / "repetition.npz")

    def close(self) -> None:
        self.model.close()

    def __enter__(self) -> "Analyzer":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    @property
    def version(self) -> str:
        return self.model.version

    # -- the two sub-tasks, exposed for `predict` and `classify` -------------------------------

    def detect(self, text: str) -> tuple[list[tuple[int, int, float]], np.ndarray, np.ndarray]:
        """Propaganda spans regardless of technique (start, end, confidence) from the any-span
        output, plus the piece offsets and probabilities."""
        p, probs = self.model.piece_probs(text)
        return decode(text, p.offsets, probs, self.decode_config), p.offsets, probs

    def find_instances(self, text: str) -> tuple[list[Span], np.ndarray, np.ndarray]:
        """One Span per technique instance (spans of different techniques may overlap), plus
        the piece offsets and any-span probabilities (for sentence scores)."""
        if self._instances is None:
            found, offsets, probs = self.detect(text)
            spans: list[Span] = []
            if found:
                tech = self.classify(text, [(s, e) for s, e, _ in found])
                for (s, e, conf), row in zip(found, tech):
                    k = int(row.argmax())
                    spans.append(Span(s, e, self.labels[k], round(conf * float(row[k]), 4), text[s:e]))
            return spans, offsets, probs
        p, scores = self.model.piece_scores(text)
        lexical = self.model.lexical_classifier
        opinion = lexical_opinion(lexical, text) if lexical is not None else None
        found = instances(text, p.offsets, scores, self._instances, opinion)
        if self._repetition is not None:
            from propscan.repetition import combine, piece_mean_fn

            rep, loaded = self.labels.index("Repetition"), self.labels.index("Loaded_Language")
            occ = self._repetition.score(text, piece_mean_fn(p.offsets, scores, rep, loaded))
            settings = self._instances.repetition
            found = combine(found, occ, rep, float(settings.get("threshold", 0.5)), settings["mode"])
        spans = sorted((Span(s, e, self.labels[k], round(conf, 4), text[s:e]) for s, e, k, conf in found),
                       key=lambda x: (x.start, x.end, x.technique))
        return spans, p.offsets, scores[:, 0]

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
        """One technique per span (see distinct_labels)."""
        return distinct_labels(spans, self.classify(text, spans), self.labels)

    # -- the whole analysis -----------------------------------------------------------------

    def analyze(self, article: str | Article) -> Analysis:
        if isinstance(article, str):
            article = Article(id="text", text=article)
        if not article.text.strip():
            raise EmptyTextError("the text is empty; give an article with some words in it")
        if len(article.text) > self.piece_chars:
            parts = longtext.pieces(article, self.piece_chars)
            return longtext.merge(article, [(offset, self._analyze_whole(piece)) for offset, piece in parts])
        return self._analyze_whole(article)

    def _analyze_whole(self, article: Article) -> Analysis:
        """The analysis of one text in one pass of the model."""
        text = article.text
        spans, offsets, probs = self.find_instances(text)
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
