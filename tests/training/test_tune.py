"""The count rule of tuning: every per-technique choice keeps spans counted like the annotators'
(tune.FAIR times as many), and takes the best out-of-fold F1 among those."""

from __future__ import annotations

import math

import numpy as np

from propscan.domain import Article
from propscan.instances import Calibrator, Candidate, FEATURES, TechniqueDecode
from propscan.io.ptc import LabelRow
from propscan.metrics import Score
from propscan.techniques import LABELS
from propscan.training.data import Corpus
from propscan.training.tune import FAIR, _fair_best, tune_keep


def _score(f1: float, n_pred: int, n_gold: int = 10) -> Score:
    return Score(f1, f1, f1, n_pred, n_gold)


def test_the_best_f1_counted_like_the_annotators_wins_over_a_better_f1_that_is_not():
    results = [("blob", _score(0.6, 25)), ("fair", _score(0.4, 12)), ("few", _score(0.5, 3))]
    assert _fair_best(results, 10)[0] == "fair"


def test_where_no_choice_is_counted_like_the_annotators_the_best_f1_not_over_the_range_wins():
    results = [("blob", _score(0.6, 25)), ("few", _score(0.5, 3)), ("fewer", _score(0.3, 2))]
    assert _fair_best(results, 10)[0] == "few"
    # all over the range: the best F1 still (nothing else to show)
    assert _fair_best([("blob", _score(0.6, 25)), ("more", _score(0.2, 40))], 10)[0] == "blob"


def test_where_every_fair_choice_gets_nothing_right_the_fewest_spans_win():
    # 140 wrong spans counted like 107 annotated ones are still 140 wrong spans to show
    results = [("all wrong, fair count", _score(0.0, 140, 107)), ("none", _score(0.0, 0, 107)),
               ("few wrong", _score(0.0, 12, 107))]
    assert _fair_best(results, 107)[0] == "none"
    # one right span anywhere in range is worth its count
    results.append(("one right", _score(0.01, 100, 107)))
    assert _fair_best(results, 107)[0] == "one right"


def test_keep_thresholds_keep_a_count_the_annotators_would_recognise():
    # 10 annotated spans; 4 right candidates at confidence 0.62, 10 wrong at 0.47, 6 right at 0.22.
    # Best F1 alone keeps all 20 (2x gold); the count rule keeps the 14 from 0.47 up (1.4x).
    k = LABELS.index("Loaded_Language")
    text = " ".join(f"w{i:02d}" for i in range(40))
    start = lambda i: 4 * i
    gold = [i for i in range(10)]
    confs = [0.62] * 4 + [0.47] * 10 + [0.22] * 6
    where = gold[:4] + list(range(20, 30)) + gold[4:]
    cands = [Candidate(start(i), start(i) + 3, k,
                       np.array([math.log(c / (1 - c))] + [0.0] * (len(FEATURES) - 1), dtype=np.float32))
             for i, c in zip(where, confs)]
    corpus = Corpus({"1": Article("1", text)},
                    [LabelRow("1", start(i), start(i) + 3, "Loaded_Language") for i in gold])
    n = len(LABELS)
    cal = Calibrator([0.0] * len(FEATURES), [0.0] * n, [1.0] * n)
    keep = tune_keep({"1": cands}, corpus, cal, [TechniqueDecode()] * n, log=lambda _: None)[k].keep
    kept = sum(c >= keep for c in confs)
    assert FAIR[0] <= kept / len(gold) <= FAIR[1], (keep, kept)
    assert kept == 14
