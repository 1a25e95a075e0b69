"""The official SemEval-2020 Task 11 measures against cases computed by hand.

SI: P = sum_{s,t} |s∩t|/|s| / |S|, R = sum_{s,t} |s∩t|/|t| / |T|, after merging overlapping
spans per article (see shared/data/ptc/README.md). Full task: the same per technique, summed.
TC: micro-F1 over the gold spans (= accuracy).
"""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from propscan import metrics
from propscan.metrics import full_task, merge, span_identification, technique_classification


def approx(x):
    return pytest.approx(x, abs=1e-12)


# -- merge -----------------------------------------------------------------------------------

def test_merge_joins_overlapping_and_contained_intervals_and_sorts():
    assert merge([(5, 8), (0, 3), (2, 4), (6, 7)]) == [(0, 4), (5, 8)]


def test_merge_keeps_touching_intervals_apart_because_ends_are_exclusive():
    assert merge([(0, 5), (5, 10)]) == [(0, 5), (5, 10)]


def test_merge_of_nothing_is_nothing():
    assert merge([]) == []


@given(st.lists(st.tuples(st.integers(0, 100), st.integers(1, 30)).map(lambda t: (t[0], t[0] + t[1])),
                max_size=20))
def test_merge_covers_exactly_the_same_characters_with_disjoint_sorted_intervals(intervals):
    merged = merge(intervals)
    covered = {i for a, b in intervals for i in range(a, b)}
    assert {i for a, b in merged for i in range(a, b)} == covered
    for (a1, b1), (a2, b2) in zip(merged, merged[1:]):
        assert b1 <= a2


# -- span identification -----------------------------------------------------------------------

def test_si_half_overlap_gives_half_precision_and_half_recall():
    s = span_identification({"1": [(0, 10)]}, {"1": [(5, 15)]})
    assert (s.precision, s.recall, s.f1) == (approx(0.5), approx(0.5), approx(0.5))
    assert (s.n_pred, s.n_gold) == (1, 1)


def test_si_exact_match_scores_one():
    s = span_identification({"1": [(3, 9)]}, {"1": [(3, 9)]})
    assert (s.precision, s.recall, s.f1) == (1.0, 1.0, 1.0)


def test_si_overlapping_predictions_are_merged_before_counting():
    s = span_identification({"1": [(0, 6), (4, 10)]}, {"1": [(0, 10)]})
    assert (s.precision, s.recall, s.n_pred) == (1.0, 1.0, 1)


def test_si_overlapping_gold_spans_are_merged_too():
    s = span_identification({"1": [(0, 15)]}, {"1": [(0, 10), (5, 15)]})
    assert (s.precision, s.recall, s.n_gold) == (1.0, 1.0, 1)


def test_si_touching_predictions_count_as_two_spans():
    # (0,5) and (5,10) against gold (0,10): P = (5/5 + 5/5) / 2 = 1, R = (5/10 + 5/10) / 1 = 1.
    s = span_identification({"1": [(0, 5), (5, 10)]}, {"1": [(0, 10)]})
    assert (s.precision, s.recall, s.n_pred) == (approx(1.0), approx(1.0), 2)


def test_si_one_prediction_covering_two_gold_spans():
    # P = (5/20 + 10/20) / 1 = 0.75; R = (5/5 + 10/10) / 2 = 1; F1 = 1.5 / 1.75 = 6/7.
    s = span_identification({"1": [(0, 20)]}, {"1": [(0, 5), (10, 20)]})
    assert (s.precision, s.recall, s.f1) == (approx(0.75), approx(1.0), approx(6 / 7))


def test_si_sums_over_articles_before_dividing():
    pred = {"a": [(0, 10)], "b": [(0, 4)], "d": [(3, 7)]}
    gold = {"a": [(0, 5)], "b": [(0, 4)], "c": [(0, 8)]}
    # a: P 5/10, R 5/5; b: P 1, R 1; c: gold only; d: prediction only.
    # P = (0.5 + 1 + 0) / 3 = 0.5; R = (1 + 1 + 0) / 3 = 2/3; F1 = 4/7.
    s = span_identification(pred, gold)
    assert (s.precision, s.recall, s.f1) == (approx(0.5), approx(2 / 3), approx(4 / 7))
    assert (s.n_pred, s.n_gold) == (3, 3)


def test_si_spans_in_different_articles_never_match():
    s = span_identification({"a": [(0, 10)]}, {"b": [(0, 10)]})
    assert (s.precision, s.recall, s.f1) == (0.0, 0.0, 0.0)


def test_si_with_no_predictions_scores_zero_without_dividing_by_zero():
    s = span_identification({}, {"1": [(0, 5)]})
    assert (s.precision, s.recall, s.f1, s.n_pred, s.n_gold) == (0.0, 0.0, 0.0, 0, 1)
    s = span_identification({"1": []}, {"1": [(0, 5)]})
    assert (s.precision, s.recall, s.f1, s.n_pred) == (0.0, 0.0, 0.0, 0)


def test_si_with_nothing_at_all_scores_zero():
    s = span_identification({}, {})
    assert (s.precision, s.recall, s.f1, s.n_pred, s.n_gold) == (0.0, 0.0, 0.0, 0, 0)


def test_si_score_to_dict_has_every_field():
    assert span_identification({"1": [(0, 4)]}, {"1": [(0, 4)]}).to_dict() == {
        "precision": 1.0, "recall": 1.0, "f1": 1.0, "n_pred": 1, "n_gold": 1}


# -- full task -------------------------------------------------------------------------------

def test_full_task_counts_a_pair_only_when_techniques_match():
    pred = {"1": [(0, 10, "Doubt")]}
    gold = {"1": [(0, 10, "Slogans")]}
    assert span_identification({"1": [(0, 10)]}, {"1": [(0, 10)]}).f1 == 1.0
    f = full_task(pred, gold)
    assert (f.overall.precision, f.overall.recall, f.overall.f1) == (0.0, 0.0, 0.0)
    assert (f.overall.n_pred, f.overall.n_gold) == (1, 1)


def test_full_task_same_span_with_two_techniques_one_right():
    # Doubt: P 1/1, R 1/1; Slogans: P 0/1, no gold. Overall P = 1/2, R = 1/1, F1 = 2/3.
    pred = {"1": [(0, 10, "Doubt"), (0, 10, "Slogans")]}
    gold = {"1": [(0, 10, "Doubt")]}
    f = full_task(pred, gold)
    assert (f.overall.precision, f.overall.recall, f.overall.f1) == (approx(0.5), approx(1.0), approx(2 / 3))
    assert f.per_technique["Doubt"].f1 == 1.0
    assert (f.per_technique["Slogans"].precision, f.per_technique["Slogans"].n_gold) == (0.0, 0)


def test_full_task_merges_overlaps_per_technique_not_across_techniques():
    # Doubt (0,6) vs gold Doubt (0,10): P 6/6, R 6/10. Slogans (4,10): P 0, no gold.
    # Overall P = (1 + 0) / 2 = 0.5, R = 0.6 / 1; F1 = 0.6 / 1.1.
    pred = {"1": [(0, 6, "Doubt"), (4, 10, "Slogans")]}
    gold = {"1": [(0, 10, "Doubt")]}
    f = full_task(pred, gold)
    assert (f.overall.precision, f.overall.recall, f.overall.f1) == (approx(0.5), approx(0.6), approx(0.6 / 1.1))
    assert f.overall.n_pred == 2


def test_full_task_merges_overlapping_spans_of_the_same_technique():
    f = full_task({"1": [(0, 6, "Doubt"), (4, 10, "Doubt")]}, {"1": [(0, 10, "Doubt")]})
    assert (f.overall.precision, f.overall.recall, f.overall.n_pred) == (1.0, 1.0, 1)


def test_full_task_over_several_articles_and_techniques():
    pred = {"a": [(0, 10, "Doubt")], "b": [(0, 4, "Slogans"), (20, 30, "Doubt")]}
    gold = {"a": [(0, 5, "Doubt")], "b": [(0, 4, "Slogans")], "c": [(0, 9, "Repetition")]}
    # Doubt: a P 5/10 R 5/5, b P 0 -> p_sum 0.5 (n 2), r_sum 1 (n 1)
    # Slogans: P 1 R 1; Repetition: gold only (n_gold 1).
    # Overall P = 1.5 / 3 = 0.5; R = 2 / 3.
    f = full_task(pred, gold)
    assert (f.overall.precision, f.overall.recall) == (approx(0.5), approx(2 / 3))
    assert (f.overall.n_pred, f.overall.n_gold) == (3, 3)
    assert f.per_technique["Doubt"].precision == approx(0.25)
    assert f.per_technique["Doubt"].recall == approx(1.0)
    assert f.per_technique["Repetition"].recall == 0.0


def test_full_task_with_no_predictions_scores_zero():
    f = full_task({}, {"1": [(0, 5, "Doubt")]})
    assert (f.overall.f1, f.overall.n_pred, f.overall.n_gold) == (0.0, 0, 1)


# -- technique classification ------------------------------------------------------------------

def test_tc_micro_f1_is_accuracy_over_gold_spans():
    tc = technique_classification(["A", "B", "A", "C"], ["A", "A", "A", "C"])
    assert tc.micro_f1 == approx(0.75)
    assert tc.n == 4
    a, b, c = tc.per_technique["A"], tc.per_technique["B"], tc.per_technique["C"]
    assert (a.precision, a.recall, a.f1) == (approx(2 / 3), approx(1.0), approx(0.8))
    assert (b.precision, b.recall, b.f1, b.n_pred, b.n_gold) == (0.0, 0.0, 0.0, 0, 1)
    assert (c.precision, c.recall) == (1.0, 1.0)


def test_tc_all_right_and_all_wrong():
    assert technique_classification(["A", "B"], ["A", "B"]).micro_f1 == 1.0
    assert technique_classification(["A", "B"], ["B", "A"]).micro_f1 == 0.0


def test_tc_with_no_spans_scores_zero():
    tc = technique_classification([], [])
    assert (tc.micro_f1, tc.n, tc.per_technique) == (0.0, 0, {})


def test_tc_aligns_the_labels_of_a_span_with_several_techniques_for_the_most_matches():
    # span x carries A and B, predicted B then A: two matches (by position it would be none)
    x, y = ("1", 0, 5), ("1", 7, 9)
    tc = technique_classification(["A", "B", "C"], ["B", "A", "A"], spans=[x, x, y])
    assert tc.micro_f1 == approx(2 / 3)
    a, b, c = tc.per_technique["A"], tc.per_technique["B"], tc.per_technique["C"]
    assert (a.precision, a.recall, a.n_pred, a.n_gold) == (approx(1 / 2), 1.0, 2, 1)
    assert (b.precision, b.recall) == (1.0, 1.0)
    assert (c.precision, c.recall, c.n_pred, c.n_gold) == (0.0, 0.0, 0, 1)
    # three labels on one span against three predictions, two of them right: A, C match; B, D do not
    tc = technique_classification(["A", "B", "C"], ["C", "D", "A"], spans=[x, x, x])
    assert tc.micro_f1 == approx(2 / 3)
    assert tc.per_technique["D"].n_pred == 1 and tc.per_technique["D"].precision == 0.0
    # the same label twice on a span matches twice only if predicted twice
    assert technique_classification(["A", "A"], ["A", "B"], spans=[x, x]).micro_f1 == approx(1 / 2)
    # rows of different spans are never swapped
    assert technique_classification(["A", "B"], ["B", "A"], spans=[x, y]).micro_f1 == 0.0


def test_tc_rejects_a_different_number_of_spans():
    with pytest.raises(ValueError, match="2 gold labels but 1 spans"):
        technique_classification(["A", "B"], ["A", "B"], spans=[("1", 0, 5)])


def test_tc_rejects_a_different_number_of_predictions():
    with pytest.raises(ValueError, match="3 gold labels but 2 predictions"):
        technique_classification(["A", "B", "C"], ["A", "B"])


def test_shape_counts_lengths_and_long_spans():
    rows = [(0, 10, "A"), (0, 300, "B"), (5, 25, "A"), (0, 4, "A")]
    sh = metrics.shape(rows)
    assert sh.n == 4 and sh.median_chars == 15.0 and sh.share_over_200 == 0.25
    assert sh.per_technique == {"A": 3, "B": 1}
    assert metrics.shape([]).n == 0


def test_a_span_matches_gold_of_its_technique_covering_half_of_the_shorter():
    gold = [(10, 20, "A"), (100, 200, "B")]
    assert metrics.matches((12, 20, "A"), gold)
    assert metrics.matches((0, 14, "A"), gold) is False          # 4 of the 10 gold characters
    assert metrics.matches((0, 15, "A"), gold)                   # 5 of 10
    assert metrics.matches((12, 20, "B"), gold) is False          # wrong technique


def test_reliability_bins_and_expected_calibration_error_by_hand():
    conf = [0.05, 0.15, 0.72, 0.78, 0.95, 0.95]
    right = [False, False, True, False, True, True]
    rel = metrics.reliability(conf, right)
    assert [(b["lower"], b["n"], b["right"]) for b in rel.bins] == [(0.0, 1, 0.0), (0.1, 1, 0.0), (0.7, 2, 0.5),
                                                                    (0.9, 2, 1.0)]
    expected = (1 * 0.05 + 1 * 0.15 + 2 * abs(0.5 - 0.75) + 2 * 0.05) / 6
    assert abs(rel.ece - round(expected, 4)) < 1e-9
