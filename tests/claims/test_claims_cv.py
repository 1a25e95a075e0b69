"""The cross-validation that chooses the claims model's recipe and threshold (claims_cv), with
fake fits in place of training: folds, and what each fold's choice may and may not look at."""

from __future__ import annotations

import numpy as np
import pytest

from propscan.errors import InputError
from propscan.training.claims_cv import (best_threshold, blocked_folds, choose, f1_yes, nested_cv,
                                         read_folds, stratified_folds, write_folds)

N_RECIPES = 3


def _labels(n=318, n_yes=108, seed=0) -> list[bool]:
    y = np.zeros(n, dtype=bool)
    y[np.random.default_rng(seed).choice(n, n_yes, replace=False)] = True
    return y.tolist()


def _quiet(_msg: str) -> None:
    pass


@pytest.mark.parametrize("k", [2, 4, 5, 7])
def test_folds_are_stratified_disjoint_and_cover_every_row(k):
    y = np.array(_labels())
    fold = stratified_folds(y.tolist(), k, seed=13)
    assert fold.shape == y.shape and set(fold.tolist()) == set(range(k))
    for cls in (True, False):
        counts = np.bincount(fold[y == cls], minlength=k)
        assert counts.max() - counts.min() <= 1, (cls, counts)
    sizes = np.bincount(fold, minlength=k)
    assert sizes.max() - sizes.min() <= 1, sizes
    assert np.array_equal(fold, stratified_folds(y.tolist(), k, seed=13))
    assert not np.array_equal(fold, stratified_folds(y.tolist(), k, seed=14))


def test_blocked_folds_are_runs_of_consecutive_ids_in_numeric_order():
    ids = [str(i) for i in np.random.default_rng(5).permutation([7, 8, 9, 10, 11, 100, 101, 1000, 1001, 1002, 5])]
    fold = blocked_folds(ids, 3)
    by_id = [f for _, f in sorted(zip(map(int, ids), fold.tolist()))]
    assert by_id == sorted(by_id) and set(by_id) == {0, 1, 2}   # numeric, not string, order
    sizes = np.bincount(fold)
    assert sizes.max() - sizes.min() <= 1
    with pytest.raises(InputError, match="at least 4 rows"):
        blocked_folds(["1", "2", "3"], 4)


def test_too_few_rows_of_a_class_or_one_fold_is_a_clear_error():
    with pytest.raises(InputError, match="at least 2"):
        stratified_folds([True, False] * 5, 1, seed=0)
    with pytest.raises(InputError, match="need at least 5 Yes"):
        stratified_folds([True] * 3 + [False] * 20, 5, seed=0)


def test_fold_file_round_trips_and_must_list_the_same_sentences(tmp_path):
    y = _labels(40, 12)
    ids = [str(1000 + i) for i in range(40)]
    fold = stratified_folds(y, 4, seed=1)
    path = tmp_path / "folds.tsv"
    write_folds(path, ids, y, fold)
    assert path.read_text(encoding="utf-8").splitlines()[0] == "Sentence_id\tclass_label\tfold"
    assert np.array_equal(read_folds(path, ids[::-1]), fold[::-1])
    with pytest.raises(InputError, match="not those of the dev-test file"):
        read_folds(path, ids[:-1] + ["999"])
    path.write_text("Sentence_id\tclass_label\tfold\n1\tYes\n", encoding="utf-8")
    with pytest.raises(InputError, match=r"folds.tsv:2: expected"):
        read_folds(path, ["1"])


def test_threshold_takes_the_middle_of_the_best_plateau():
    scores = np.array([0.1, 0.2, 0.6, 0.7])
    gold = [False, False, True, True]
    t, f1 = best_threshold(scores, gold)
    assert f1 == 1.0 and 0.2 < t <= 0.6
    assert abs(t - 0.4) <= 0.01   # the plateau is (0.2, 0.6]


def test_choose_prefers_the_recipe_that_separates_the_classes():
    gold = np.array(_labels(60, 20))
    rng = np.random.default_rng(3)
    noise = rng.random(60)
    good = np.where(gold, 0.7, 0.3) + rng.normal(0, 0.05, 60)
    r, t, f1 = choose(np.stack([noise, good, noise[::-1]]), gold)
    assert r == 1 and f1 > 0.9 and 0.3 < t < 0.7


class FakeFit:
    """Scores that depend on the labels of the rows trained on (as a real model's do) and on
    the recipe, and that are perfect on the training rows themselves: if the machinery ever read
    a score or a label it should not, the results below would show it."""

    def __init__(self, labels, seed=0):
        self.labels = np.asarray(labels, dtype=bool)
        self.seed = seed
        self.calls: list[set[int]] = []

    def __call__(self, positions: np.ndarray) -> np.ndarray:
        self.calls.append(set(positions.tolist()))
        n = len(self.labels)
        key = int(positions.sum()) * 7 + len(positions) + self.seed
        rng = np.random.default_rng(key)
        signal = np.where(self.labels, 0.62, 0.38)
        # what the fit learnt from its training labels shifts every score a little
        drift = 0.1 * (self.labels[positions].mean() - 0.3)
        out = np.stack([np.clip(signal + rng.normal(0, sd, n) + drift, 0, 1) for sd in (0.35, 0.12, 0.25)])
        out[:, positions] = self.labels[positions]   # memorised: useless for choosing anything
        return out


def test_every_fit_for_fold_k_leaves_fold_k_out_and_each_training_set_is_fitted_once():
    y = _labels()
    fold = stratified_folds(y, 5, seed=13)
    fit = FakeFit(y)
    result = nested_cv(fit, y, fold, _quiet)
    assert len(fit.calls) == 5 * 4 // 2 + 5
    assert len({frozenset(c) for c in fit.calls}) == len(fit.calls)
    everything = set(range(len(y)))
    for c in fit.calls:
        held = {int(f) for f in set(fold[sorted(everything - c)].tolist())}
        assert len(held) in (1, 2) and c == {i for i in everything if fold[i] not in held}
    assert [f["fold"] for f in result.folds] == list(range(5))
    assert 0 <= result.recipe < N_RECIPES and 0.05 <= result.threshold <= 0.95


def test_memorised_training_rows_do_not_inflate_the_estimate():
    # perfect scores on the rows a fit trained on must never be read: the estimate is that of
    # the recipes' scores on unseen rows (recipe 1 is the good one, about 0.9 F1 here)
    y = _labels()
    fold = stratified_folds(y, 5, seed=13)
    result = nested_cv(FakeFit(y), y, fold, _quiet)
    assert result.mean_f1 < 0.99
    assert all(f["recipe"] == 1 for f in result.folds)
    assert result.recipe == 1
    oof = result.oof[1]
    assert result.oof_f1 == best_threshold(oof, y)[1]


def test_a_folds_labels_do_not_change_its_own_recipe_or_threshold():
    y = np.array(_labels())
    fold = stratified_folds(y.tolist(), 5, seed=13)
    base = nested_cv(FakeFit(y), y.tolist(), fold, _quiet)
    for k in range(5):
        flipped = y.copy()
        flipped[fold == k] = ~flipped[fold == k]
        # the fits see the flipped labels too, as a real model would learn from them
        other = nested_cv(FakeFit(flipped), flipped.tolist(), fold, _quiet)
        assert other.folds[k]["recipe"] == base.folds[k]["recipe"]
        assert other.folds[k]["threshold"] == base.folds[k]["threshold"]
        assert other.folds[k]["inner_f1"] == base.folds[k]["inner_f1"]
        # ...while the choices that fold k's labels feed do see the flip
        assert any(other.folds[j]["inner_f1"] != base.folds[j]["inner_f1"] for j in range(5) if j != k)


def test_per_fold_f1_is_measured_on_that_fold_only():
    y = np.array(_labels())
    fold = stratified_folds(y.tolist(), 4, seed=2)
    result = nested_cv(FakeFit(y), y.tolist(), fold, _quiet)
    for f in result.folds:
        part = fold == f["fold"]
        assert f["f1"]["n"] == int(part.sum()) and f["f1"]["n_yes"] == int(y[part].sum())
        expected = f1_yes(y[part], result.oof[f["recipe"], part] >= f["threshold"])
        assert f["f1"] == expected
    assert result.mean_f1 == round(float(np.mean([f["f1"]["f1"] for f in result.folds])), 4)
    assert len(result.per_recipe) == N_RECIPES and all(len(p["fold_f1"]) == 4 for p in result.per_recipe)
