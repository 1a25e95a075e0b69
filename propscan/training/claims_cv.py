"""Nested cross-validation over dev-test for the claims model (no torch here).

dev-test.tsv is the only labelled data from the CheckThat! 2024 target distribution, so it is
both what the model should learn from and the only place to measure it. To use it for both
without fooling ourselves, it is cut into K stratified folds and:

- outer fold k is scored by a model trained on train.tsv plus the other K-1 folds;
- the recipe (which model variant, which ensemble weight) and the Yes threshold used on fold k
  are the ones that maximise F1 on the *inner* out-of-fold scores of the other folds: for each
  other fold j, scores of j from a model trained without j and without k. Fold k's labels and
  scores are never looked at before fold k is scored.
- the shipped model is trained on everything, with the recipe and threshold chosen by the same
  rule one level up: on the outer out-of-fold scores of all K folds.

A `Fit` takes the dev-test positions to train on (plus train.tsv, which it always uses) and
returns one score per recipe for every dev-test sentence; the machinery only ever reads the
scores of positions the fit did not train on.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import numpy as np

from propscan.errors import InputError

# positions of dev-test rows to train on -> scores, shape (n_recipes, n_rows)
Fit = Callable[[np.ndarray], np.ndarray]
THRESHOLDS = np.round(np.arange(0.05, 0.951, 0.01), 2)


def stratified_folds(labels: list[bool], k: int, seed: int) -> np.ndarray:
    """A fold number in 0..k-1 for each row: each fold gets its share of Yes and of No (sizes
    differ by at most one within a class), shuffled with `seed`."""
    if k < 2:
        raise InputError(f"--cv-folds must be at least 2, not {k}")
    y = np.asarray(labels, dtype=bool)
    if min(y.sum(), (~y).sum()) < k:
        raise InputError(f"{k} folds need at least {k} Yes and {k} No rows; found {y.sum()} and {(~y).sum()}")
    rng = np.random.default_rng(seed)
    fold = np.empty(len(y), dtype=np.int64)
    offset = 0
    for cls in (True, False):
        idx = rng.permutation(np.flatnonzero(y == cls))
        # continue the round-robin where the other class stopped, so fold sizes stay within one
        fold[idx] = (np.arange(len(idx)) + offset) % k
        offset = (offset + len(idx)) % k
    return fold


def blocked_folds(ids: list[str], k: int) -> np.ndarray:
    """k runs of consecutive sentence ids (numeric order when every id is a number), sizes
    within one. CheckThat! numbers a transcript's sentences in order, so a block holds whole
    stretches of a debate: a fold's neighbours (same speakers, same topic, often the same claim
    repeated) are not in its training set, as with a new debate. Not stratified."""
    if k < 2:
        raise InputError(f"--cv-folds must be at least 2, not {k}")
    if len(ids) < k:
        raise InputError(f"{k} folds need at least {k} rows; found {len(ids)}")
    key = [int(i) for i in ids] if all(i.isdigit() for i in ids) else list(ids)
    order = sorted(range(len(ids)), key=lambda i: key[i])
    fold = np.empty(len(ids), dtype=np.int64)
    fold[order] = np.arange(len(ids)) * k // len(ids)
    return fold


def write_folds(path: Path, ids: list[str], labels: list[bool], fold: np.ndarray) -> None:
    body = "".join(f"{i}\t{'Yes' if y else 'No'}\t{f}\n" for i, y, f in zip(ids, labels, fold))
    Path(path).write_text("Sentence_id\tclass_label\tfold\n" + body, encoding="utf-8")


def read_folds(path: Path, ids: list[str]) -> np.ndarray:
    """The fold of each of `ids` from a file written by write_folds; it must list exactly them."""
    lines = Path(path).read_text(encoding="utf-8").splitlines()[1:]
    found: dict[str, int] = {}
    for n, line in enumerate(lines, start=2):
        cols = line.split("\t")
        if len(cols) != 3 or not cols[2].strip().isdigit():
            raise InputError(f"{path}:{n}: expected Sentence_id<TAB>class_label<TAB>fold")
        found[cols[0].strip()] = int(cols[2])
    if set(found) != set(ids):
        raise InputError(f"{path}: its sentence ids are not those of the dev-test file "
                         f"({len(set(ids) - set(found))} missing, {len(set(found) - set(ids))} extra)")
    fold = np.array([found[i] for i in ids], dtype=np.int64)
    if sorted(set(fold.tolist())) != list(range(fold.max() + 1)) or fold.max() < 1:
        raise InputError(f"{path}: folds must be numbered 0..K-1 with K >= 2")
    return fold


def f1_yes(gold, pred) -> dict:
    gold, pred = np.asarray(gold, dtype=bool), np.asarray(pred, dtype=bool)
    tp = int((gold & pred).sum())
    fp = int((~gold & pred).sum())
    fn = int((gold & ~pred).sum())
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return {"f1": round(f1, 4), "precision": round(precision, 4), "recall": round(recall, 4),
            "n": int(len(gold)), "n_yes": int(gold.sum())}


def best_threshold(scores: np.ndarray, gold) -> tuple[float, float]:
    """(threshold, F1) maximising F1 of Yes on these scores; among equal F1s the middle of the
    plateau, which moves least when the scores shift a little on new text."""
    gold = np.asarray(gold, dtype=bool)
    f1s = np.array([f1_yes(gold, scores >= t)["f1"] for t in THRESHOLDS])
    best = np.flatnonzero(f1s == f1s.max())
    return float(THRESHOLDS[best[len(best) // 2]]), float(f1s.max())


def choose(scores: np.ndarray, gold) -> tuple[int, float, float]:
    """(recipe, threshold, F1): the recipe whose best threshold gives the highest F1 on these
    out-of-fold scores (shape (n_recipes, n_rows)); ties go to the lower recipe index."""
    best = (0, 0.5, -1.0)
    for r in range(scores.shape[0]):
        t, f1 = best_threshold(scores[r], gold)
        if f1 > best[2]:
            best = (r, t, f1)
    return best


@dataclass
class CVResult:
    folds: list[dict]           # per outer fold: recipe, threshold, F1 on it, inner F1
    oof: np.ndarray             # outer out-of-fold scores, shape (n_recipes, n_rows)
    recipe: int                 # chosen for the shipped model (on `oof`)
    threshold: float
    oof_f1: float               # in-sample for that choice: not an estimate
    per_recipe: list[dict]      # each recipe with its threshold nested, F1 per fold

    @property
    def mean_f1(self) -> float:
        return round(float(np.mean([f["f1"]["f1"] for f in self.folds])), 4)


def nested_cv(fit: Fit, labels: list[bool], fold: np.ndarray, log: Callable[[str], None] = print) -> CVResult:
    """Run the nested cross-validation described in the module docstring. `fit` is called once
    per distinct training set: K(K-1)/2 inner pairs and K outer folds."""
    y = np.asarray(labels, dtype=bool)
    k = int(fold.max()) + 1
    cache: dict[frozenset, np.ndarray] = {}

    def scores_without(held: frozenset) -> np.ndarray:
        if held not in cache:
            train = np.flatnonzero(~np.isin(fold, list(held)))
            log(f"fit without fold(s) {sorted(held)}: {len(train)} dev-test rows")
            cache[held] = np.asarray(fit(train), dtype=np.float64)
        return cache[held]

    folds, per_recipe_pred = [], None
    for outer in range(k):
        others = [j for j in range(k) if j != outer]
        inner = None
        for j in others:
            s = scores_without(frozenset((outer, j)))
            if inner is None:
                inner = np.full_like(s, np.nan)
            inner[:, fold == j] = s[:, fold == j]
        mask = fold != outer
        r, t, inner_f1 = choose(inner[:, mask], y[mask])
        outer_scores = scores_without(frozenset((outer,)))
        part = fold == outer
        folds.append({"fold": outer, "recipe": r, "threshold": t, "inner_f1": round(inner_f1, 4),
                      "f1": f1_yes(y[part], outer_scores[r, part] >= t)})
        log(f"fold {outer + 1}/{k}: recipe {r}, threshold {t} (inner F1 {inner_f1:.4f}) -> "
            f"F1(Yes) {folds[-1]['f1']['f1']:.4f}")
        if per_recipe_pred is None:
            per_recipe_pred = [[] for _ in range(inner.shape[0])]
        for rr in range(inner.shape[0]):
            tr, _ = best_threshold(inner[rr, mask], y[mask])
            per_recipe_pred[rr].append(f1_yes(y[part], outer_scores[rr, part] >= tr)["f1"])
    oof = np.full_like(cache[frozenset((0,))], np.nan)
    for outer in range(k):
        oof[:, fold == outer] = cache[frozenset((outer,))][:, fold == outer]
    r, t, f1 = choose(oof, y)
    per_recipe = [{"recipe": rr, "fold_f1": f, "mean_f1": round(float(np.mean(f)), 4)}
                  for rr, f in enumerate(per_recipe_pred)]
    return CVResult(folds, oof, r, t, round(f1, 4), per_recipe)
