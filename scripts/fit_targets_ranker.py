"""Refit the target ranker (propscan/targets_ranker.json) on the hand-labelled target sets.

    PYTHONPATH=$PWD python scripts/fit_targets_ranker.py            # refit and write the file
    PYTHONPATH=$PWD python scripts/fit_targets_ranker.py --cv-only  # print the cross-validation

Each candidate of each labelled span (propscan.targets.TargetFinder.span_candidates) is one row,
positive when its name matches the gold target (propscan.targets.target_matches). C and the
abstention threshold are chosen by article-grouped 5-fold cross-validation over the sets (by
default the four sets it was fitted on, tests/data/targets_eval.tsv, targets_fresh.tsv,
targets_fresh2.tsv and targets_fresh3.tsv; the later ones are held out): the
threshold is the lowest one whose out-of-fold precision (each span's best candidate, named when
its probability reaches the threshold) is at least --min-precision, and C the one that then
gives the highest out-of-fold recall. The figure for that choice is optimistic (the threshold was
chosen on the same out-of-fold predictions), so a nested estimate is printed too: in each outer
fold C and the threshold are chosen by an inner grouped CV on the other folds only.
Deterministic: the same input gives the same file, byte for byte.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import GroupKFold

from propscan.io.ptc import texts_with_rows
from propscan.targets import TargetFinder, read_target_rows, target_matches
from propscan.targets_ranker import RANKER_PATH, Ranker

ROOT = Path(__file__).resolve().parents[1]
SETS = [ROOT / "tests" / "data" / n for n in ("targets_eval.tsv", "targets_fresh.tsv", "targets_fresh2.tsv",
                                                     "targets_fresh3.tsv")]
ARTICLES = ROOT.parent / "shared" / "data" / "ptc" / "train" / "articles"
C_GRID = (0.03, 0.1, 0.3, 1.0, 3.0)
FOLDS = 5


def build_table(sets: list[Path], articles: Path, docs: dict | None = None) -> list[dict]:
    """One entry per labelled span: its article, whether it has a gold target, and its
    candidates' features and match labels (`docs`: parses by article id, to skip parsing)."""
    finder = TargetFinder(ranker=False)
    docs = docs or {}
    spans = []
    for path in sets:
        rows = read_target_rows(path)
        for aid, text, rs in texts_with_rows(articles, rows):
            cands = finder.span_candidates(text, [(r[1], r[2]) for r in rs], docs.get(aid),
                                           techniques=[r[3] for r in rs])
            for r, cs in zip(rs, cands):
                spans.append({"article": aid, "set": path.name, "start": r[1], "end": r[2], "technique": r[3],
                              "gold": r[4], "names": [n for n, _ in cs],
                              "has_gold": r[4].strip().lower() != "none",
                              "features": [f for _, f in cs],
                              "match": [target_matches(n, r[4]) for n, _ in cs]})
    return spans


def feature_names(spans: list[dict]) -> list[str]:
    return sorted({k for s in spans for f in s["features"] for k in f})


def fit(spans: list[dict], names: list[str], c: float, threshold: float = 0.5) -> Ranker:
    x = np.array([[f.get(k, 0.0) for k in names] for s in spans for f in s["features"]], dtype=float)
    y = np.array([m for s in spans for m in s["match"]], dtype=int)
    mean = x.mean(axis=0)
    scale = x.std(axis=0)
    scale[scale == 0] = 1.0
    model = LogisticRegression(C=c, max_iter=5000, solver="lbfgs")
    if len(set(y)) < 2:   # nothing to learn: every candidate the same class
        return Ranker(tuple(names), mean, scale, np.zeros(len(names)), -10.0 if y.sum() == 0 else 10.0, threshold)
    model.fit((x - mean) / scale, y)
    return Ranker(tuple(names), mean, scale, model.coef_[0], float(model.intercept_[0]), threshold)


def best_of_each(ranker: Ranker, spans: list[dict]) -> list[tuple[float, bool, bool]]:
    """(best probability, best is correct, has gold) per span."""
    out = []
    for s in spans:
        if s["features"]:
            p = ranker.probabilities(s["features"])
            i = int(np.argmax(p))
            out.append((float(p[i]), bool(s["match"][i]), s["has_gold"]))
        else:
            out.append((0.0, False, s["has_gold"]))
    return out


def scores(best: list[tuple[float, bool, bool]], threshold: float) -> dict:
    named = [b for b in best if b[0] >= threshold]
    tp = sum(1 for b in named if b[1])
    gold = sum(1 for b in best if b[2])
    p = tp / len(named) if named else 0.0
    r = tp / gold if gold else 0.0
    # top_correct: spans whose best candidate is the gold target, named or not (what any
    # threshold can reach at most)
    return {"spans": len(best), "gold_targets": gold, "predicted": len(named), "correct": tp,
            "precision": round(p, 4), "recall": round(r, 4), "top_correct": sum(1 for b in best if b[1])}


def choose_threshold(best, min_precision: float) -> float:
    """The lowest threshold (among the probabilities seen) whose precision reaches min_precision."""
    for t in sorted({round(b[0], 6) for b in best}):
        if scores(best, t)["precision"] >= min_precision:
            return t
    return 1.0


def out_of_fold(spans, names, c, folds=FOLDS):
    groups = [s["article"] for s in spans]
    best: list = [None] * len(spans)
    for train, test in GroupKFold(n_splits=folds).split(spans, groups=groups):
        ranker = fit([spans[i] for i in train], names, c)
        for i, b in zip(test, best_of_each(ranker, [spans[i] for i in test])):
            best[i] = b
    return best


def choose(spans, names, min_precision, folds=FOLDS) -> tuple[float, float, dict]:
    """(C, threshold, out-of-fold scores) with the highest out-of-fold recall at the precision floor."""
    options = []
    for c in C_GRID:
        best = out_of_fold(spans, names, c, folds)
        t = choose_threshold(best, min_precision)
        options.append((scores(best, t)["recall"], -C_GRID.index(c), c, t, scores(best, t)))
    _, _, c, t, sc = max(options)
    return c, t, sc


def nested(spans, names, min_precision) -> dict:
    groups = [s["article"] for s in spans]
    best: list = [None] * len(spans)
    for train, test in GroupKFold(n_splits=FOLDS).split(spans, groups=groups):
        inner = [spans[i] for i in train]
        c, t, _ = choose(inner, names, min_precision, folds=FOLDS - 1)
        ranker = fit(inner, names, c, t)
        for i, b in zip(test, best_of_each(ranker, [spans[i] for i in test])):
            best[i] = (b[0] - t + 0.5, b[1], b[2])   # each fold's own threshold, moved to 0.5
    return scores(best, 0.5)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("sets", nargs="*", type=Path, default=SETS)
    ap.add_argument("--articles", type=Path, default=ARTICLES)
    ap.add_argument("--out", type=Path, default=RANKER_PATH)
    ap.add_argument("--min-precision", type=float, default=0.70)
    ap.add_argument("--cv-only", action="store_true", help="print the cross-validation, write nothing")
    ap.add_argument("--no-cv", action="store_true", help="fit with --c and --threshold, no cross-validation")
    ap.add_argument("--c", type=float, default=0.3)
    ap.add_argument("--threshold", type=float, default=0.5)
    args = ap.parse_args(argv)
    spans = build_table(args.sets, args.articles)
    names = feature_names(spans)
    gold = [s for s in spans if s["has_gold"]]
    print(f"gold targets among the candidates: {sum(any(s['match']) for s in gold)} of {len(gold)}", file=sys.stderr)
    info: dict = {"fitted_on": sorted({s["set"] for s in spans}), "spans": len(spans)}
    if args.no_cv:
        c, t = args.c, args.threshold
    else:
        c, t, oof = choose(spans, names, args.min_precision)
        info["cv"] = {"folds": FOLDS, "grouped_by": "article", "min_precision": args.min_precision,
                      "C": c, "threshold": t, "out_of_fold": oof,
                      "nested": nested(spans, names, args.min_precision)}
        print(json.dumps(info["cv"]), file=sys.stderr)
        if args.cv_only:
            # The out-of-fold figure of each set at the chosen C and threshold (printed only).
            best = out_of_fold(spans, names, c)
            for name in info["fitted_on"]:
                print(name, json.dumps(scores([b for b, s in zip(best, spans) if s["set"] == name], t)),
                      file=sys.stderr)
            return 0
    ranker = fit(spans, names, c, t)
    info["C"] = c
    args.out.write_text(json.dumps(ranker.to_dict(**info), indent=1, sort_keys=True) + "\n", encoding="utf-8")
    print(f"wrote {args.out}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
