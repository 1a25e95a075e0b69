"""A word-level technique classifier that votes with the neural one.

TF-IDF of the span's words and word pairs, of its context's words, and the span features,
into a multinomial logistic regression. On its own it is weaker than the fine-tuned encoder,
but it errs differently (it memorises the exact phrasings of slogans, clichés and labels that
the small encoder blurs), so averaging the two distributions gains several points of TC
micro-F1 in cross-validation (see MODEL_CARD.md). Pure numpy at run time: one `.npz` file.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from pathlib import Path

import numpy as np

_WORD = re.compile(r"(?u)\b\w\w+\b")


def _terms(text: str, max_n: int) -> Counter:
    words = _WORD.findall(text.lower())
    terms: Counter = Counter()
    for n in range(1, max_n + 1):
        terms.update(" ".join(words[i:i + n]) for i in range(len(words) - n + 1))
    return terms


class TfIdf:
    """Sublinear TF-IDF with smoothed idf and l2-normalised rows, over a fixed vocabulary."""

    def __init__(self, vocab: dict[str, int], idf: np.ndarray, max_n: int):
        self.vocab, self.idf, self.max_n = vocab, idf, max_n

    @classmethod
    def fit(cls, texts: list[str], max_n: int, min_df: int = 1) -> "TfIdf":
        df: Counter = Counter()
        for t in texts:
            df.update(_terms(t, max_n).keys())
        kept = sorted(term for term, n in df.items() if n >= min_df)
        vocab = {term: i for i, term in enumerate(kept)}
        idf = np.array([math.log((1 + len(texts)) / (1 + df[t])) + 1 for t in kept], dtype=np.float32)
        return cls(vocab, idf, max_n)

    def row(self, text: str) -> tuple[np.ndarray, np.ndarray]:
        """(column indices, values) of one text."""
        items = [(self.vocab[t], 1 + math.log(c)) for t, c in _terms(text, self.max_n).items() if t in self.vocab]
        if not items:
            return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.float32)
        idx = np.array([i for i, _ in items], dtype=np.int64)
        val = np.array([v for _, v in items], dtype=np.float32) * self.idf[idx]
        return idx, val / np.linalg.norm(val)


class LexicalClassifier:
    CONTEXT_WEIGHT = 0.5   # the context's words count half as much as the span's own

    def __init__(self, span: TfIdf, context: TfIdf, coef: np.ndarray, intercept: np.ndarray):
        self.span, self.context = span, context
        self.coef, self.intercept = coef.astype(np.float32), intercept.astype(np.float32)

    @property
    def width(self) -> int:
        return len(self.span.vocab) + len(self.context.vocab)

    def rows(self, spans: list[str], contexts: list[str], features: np.ndarray):
        """Sparse design rows: (indices, values) per example; features go last."""
        offset = len(self.span.vocab)
        n_terms = self.width
        out = []
        for s, c, f in zip(spans, contexts, features):
            i1, v1 = self.span.row(s)
            i2, v2 = self.context.row(c)
            idx = np.concatenate([i1, i2 + offset, np.arange(n_terms, n_terms + len(f))])
            val = np.concatenate([v1, v2 * self.CONTEXT_WEIGHT, np.asarray(f, dtype=np.float32)])
            out.append((idx, val))
        return out

    def predict_proba(self, spans: list[str], contexts: list[str], features: np.ndarray) -> np.ndarray:
        logits = np.stack([self.coef[:, idx] @ val for idx, val in self.rows(spans, contexts, features)]) \
            if spans else np.zeros((0, len(self.intercept)), dtype=np.float32)
        logits = logits + self.intercept
        logits -= logits.max(axis=1, keepdims=True)
        e = np.exp(logits)
        return e / e.sum(axis=1, keepdims=True)

    def save(self, path: Path) -> None:
        def vocab_array(v: TfIdf) -> np.ndarray:
            return np.array(sorted(v.vocab, key=v.vocab.get))

        # float16 weights: half the file; the probabilities move by far less than the ensemble margin
        np.savez_compressed(path, span_vocab=vocab_array(self.span), span_idf=self.span.idf,
                            context_vocab=vocab_array(self.context), context_idf=self.context.idf,
                            coef=self.coef.astype(np.float16), intercept=self.intercept,
                            max_n=np.array([self.span.max_n, self.context.max_n]))

    @classmethod
    def load(cls, path: Path) -> "LexicalClassifier":
        with np.load(path, allow_pickle=False) as z:
            n_span, n_ctx = (int(x) for x in z["max_n"])
            span = TfIdf({t: i for i, t in enumerate(z["span_vocab"].tolist())}, z["span_idf"], n_span)
            ctx = TfIdf({t: i for i, t in enumerate(z["context_vocab"].tolist())}, z["context_idf"], n_ctx)
            return cls(span, ctx, z["coef"].astype(np.float32), z["intercept"])


def sparse_rows(rows: list[tuple[np.ndarray, np.ndarray]], width: int):
    """A scipy CSR matrix of (column indices, values) rows (training only: needs scipy)."""
    from scipy.sparse import csr_matrix

    indptr = np.cumsum([0] + [len(i) for i, _ in rows])
    return csr_matrix((np.concatenate([v for _, v in rows]), np.concatenate([i for i, _ in rows]), indptr),
                      shape=(len(rows), width))


def fit_lexical(spans: list[str], contexts: list[str], features: np.ndarray, labels: list[int],
                n_labels: int, C: float = 5.0) -> LexicalClassifier:
    """Fit on labelled spans (training only: needs scikit-learn and scipy)."""
    from sklearn.linear_model import LogisticRegression

    model = LexicalClassifier(TfIdf.fit(spans, 2), TfIdf.fit(contexts, 1, min_df=2),
                              np.zeros((n_labels, 1)), np.zeros(n_labels))
    X = sparse_rows(model.rows(spans, contexts, features), model.width + features.shape[1])
    lr = LogisticRegression(C=C, max_iter=3000).fit(X, labels)
    coef = np.zeros((n_labels, X.shape[1]), dtype=np.float32)
    intercept = np.full(n_labels, -1e4, dtype=np.float32)   # a technique never seen in training
    if len(lr.classes_) == 2:
        # scikit-learn fits one logit for two classes; split it so the softmax gives the same odds
        coef[lr.classes_] = np.stack([-lr.coef_[0], lr.coef_[0]]) / 2
        intercept[lr.classes_] = np.array([-lr.intercept_[0], lr.intercept_[0]]) / 2
    else:
        coef[lr.classes_] = lr.coef_
        intercept[lr.classes_] = lr.intercept_
    model.coef, model.intercept = coef, intercept
    return model


# -- the word-level span tagger ---------------------------------------------------------------

_TOKEN = re.compile(r"\w+|[^\w\s]")


def _words(text: str) -> list[tuple[int, int, str]]:
    return [(m.start(), m.end(), m.group().lower()) for m in _TOKEN.finditer(text)]


def _word_features(words: list[tuple[int, int, str]]) -> list[list[str]]:
    """Per word: the word, its neighbours two either side, and the two word pairs it belongs to."""
    w = ["<s>", "<s>"] + [t for _, _, t in words] + ["</s>", "</s>"]
    return [[f"w={w[i]}", f"p={w[i - 1]}", f"n={w[i + 1]}", f"pw={w[i - 1]}|{w[i]}", f"wn={w[i]}|{w[i + 1]}",
             f"p2={w[i - 2]}", f"n2={w[i + 2]}"] for i in range(2, len(w) - 2)]


class LexicalTagger:
    """Probability that each word lies in a propaganda span, from the words around it.

    Averaged with the neural tagger's piece probabilities: it knows the exact loaded words and
    labels of the training articles, which the small encoder only approximates."""

    def __init__(self, vocab: dict[str, int], coef: np.ndarray, intercept: float):
        self.vocab, self.coef, self.intercept = vocab, coef.astype(np.float32), float(intercept)
        # a Python list: summing a word's few coefficients from it is ~5x faster than numpy indexing
        self._coef = self.coef.tolist()

    def word_probs(self, text: str) -> tuple[np.ndarray, np.ndarray]:
        """(word start offsets, probability per word)."""
        words = _words(text)
        logits = np.full(len(words), self.intercept, dtype=np.float32)
        vocab, coef = self.vocab, self._coef
        for i, feats in enumerate(_word_features(words)):
            logits[i] += sum(coef[vocab[f]] for f in feats if f in vocab)
        starts = np.array([s for s, _, _ in words], dtype=np.int64)
        return starts, 1 / (1 + np.exp(-logits))

    def piece_probs(self, text: str, offsets: np.ndarray) -> np.ndarray:
        """Each word piece gets the probability of the word it starts in."""
        starts, probs = self.word_probs(text)
        if len(starts) == 0 or len(offsets) == 0:
            return np.zeros(len(offsets), dtype=np.float32)
        idx = np.clip(np.searchsorted(starts, offsets[:, 0], side="right") - 1, 0, len(starts) - 1)
        return probs[idx]

    def save(self, path: Path) -> None:
        np.savez_compressed(path, vocab=np.array(sorted(self.vocab, key=self.vocab.get)),
                            coef=self.coef.astype(np.float16), intercept=np.array([self.intercept]))

    @classmethod
    def load(cls, path: Path) -> "LexicalTagger":
        with np.load(path, allow_pickle=False) as z:
            return cls({f: i for i, f in enumerate(z["vocab"].tolist())}, z["coef"].astype(np.float32),
                       float(z["intercept"][0]))


def fit_lexical_tagger(texts: list[str], spans: list[list[tuple[int, int]]], C: float = 0.5,
                       min_count: int = 2) -> LexicalTagger:
    """Fit on articles and their gold spans (training only: needs scikit-learn and scipy)."""
    from scipy.sparse import csr_matrix
    from sklearn.linear_model import LogisticRegression

    rows, labels = [], []
    for text, gold in zip(texts, spans):
        inside = np.zeros(len(text) + 1, dtype=bool)
        for s, e in gold:
            inside[s:e] = True
        words = _words(text)
        for (s, e, _), feats in zip(words, _word_features(words)):
            rows.append(feats)
            labels.append(int(inside[s:e].any()))
    counts = Counter(f for r in rows for f in r)
    vocab = {f: i for i, f in enumerate(sorted(f for f, n in counts.items() if n >= min_count))}
    idx = [[vocab[f] for f in r if f in vocab] for r in rows]
    indptr = np.cumsum([0] + [len(i) for i in idx])
    X = csr_matrix((np.ones(indptr[-1], dtype=np.float32), np.concatenate(idx).astype(np.int64), indptr),
                   shape=(len(rows), len(vocab)))
    lr = LogisticRegression(C=C, max_iter=2000).fit(X, labels)
    return LexicalTagger(vocab, lr.coef_[0], lr.intercept_[0])


def lexical_opinion(lexical: LexicalClassifier, text: str):
    """The word-level span classifier as a function of candidate spans of `text`: a second
    opinion on each candidate's technique that costs no encoder pass (propscan/instances.py)."""
    from propscan.features import span_context, span_features
    from propscan.sentences import sentence_ranges

    lowered, sents = text.lower(), sentence_ranges(text)

    def probs(spans: list[tuple[int, int]]) -> np.ndarray:
        return lexical.predict_proba([text[s:e] for s, e in spans],
                                     [span_context(text, s, e, sents) for s, e in spans],
                                     np.stack([span_features(text, s, e, lowered) for s, e in spans]))
    return probs
