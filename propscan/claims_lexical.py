"""A TF-IDF logistic regression that votes with the neural claims model.

Word and word-pair TF-IDF of the sentence into one logit for Yes. It memorises the phrasings of
the target distribution's claims (numbers, "percent", "voted", "million") from a few hundred
sentences, where the small encoder needs more; averaged with it, each covers some of the
other's misses. Pure numpy at run time: one `.npz` file, each sentence scored on its own.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from propscan.lexical import TfIdf, sparse_rows


class ClaimLexical:
    def __init__(self, tfidf: TfIdf, coef: np.ndarray, intercept: float):
        self.tfidf, self.coef, self.intercept = tfidf, coef.astype(np.float32), float(intercept)

    def scores(self, texts: list[str]) -> np.ndarray:
        """Probability of Yes for each text."""
        logits = np.full(len(texts), self.intercept, dtype=np.float64)
        for i, text in enumerate(texts):
            idx, val = self.tfidf.row(text or "")
            logits[i] += float(self.coef[idx] @ val)
        return (1 / (1 + np.exp(-logits))).astype(np.float32)

    def save(self, path: Path) -> None:
        # float16 weights: half the file; the probabilities move far less than a threshold step
        np.savez_compressed(path, vocab=np.array(sorted(self.tfidf.vocab, key=self.tfidf.vocab.get)),
                            idf=self.tfidf.idf, coef=self.coef.astype(np.float16),
                            intercept=np.array([self.intercept]), max_n=np.array([self.tfidf.max_n]))

    @classmethod
    def load(cls, path: Path) -> "ClaimLexical":
        with np.load(path, allow_pickle=False) as z:
            tfidf = TfIdf({t: i for i, t in enumerate(z["vocab"].tolist())}, z["idf"], int(z["max_n"][0]))
            return cls(tfidf, z["coef"].astype(np.float32), float(z["intercept"][0]))


def fit_claim_lexical(texts: list[str], labels: list[bool], weights: np.ndarray | None = None,
                      C: float = 4.0, max_n: int = 2, min_df: int = 2) -> ClaimLexical:
    """Fit on labelled sentences, each with a sample weight (training only: needs scikit-learn)."""
    from sklearn.linear_model import LogisticRegression

    tfidf = TfIdf.fit(texts, max_n, min_df=min_df)
    X = sparse_rows([tfidf.row(t) for t in texts], len(tfidf.vocab))
    lr = LogisticRegression(C=C, max_iter=3000).fit(X, np.asarray(labels, dtype=int), sample_weight=weights)
    return ClaimLexical(tfidf, lr.coef_[0], float(lr.intercept_[0]))
