"""Repetition: every occurrence of a phrase the article repeats for emphasis, as its own span.

The encoder sees one window of ~250 pieces, so it cannot know that "illegal aliens" in the
last paragraph was already said four times. This module looks at the whole article: it lists
each word or phrase (1-4 words, at least one content word) that occurs at least twice, and a
small logistic model, fitted on training articles, scores each occurrence from what the
annotators' Repetition spans look like (how often and how far apart it recurs, how rare the
words are in news, what the tagger thinks of the occurrence). Pure numpy at run time.
"""

from __future__ import annotations

import math
import re
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from propscan.instances import logit
from propscan.tokens import piece_range

MAX_WORDS = 4
_WORD = re.compile(r"[^\W_]+(?:['’-][^\W_]+)*", re.UNICODE)

FUNCTION_WORDS = frozenset("""
a about above after again against all am an and any are as at be because been before being below
between both but by can could did do does doing down during each few for from further had has have
having he her here hers herself him himself his how i if in into is it its itself just me more most
my myself no nor not now of off on once only or other our ours ourselves out over own same she should
so some such than that the their theirs them themselves then there these they this those through to
too under until up very was we were what when where which while who whom why will with would you your
yours yourself yourselves said says say also one two new like get got us s t re ve ll d m mr mrs ms
""".split())
LINKING = frozenset("""
among across toward towards within upon behind beyond despite per via amid around near since onto
throughout along inside besides unless whether though although yet thus however even still
""".split())
STOPWORDS = FUNCTION_WORDS | LINKING
# (LINKING: no annotated Repetition span of the fit split starts or ends with one of them,
# `python scripts/gold_span_edges.py`, and a phrase ending with one, such as "finest among", is a
# fragment, not what the article repeats)

FEATURES = ("bias", "n_words", "log_count", "count_ge3", "log_df", "stop_share", "capitalised",
            "first_occurrence", "log_gap", "logit_repetition", "logit_any", "logit_loaded", "chars")


@dataclass(frozen=True)
class Occurrence:
    start: int
    end: int
    key: str
    features: np.ndarray


def words(text: str) -> list[tuple[int, int, str]]:
    return [(m.start(), m.end(), m.group().lower().replace("’", "'")) for m in _WORD.finditer(text)]


def occurrences(text: str, df: dict[str, float], n_docs: int, piece_mean=None) -> list[Occurrence]:
    """Every occurrence of every repeated phrase, longest phrases first where they overlap.

    `df` maps a word to the number of training articles it appears in; `piece_mean(start, end)`
    gives the tagger's mean [any, Repetition, Loaded_Language] probabilities over a span."""
    ws = words(text)
    toks = [w for _, _, w in ws]
    # per word, computed once: this loop runs four times over every word of the article
    stop = [t in STOPWORDS for t in toks]
    digit = [t.isdigit() for t in toks]
    line = np.cumsum([text.count("\n", ws[i - 1][1] if i else 0, ws[i][0]) for i in range(len(ws))]).tolist()
    groups: dict[str, list[tuple[int, int]]] = defaultdict(list)
    for n in range(MAX_WORDS, 0, -1):
        for i in range(len(ws) - n + 1):
            j = i + n - 1
            # a phrase neither starts nor ends with a stop word (so is never all stop words)
            if stop[i] or stop[j] or all(digit[i:j + 1]) or line[i] != line[j]:
                continue
            groups[" ".join(toks[i:j + 1])].append((ws[i][0], ws[j][1]))
    taken = np.zeros(len(text) + 1, dtype=bool)
    out: list[Occurrence] = []
    # longest phrases first: "illegal aliens" is one repetition, not two of "illegal" and "aliens"
    for key in sorted((k for k, v in groups.items() if len(v) >= 2), key=lambda k: (-len(k.split()), k)):
        spans: list[tuple[int, int]] = []
        for a, b in groups[key]:
            # "never, never, never" holds "never never" twice, overlapping: count it once
            if not taken[a:b].any() and not (spans and a < spans[-1][1]):
                spans.append((a, b))
        if len(spans) < 2:
            continue
        toks = key.split()
        rare = max(math.log((1 + n_docs) / (1 + df.get(t, 0))) for t in toks)
        stop = sum(t in STOPWORDS for t in toks) / len(toks)
        for j, (a, b) in enumerate(spans):
            taken[a:b] = True
            gap = min(abs(a - spans[j - 1][0]) if j else 10 ** 6, abs(spans[j + 1][0] - a) if j + 1 < len(spans) else 10 ** 6)
            probs = piece_mean(a, b) if piece_mean is not None else (0.0, 0.0, 0.0)
            feats = np.array([1.0, len(toks), math.log(len(spans)), float(len(spans) >= 3), rare, stop,
                              float(text[a:a + 1].isupper()), float(j == 0), math.log1p(gap) / 5,
                              logit(probs[1]), logit(probs[0]), logit(probs[2]), math.log(b - a)],
                             dtype=np.float32)
            out.append(Occurrence(a, b, key, feats))
    return sorted(out, key=lambda o: (o.start, o.end))


class RepetitionModel:
    def __init__(self, df: dict[str, float], n_docs: int, coef: np.ndarray):
        self.df, self.n_docs, self.coef = df, n_docs, coef.astype(np.float64)

    def score(self, text: str, piece_mean=None) -> list[tuple[int, int, float]]:
        """(start, end, probability it is an annotated Repetition) for each occurrence."""
        occ = occurrences(text, self.df, self.n_docs, piece_mean)
        if not occ:
            return []
        z = np.stack([o.features for o in occ]).astype(np.float64) @ self.coef
        return [(o.start, o.end, float(p)) for o, p in zip(occ, 1 / (1 + np.exp(-z)))]

    def save(self, path: Path) -> None:
        vocab = sorted(self.df)
        np.savez_compressed(path, vocab=np.array(vocab), df=np.array([self.df[w] for w in vocab], dtype=np.float32),
                            n_docs=np.array([self.n_docs]), coef=self.coef)

    @classmethod
    def load(cls, path: Path) -> "RepetitionModel":
        with np.load(path, allow_pickle=False) as z:
            return cls(dict(zip(z["vocab"].tolist(), z["df"].tolist())), int(z["n_docs"][0]), z["coef"])


def document_frequencies(texts: list[str]) -> tuple[dict[str, float], int]:
    df: dict[str, float] = defaultdict(float)
    for t in texts:
        for w in {w for _, _, w in words(t)}:
            df[w] += 1
    return {w: n for w, n in df.items() if n >= 2}, len(texts)


def occurrence_labels(occ: list[Occurrence], gold: list[tuple[int, int]]) -> np.ndarray:
    """1 where an annotated Repetition span covers at least half of the occurrence and the
    occurrence at least half of it."""
    y = np.zeros(len(occ))
    for i, o in enumerate(occ):
        for s, e in gold:
            inter = min(o.end, e) - max(o.start, s)
            if inter > 0 and inter >= 0.5 * (o.end - o.start) and inter >= 0.5 * (e - s):
                y[i] = 1
                break
    return y


def fit(rows: list[np.ndarray], labels: list[np.ndarray], df: dict[str, float], n_docs: int,
        C: float = 1.0) -> RepetitionModel:
    """Logistic regression over occurrence features (training only: needs scikit-learn)."""
    from sklearn.linear_model import LogisticRegression

    X, y = np.concatenate(rows), np.concatenate(labels)
    lr = LogisticRegression(C=C, max_iter=3000, fit_intercept=False).fit(X, y)
    return RepetitionModel(df, n_docs, lr.coef_[0])


def piece_mean_fn(offsets: np.ndarray, scores: np.ndarray, repetition: int, loaded: int):
    """piece_mean(start, end) over a per-technique tagger's scores: mean [any, Repetition,
    Loaded_Language] probability of the pieces of a character span."""
    n = (scores.shape[1] - 1) // 2 if scores.ndim == 2 else 0
    if n == 0 or len(offsets) == 0:
        return lambda a, b: (0.0, 0.0, 0.0)
    # running sums: an article has hundreds of occurrences, and a mean is then two lookups
    cols = scores[:, [0, 1 + repetition, 1 + loaded]].astype(np.float64)
    sums = np.vstack([np.zeros((1, 3)), np.cumsum(cols, axis=0)])

    def mean(a: int, b: int) -> tuple[float, float, float]:
        lo, hi = piece_range(offsets, a, b)
        hi = min(hi, len(offsets))
        if hi <= lo:
            return float("nan"), float("nan"), float("nan")   # what the mean of no piece was
        m = (sums[hi] - sums[lo]) / (hi - lo)
        return float(m[0]), float(m[1]), float(m[2])
    return mean


def combine(spans: list[tuple[int, int, int, float]], found: list[tuple[int, int, float]], repetition: int,
            threshold: float, mode: str) -> list[tuple[int, int, int, float]]:
    """Technique instances with the detector's Repetition occurrences put in.

    mode "tagger": the detector is not used; "detector": only its Repetition spans are kept;
    "union": its spans, and the tagger's Repetition spans that overlap none of them."""
    if mode == "tagger":
        return spans
    det = [(s, e, repetition, p) for s, e, p in found if p >= threshold]
    keep = []
    for s, e, k, p in spans:
        if k == repetition and (mode == "detector" or any(s < de and ds < e for ds, de, _, _ in det)):
            continue
        keep.append((s, e, k, p))
    return sorted(keep + det, key=lambda r: (r[0], r[1], r[2]))
