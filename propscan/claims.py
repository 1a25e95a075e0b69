"""Check-worthy claims: which sentences state a fact worth checking (CheckThat! 2024 Task 1).

`ClaimDetector` runs the shipped claims model (ONNX Runtime + tokenizers, no torch), averaged
with a TF-IDF logistic regression (`claims_lexical.npz`) when the model folder has one.
`enrich(analysis)` adds a `Claim` for every sentence of an Analysis scored at or above the
model's threshold, with the entities, numbers and dates it mentions (from spaCy when it is
installed, else from regular expressions).
"""

from __future__ import annotations

import json
import os
import re
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import numpy as np

from propscan.domain import Analysis, Claim
from propscan.layers import register
from propscan.onnx_session import open_session, require_files
from propscan.tokens import load_tokenizer

DEFAULT_CLAIMS_DIR = Path(__file__).parent / "weights_claims"
REQUIRED = ("config.json", "tokenizer.json", "claims.onnx")
LEXICAL_FILE = "claims_lexical.npz"

__all__ = ["Claim", "ClaimDetector", "default_claims_dir", "enrich", "mentions"]


def default_claims_dir() -> Path:
    """$PROPSCAN_CLAIMS_MODEL if set, else the claims model shipped inside the package."""
    return Path(os.environ.get("PROPSCAN_CLAIMS_MODEL") or DEFAULT_CLAIMS_DIR)


@dataclass(frozen=True)
class ClaimsConfig:
    version: str
    max_len: int
    threshold: float
    lexical_weight: float = 0.0   # share of the TF-IDF model in the score (0: not used)

    @classmethod
    def read(cls, path: Path) -> "ClaimsConfig":
        data = json.loads(path.read_text(encoding="utf-8"))
        return cls(data["version"], int(data["max_len"]), float(data["threshold"]),
                   float(data.get("lexical_weight", 0.0)))


class ClaimDetector:
    """Scores sentences for check-worthiness. Safe to call from several threads at once."""

    def __init__(self, path: str | Path | None = None, threads: int | None = None):
        self.path = require_files(Path(path) if path else default_claims_dir(), REQUIRED, what="claims model",
                                  train="propscan train-claims", env="PROPSCAN_CLAIMS_MODEL")
        self.config = ClaimsConfig.read(self.path / "config.json")
        self.tokenizer = load_tokenizer(self.path / "tokenizer.json")
        self._cls = self.tokenizer.token_to_id("[CLS]")
        self._sep = self.tokenizer.token_to_id("[SEP]")
        # As the tagger does: one ONNX Runtime thread per call, and the sentences of one call to
        # `scores` spread over `threads` Python threads.
        self.threads = threads or min(2, os.cpu_count() or 1)
        self._session = open_session(self.path / "claims.onnx", intra_threads=1)
        self._lexical = None
        if self.config.lexical_weight > 0:
            from propscan.claims_lexical import ClaimLexical

            require_files(self.path, (LEXICAL_FILE,), what="claims model", train="propscan train-claims",
                          env="PROPSCAN_CLAIMS_MODEL")
            self._lexical = ClaimLexical.load(self.path / LEXICAL_FILE)

    @property
    def version(self) -> str:
        return self.config.version

    @property
    def threshold(self) -> float:
        return self.config.threshold

    def scores(self, texts: list[str], batch: int = 64) -> np.ndarray:
        """Probability that each text is a check-worthy claim. Each text is scored alone: int8
        activations are quantised per batch, so a text batched with others would score
        differently with different neighbours (in another order, another file, the CLI or the
        API); the TF-IDF model reads one text at a time too. `batch` is kept for compatibility
        and ignored."""
        if not texts:
            return np.zeros(0, dtype=np.float32)
        encs = self.tokenizer.encode_batch([t or "" for t in texts], add_special_tokens=False)
        seqs = [tuple([self._cls] + e.ids[:self.config.max_len - 2] + [self._sep]) for e in encs]
        unique = list(dict.fromkeys(seqs))   # a text given twice is scored once

        def run(seq: tuple[int, ...]) -> float:
            ids = np.array([seq], dtype=np.int64)
            out = self._session.run(None, {"input_ids": ids, "attention_mask": np.ones_like(ids)})[0]
            return float(out.reshape(-1)[0])

        if self.threads > 1 and len(unique) > 1:
            from concurrent.futures import ThreadPoolExecutor

            with ThreadPoolExecutor(self.threads, "propscan-claims") as pool:
                found = list(pool.map(run, unique))
        else:
            found = [run(seq) for seq in unique]
        score = dict(zip(unique, found))
        neural = np.array([score[seq] for seq in seqs], dtype=np.float32)
        if self._lexical is None:
            return neural
        w = self.config.lexical_weight
        return ((1 - w) * neural + w * self._lexical.scores([t or "" for t in texts])).astype(np.float32)

    def predict(self, texts: list[str]) -> list[bool]:
        return [bool(s >= self.threshold) for s in self.scores(texts)]

    def claims(self, text: str, sentences: list[tuple[int, int]] | None = None, nlp: Any = None,
               doc: Any = None) -> list[Claim]:
        """Claims among the sentences of `text` (character ranges; default: propscan's splitter).
        Mentions come from `doc` (a spaCy Doc of `text`) if given, else from `nlp`, else regexes."""
        if sentences is None:
            from propscan.sentences import sentence_ranges

            sentences = sentence_ranges(text)
        sentences = [(a, b) for a, b in sentences if text[a:b].strip()]
        scores = self.scores([text[a:b].strip() for a, b in sentences])
        out = []
        for (a, b), score in zip(sentences, scores):
            if score >= self.threshold:
                # Trim the range to the sentence's visible text.
                a += len(text[a:b]) - len(text[a:b].lstrip())
                b -= len(text[a:b]) - len(text[a:b].rstrip())
                if doc is not None:
                    part = doc.char_span(a, b, alignment_mode="expand")
                    ents, nums, dates = _from_ents(part.ents if part is not None else [])
                else:
                    ents, nums, dates = mentions(text[a:b], nlp)
                out.append(Claim(text[a:b], a, b, round(float(score), 4), ents, nums, dates))
        return out


# -- what a claim mentions -----------------------------------------------------------------

ENTITY_LABELS = {"PERSON", "ORG", "GPE", "NORP", "LOC", "FAC", "EVENT", "PRODUCT", "LAW", "WORK_OF_ART"}
NUMBER_LABELS = {"CARDINAL", "PERCENT", "MONEY", "QUANTITY", "ORDINAL"}
DATE_LABELS = {"DATE", "TIME"}

_MONTHS = ("January|February|March|April|May|June|July|August|September|October|November|December|"
           "Jan\\.?|Feb\\.?|Mar\\.?|Apr\\.?|Jun\\.?|Jul\\.?|Aug\\.?|Sept?\\.?|Oct\\.?|Nov\\.?|Dec\\.?")
_DATE = re.compile(rf"\b(?:(?:{_MONTHS})\s+\d{{1,2}}(?:st|nd|rd|th)?(?:,?\s+(?:1[6-9]|20)\d\d)?"
                   rf"|\d{{1,2}}(?:st|nd|rd|th)?\s+(?:{_MONTHS})(?:,?\s+(?:1[6-9]|20)\d\d)?"
                   rf"|(?:{_MONTHS})\s+(?:1[6-9]|20)\d\d"
                   rf"|(?:1[6-9]|20)\d\d(?:s\b)?"
                   rf"|(?:Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday|yesterday|today|tomorrow)"
                   rf"|(?:last|next|this)\s+(?:year|month|week|decade|century))\b", re.I)
_NUMBER = re.compile(r"(?:[$£€]\s?)?\b\d[\d,]*(?:\.\d+)?(?:\s?(?:%|percent|per cent|million|billion|trillion|"
                     r"thousand|hundred))*|\b(?:one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|"
                     r"twenty|thirty|forty|fifty|hundred|thousand|million|billion|trillion|half|dozens?)"
                     r"(?:[\s-](?:percent|million|billion|trillion|thousand|hundred))*\b", re.I)
_ENTITY = re.compile(r"\b(?:[A-Z][\w'.&-]*|[A-Z]{2,})(?:\s+(?:of|the|for|and|de)?\s*[A-Z][\w'.&-]*)*")
_NOT_ENTITY = {"I", "The", "A", "An", "And", "But", "Or", "We", "He", "She", "They", "It", "This", "That",
               "These", "Those", "In", "On", "At", "For", "If", "When", "So", "Now", "Well", "You", "My",
               "Our", "His", "Her", "Their", "What", "There", "As", "Mr", "Mrs", "Ms", "Dr"}


def mentions(text: str, nlp: Any = None) -> tuple[list[str], list[str], list[str]]:
    """(entities, numbers, dates) mentioned in `text`, each in order of appearance, deduplicated.
    Uses spaCy's named entities when an `nlp` pipeline is given, else regular expressions."""
    if nlp is not None:
        return _from_ents(nlp(text).ents)
    dates = [m.group(0) for m in _DATE.finditer(text)]
    date_spans = [m.span() for m in _DATE.finditer(text)]
    nums = [m.group(0).strip() for m in _NUMBER.finditer(text)
            if not any(a <= m.start() < b for a, b in date_spans)]
    ents = []
    for m in _ENTITY.finditer(text):
        words = m.group(0).split()
        while words and words[0].strip(".") in _NOT_ENTITY:
            words = words[1:]
        name = " ".join(words).rstrip(".")
        if name and not _DATE.fullmatch(name) and not _NUMBER.fullmatch(name):
            ents.append(name)
    return _unique(ents), _unique(nums), _unique(dates)


def _from_ents(ents) -> tuple[list[str], list[str], list[str]]:
    return (_unique(e.text for e in ents if e.label_ in ENTITY_LABELS),
            _unique(e.text for e in ents if e.label_ in NUMBER_LABELS),
            _unique(e.text for e in ents if e.label_ in DATE_LABELS))


def _unique(items) -> list[str]:
    seen: dict[str, None] = {}
    for x in items:
        x = x.strip()
        x = " ".join(x.split())
        if x:
            seen.setdefault(x, None)
    return list(seen)


def enrich(analysis: Analysis, detector: ClaimDetector | None = None, nlp: Any = None,
           doc: Any = None) -> Analysis:
    """The same Analysis with `claims` filled in from its sentences."""
    detector = detector or ClaimDetector()
    ranges = [(s.start, s.end) for s in analysis.sentences]
    claims = detector.claims(analysis.text, ranges, nlp, doc)
    return replace(analysis, claims=[replace(c, techniques=overlapping_techniques(c, analysis.spans)) for c in claims])


def overlapping_techniques(claim: Claim, spans) -> list[str]:
    """Technique labels of the spans that overlap the claim's characters, in text order, once each."""
    seen: dict[str, None] = {}
    for s in sorted(spans, key=lambda s: s.start):
        if s.start < claim.end and claim.start < s.end:
            seen.setdefault(s.technique, None)
    return list(seen)


@register("claims")
def claims_layer(analysis: Analysis, ctx) -> Analysis:
    """The `claims` layer: mentions come from the article's spaCy parse when it has named
    entities, else from regular expressions."""
    doc = ctx.doc
    if doc is not None and not doc.has_annotation("ENT_IOB"):
        doc = None
    return enrich(analysis, ctx.resources.claim_detector(), None, doc)
