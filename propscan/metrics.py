"""The official SemEval-2020 Task 11 measures (see the PTC README).

- SI: span identification with partial credit. Overlapping spans are merged within the
  predictions and within the gold of each article; precision sums |s∩t|/|s| over predicted s
  and gold t and divides by the number of predicted spans, recall sums |s∩t|/|t| and divides
  by the number of gold spans.
- Full task: as SI, but a pair counts only when the techniques match, and merging happens
  per technique.
- TC: gold spans given; micro-F1 over them, which equals accuracy.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Iterable

Interval = tuple[int, int]


@dataclass(frozen=True)
class Score:
    precision: float
    recall: float
    f1: float
    n_pred: int
    n_gold: int

    def to_dict(self) -> dict:
        return {"precision": self.precision, "recall": self.recall, "f1": self.f1,
                "n_pred": self.n_pred, "n_gold": self.n_gold}


def merge(intervals: Iterable[Interval]) -> list[Interval]:
    """Union of overlapping intervals ([a, b) end-exclusive; touching ones stay apart)."""
    out: list[list[int]] = []
    for a, b in sorted(intervals):
        if out and a < out[-1][1]:
            out[-1][1] = max(out[-1][1], b)
        else:
            out.append([a, b])
    return [(a, b) for a, b in out]


def _overlap_sums(pred: list[Interval], gold: list[Interval]) -> tuple[float, float]:
    p_sum = r_sum = 0.0
    for s in pred:
        for t in gold:
            inter = min(s[1], t[1]) - max(s[0], t[0])
            if inter > 0:
                p_sum += inter / (s[1] - s[0])
                r_sum += inter / (t[1] - t[0])
    return p_sum, r_sum


def _f1(p: float, r: float) -> float:
    return 2 * p * r / (p + r) if p + r > 0 else 0.0


def _score(p_sum: float, r_sum: float, n_pred: int, n_gold: int) -> Score:
    p = p_sum / n_pred if n_pred else 0.0
    r = r_sum / n_gold if n_gold else 0.0
    return Score(p, r, _f1(p, r), n_pred, n_gold)


def _si_sums(pred: dict[str, list[Interval]], gold: dict[str, list[Interval]]) -> tuple[float, float, int, int]:
    """(precision sum, recall sum, predicted spans, gold spans) over articles, spans merged per article."""
    p_sum = r_sum = 0.0
    n_pred = n_gold = 0
    for aid in set(pred) | set(gold):
        ps, gs = merge(pred.get(aid, [])), merge(gold.get(aid, []))
        a, b = _overlap_sums(ps, gs)
        p_sum, r_sum = p_sum + a, r_sum + b
        n_pred, n_gold = n_pred + len(ps), n_gold + len(gs)
    return p_sum, r_sum, n_pred, n_gold


def span_identification(pred: dict[str, list[Interval]], gold: dict[str, list[Interval]]) -> Score:
    """SI over articles: `pred` and `gold` map article id to (start, end) intervals."""
    return _score(*_si_sums(pred, gold))


@dataclass(frozen=True)
class FullScore:
    overall: Score
    per_technique: dict[str, Score] = field(default_factory=dict)


def full_task(pred: dict[str, list[tuple[int, int, str]]], gold: dict[str, list[tuple[int, int, str]]]) -> FullScore:
    """Span + technique: SI computed per technique (merging per technique), summed over all."""
    def by_technique(d):
        out: dict[str, dict[str, list[Interval]]] = defaultdict(lambda: defaultdict(list))
        for aid, rows in d.items():
            for a, b, tech in rows:
                out[tech][aid].append((a, b))
        return out

    P, G = by_technique(pred), by_technique(gold)
    tot = [0.0, 0.0, 0, 0]
    per: dict[str, Score] = {}
    for tech in sorted(set(P) | set(G)):
        p_sum, r_sum, n_pred, n_gold = _si_sums(P.get(tech, {}), G.get(tech, {}))
        per[tech] = _score(p_sum, r_sum, n_pred, n_gold)
        tot = [tot[0] + p_sum, tot[1] + r_sum, tot[2] + n_pred, tot[3] + n_gold]
    return FullScore(_score(tot[0], tot[1], tot[2], tot[3]), per)


@dataclass(frozen=True)
class ClassificationScore:
    micro_f1: float
    n: int
    per_technique: dict[str, Score]


def technique_classification(gold: list[str], pred: list[str], spans: list | None = None) -> ClassificationScore:
    """TC: micro-F1 (= accuracy) over gold spans, with per-technique precision/recall/F1.

    `spans` names the span of each row (e.g. (article_id, start, end)). The rows of a span that
    carries several techniques are aligned for the most matches, as the official scorer does:
    gold [A, B] against predicted [B, A] on one span is two matches, not none. Without `spans`
    every row is its own span (matched by position)."""
    from collections import Counter

    if len(gold) != len(pred):
        raise ValueError(f"{len(gold)} gold labels but {len(pred)} predictions")
    if spans is not None and len(spans) != len(gold):
        raise ValueError(f"{len(gold)} gold labels but {len(spans)} spans")
    groups: dict = defaultdict(lambda: (Counter(), Counter()))
    for key, g, p in zip(range(len(gold)) if spans is None else spans, gold, pred):
        groups[key][0][g] += 1
        groups[key][1][p] += 1
    matched: Counter = Counter()
    for g_counts, p_counts in groups.values():
        matched.update(g_counts & p_counts)   # the most matches within a span
    per = {}
    for tech in sorted(set(gold) | set(pred)):
        tp = matched[tech]
        n_p = sum(p == tech for p in pred)
        n_g = sum(g == tech for g in gold)
        pr = tp / n_p if n_p else 0.0
        rc = tp / n_g if n_g else 0.0
        per[tech] = Score(pr, rc, _f1(pr, rc), n_p, n_g)
    return ClassificationScore(sum(matched.values()) / len(gold) if gold else 0.0, len(gold), per)


# -- what a reader sees: span shape and whether confidences mean what they say ---------------

@dataclass(frozen=True)
class Shape:
    n: int
    median_chars: float
    share_over_200: float
    per_technique: dict[str, int]

    def to_dict(self) -> dict:
        return {"n": self.n, "median_chars": self.median_chars, "share_over_200": self.share_over_200,
                "per_technique": self.per_technique}


def shape(rows: Iterable[tuple[int, int, str]]) -> Shape:
    """Counts and lengths of spans (start, end, technique), as the annotators' would be read."""
    rows = list(rows)
    lengths = sorted(e - s for s, e, _ in rows)
    n = len(lengths)
    median = (lengths[n // 2] if n % 2 else (lengths[n // 2 - 1] + lengths[n // 2]) / 2) if n else 0.0
    per: dict[str, int] = defaultdict(int)
    for _, _, t in rows:
        per[t] += 1
    return Shape(n, float(median), sum(x > 200 for x in lengths) / n if n else 0.0,
                 dict(sorted(per.items(), key=lambda kv: -kv[1])))


def matches(span: tuple[int, int, str], gold: Iterable[tuple[int, int, str]]) -> bool:
    """A predicted span is right when an annotated span of the same technique covers at least
    half of the shorter of the two: the event a span's confidence gives the probability of."""
    s, e, t = span
    for gs, ge, gt in gold:
        if gt == t:
            inter = min(e, ge) - max(s, gs)
            if inter > 0 and inter >= 0.5 * min(e - s, ge - gs):
                return True
    return False


@dataclass(frozen=True)
class Reliability:
    bins: list[dict]      # lower, upper, n, mean confidence, share right
    ece: float            # expected calibration error: sum over bins of n/N |share right - confidence|

    def to_dict(self) -> dict:
        return {"ece": self.ece, "bins": self.bins}


def reliability(confidences: list[float], right: list[bool], n_bins: int = 10) -> Reliability:
    bins, ece, total = [], 0.0, len(confidences)
    for b in range(n_bins):
        lo, hi = b / n_bins, (b + 1) / n_bins
        idx = [i for i, c in enumerate(confidences) if lo <= c < hi or (b == n_bins - 1 and c == 1.0)]
        if not idx:
            continue
        conf = sum(confidences[i] for i in idx) / len(idx)
        acc = sum(right[i] for i in idx) / len(idx)
        ece += len(idx) / total * abs(acc - conf)
        bins.append({"lower": lo, "upper": hi, "n": len(idx), "confidence": round(conf, 4), "right": round(acc, 4)})
    return Reliability(bins, round(ece, 4))
