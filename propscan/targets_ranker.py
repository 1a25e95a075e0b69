"""The learned ranker that makes the final choice among a span's target candidates.

A logistic regression over the candidate features of `propscan.targets` (fitted by
`scripts/fit_targets_ranker.py` on the hand-labelled sets, shipped as `targets_ranker.json`).
Run time needs only numpy: the file holds the feature names, the standardisation, the weights
and the abstention threshold chosen by article-grouped cross-validation.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

from propscan.errors import ModelError

RANKER_PATH = Path(__file__).with_name("targets_ranker.json")


@dataclass(frozen=True)
class Ranker:
    features: tuple[str, ...]
    mean: np.ndarray
    scale: np.ndarray
    coef: np.ndarray
    intercept: float
    threshold: float   # below it the best candidate is not named: the span gets no target

    def matrix(self, rows: list[dict[str, float]]) -> np.ndarray:
        """Feature dicts as a matrix in this ranker's column order (missing features are 0)."""
        return np.array([[r.get(f, 0.0) for f in self.features] for r in rows], dtype=float).reshape(len(rows), len(self.features))

    def probabilities(self, rows: list[dict[str, float]]) -> np.ndarray:
        """P(candidate is the span's target) for each candidate's feature dict."""
        if not rows:
            return np.zeros(0)
        z = ((self.matrix(rows) - self.mean) / self.scale) @ self.coef + self.intercept
        # Kept below 1, so that a threshold of 1.0 names no one.
        return np.minimum(1.0 / (1.0 + np.exp(-z)), 1.0 - 1e-9)

    def with_threshold(self, threshold: float) -> "Ranker":
        return Ranker(self.features, self.mean, self.scale, self.coef, self.intercept, float(threshold))

    def to_dict(self, **extra) -> dict:
        return {"features": list(self.features), "mean": _round(self.mean), "scale": _round(self.scale),
                "coef": _round(self.coef), "intercept": round(float(self.intercept), 6),
                "threshold": round(float(self.threshold), 6), **extra}


def _round(a: np.ndarray) -> list[float]:
    return [round(float(x), 6) for x in a]


def ranker_from_dict(data: dict) -> Ranker:
    try:
        features = tuple(data["features"])
        arrays = [np.asarray(data[k], dtype=float) for k in ("mean", "scale", "coef")]
        ranker = Ranker(features, *arrays, float(data["intercept"]), float(data["threshold"]))
    except (KeyError, TypeError, ValueError) as exc:
        raise ModelError(f"target ranker file is malformed: {exc}") from None
    if any(len(a) != len(features) for a in arrays) or not np.all(ranker.scale > 0):
        raise ModelError("target ranker file is malformed: feature, mean, scale and coef lengths differ")
    return ranker


def load_ranker(path: Path | None = None) -> Ranker:
    """The ranker in `path` (default: the one shipped in the package)."""
    return _load(Path(path) if path else RANKER_PATH)


@lru_cache(maxsize=4)
def _load(path: Path) -> Ranker:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError:
        raise ModelError(f"target ranker file not found: {path}") from None
    except json.JSONDecodeError as exc:
        raise ModelError(f"target ranker file {path} is not JSON: {exc}") from None
    return ranker_from_dict(data)
