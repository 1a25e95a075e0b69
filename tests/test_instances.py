"""Per-technique decoding: each technique's channel decoded into its own instances.

Invariants for any text and any scores: spans lie inside the text and never split a word or
cross a line break; spans of one technique never overlap each other; spans of different
techniques may overlap or coincide, and neither hides the other; a begin peak inside a run
starts a new instance; calibrated confidences lie in [0, 1] and the keep threshold holds.
"""

from __future__ import annotations

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from propscan.instances import (Calibrator, InstanceConfig, TechniqueDecode, candidates, instances, merge_sources,
                                 tagger_technique_probs)
from propscan.techniques import LABELS
from propscan.tokens import pieces
from tests.strategies import texts
from tests.test_decoding import may_end_a_span, splits_a_word

N = len(LABELS)
FIXTURE_OK = settings(suppress_health_check=[HealthCheck.function_scoped_fixture], deadline=None,
                      max_examples=60)


@st.composite
def technique_configs(draw):
    high = draw(st.floats(0.05, 0.95))
    return TechniqueDecode(high=high, low=draw(st.floats(0.0, high)), max_gap=draw(st.integers(0, 20)),
                           begin=draw(st.sampled_from([0.3, 0.5, 0.9, 1.01])))


def scores_for(n_pieces: int, seed: int, blocky: bool) -> np.ndarray:
    rng = np.random.default_rng(seed)
    s = rng.random((n_pieces, 1 + 2 * N))
    return (s > 0.5).astype(float) if blocky else s


@FIXTURE_OK
@given(texts(max_size=80), st.integers(0, 2**32 - 1), st.booleans(),
       st.lists(technique_configs(), min_size=N, max_size=N))
def test_instances_are_word_aligned_one_line_and_disjoint_within_a_technique(tokenizer, text, seed, blocky, cfgs):
    p = pieces(tokenizer, text)
    found = instances(text, p.offsets, scores_for(len(p), seed, blocky), InstanceConfig(cfgs))
    by_technique: dict[int, list] = {}
    for start, end, k, conf in found:
        assert 0 <= start < end <= len(text)
        assert not splits_a_word(text, start) and not splits_a_word(text, end)
        body = text[start:end]
        assert body == body.strip() and body and "\n" not in body
        assert 0.0 <= conf <= 1.0
        by_technique.setdefault(k, []).append((start, end))
    for k, spans in by_technique.items():
        spans.sort()
        for (a, b), (c, d) in zip(spans, spans[1:]):
            assert b <= c, f"two spans of {LABELS[k]} overlap: {(a, b)} {(c, d)}"
    assert found == sorted(found, key=lambda r: (r[0], r[1], r[2]))


@FIXTURE_OK
@given(texts(max_size=60), st.integers(0, 2**32 - 1))
def test_every_piece_above_high_is_inside_an_instance_of_its_technique(tokenizer, text, seed):
    p = pieces(tokenizer, text)
    scores = scores_for(len(p), seed, False)
    cfgs = [TechniqueDecode(high=0.7, low=0.5, max_gap=2, begin=1.01)] * N
    found = instances(text, p.offsets, scores, InstanceConfig(cfgs))
    offsets = p.offsets.tolist()
    for i, (s, e) in enumerate(offsets):
        if not any(c.isalnum() for c in text[s:e]):
            continue   # punctuation at a span's edge is trimmed
        for k in range(N):
            if scores[i, 1 + k] >= 0.7 and not may_end_a_span(text, offsets, scores[:, 1 + k], i, 0.5, 0.7, 2):
                assert any(a <= s and e <= b for a, b, kk, _ in found if kk == k), (text[s:e], LABELS[k])


def pieces_of(p, text: str, *words: str) -> list[int]:
    """Indices of the pieces that lie inside any occurrence of the given words."""
    import re

    ranges = [(m.start(), m.end()) for w in words for m in re.finditer(re.escape(w), text)]
    return [i for i, (s, e) in enumerate(p.offsets.tolist()) if any(a <= s and e <= b for a, b in ranges)]


def test_two_techniques_on_the_same_words_both_come_back(tokenizer):
    text = "Only traitors would vote for these corrupt crooks."
    p = pieces(tokenizer, text)
    scores = np.zeros((len(p), 1 + 2 * N))
    loaded, name = LABELS.index("Loaded_Language"), LABELS.index("Name_Calling,Labeling")
    scores[pieces_of(p, text, "corrupt crooks"), 1 + loaded] = 0.9
    scores[pieces_of(p, text, "crooks"), 1 + name] = 0.9          # nested inside the loaded span
    found = instances(text, p.offsets, scores, InstanceConfig([TechniqueDecode()] * N))
    got = {(text[s:e], LABELS[k]) for s, e, k, _ in found}
    assert got == {("corrupt crooks", "Loaded_Language"), ("crooks", "Name_Calling,Labeling")}


def test_two_quoted_slurs_are_two_instances(tokenizer):
    text = 'She described them as "greedy outsiders" and "corporate vultures" who care nothing.'
    p = pieces(tokenizer, text)
    scores = np.zeros((len(p), 1 + 2 * N))
    name = LABELS.index("Name_Calling,Labeling")
    scores[pieces_of(p, text, '"greedy outsiders" and "corporate vultures"'), 1 + name] = 0.9
    found = instances(text, p.offsets, scores, InstanceConfig([TechniqueDecode()] * N))
    assert [text[s:e] for s, e, k, _ in found] == ['"greedy outsiders"', '"corporate vultures"']
    assert {k for *_, k, _ in found} == {name}


def test_a_begin_peak_splits_two_touching_instances_of_one_technique(tokenizer):
    text = "Drain the swamp! Lock her up!"
    p = pieces(tokenizer, text)
    slogans = LABELS.index("Slogans")
    scores = np.zeros((len(p), 1 + 2 * N))
    scores[:, 1 + slogans] = 0.9
    lock = pieces_of(p, text, "Lock")[0]
    scores[0, 1 + N + slogans] = scores[lock, 1 + N + slogans] = 0.8
    split = instances(text, p.offsets, scores, InstanceConfig([TechniqueDecode(begin=0.5)] * N))
    assert [text[s:e] for s, e, _, _ in split] == ["Drain the swamp!", "Lock her up!"]
    whole = instances(text, p.offsets, scores, InstanceConfig([TechniqueDecode(begin=1.01)] * N))
    assert [text[s:e] for s, e, _, _ in whole] == [text]


def test_a_gap_of_up_to_max_gap_pieces_is_bridged_within_a_technique(tokenizer):
    text = "greedy outsiders and the rest of them corporate vultures"
    p = pieces(tokenizer, text)
    k = LABELS.index("Loaded_Language")
    scores = np.zeros((len(p), 1 + 2 * N))
    first, second = pieces_of(p, text, "greedy outsiders"), pieces_of(p, text, "corporate vultures")
    scores[first + second, 1 + k] = 0.9
    gap = second[0] - first[-1] - 1
    bridged = instances(text, p.offsets, scores, InstanceConfig([TechniqueDecode(max_gap=gap)] * N))
    assert [text[s:e] for s, e, _, _ in bridged] == [text]
    apart = instances(text, p.offsets, scores, InstanceConfig([TechniqueDecode(max_gap=gap - 1)] * N))
    assert [text[s:e] for s, e, _, _ in apart] == ["greedy outsiders", "corporate vultures"]


def test_calibrated_confidence_is_monotone_in_the_mean_probability_and_keep_filters(tokenizer):
    text = "a b c d e f g h"
    p = pieces(tokenizer, text)
    k = 0
    scores = np.zeros((len(p), 1 + 2 * N))
    scores[0:2, 1 + k] = 0.95                     # "a b": a confident span
    scores[4:6, 1 + k] = 0.55                     # "e f": a weak one
    cal = Calibrator(coef=[1.0, 0, 0, 0, 0, 0], technique_bias=[0.0] * N, technique_slope=[0.0] * N)
    cfg = InstanceConfig([TechniqueDecode(high=0.5, low=0.5)] * N, cal)
    found = instances(text, p.offsets, scores, cfg)
    conf = {text[s:e]: c for s, e, _, c in found}
    assert set(conf) == {"a b", "e f"} and conf["a b"] > conf["e f"]
    keep = InstanceConfig([TechniqueDecode(high=0.5, low=0.5, keep=(conf["a b"] + conf["e f"]) / 2)] * N, cal)
    assert [text[s:e] for s, e, _, _ in instances(text, p.offsets, scores, keep)] == ["a b"]


def test_no_pieces_no_candidates():
    assert candidates("", np.zeros((0, 2), dtype=np.int64), np.zeros((0, 1 + 2 * N)), [TechniqueDecode()] * N) == []


def test_instance_config_round_trips_through_its_dict():
    cal = Calibrator(coef=[0.5] * 6, technique_bias=[0.1] * N, technique_slope=[0.2] * N, lexical_weight=1.0)
    cfg = InstanceConfig([TechniqueDecode(high=0.3, low=0.2, max_gap=2, begin=0.5, keep=0.25)] * N, cal,
                         {"mode": "union", "threshold": 0.4})
    assert InstanceConfig.from_dict(cfg.to_dict(), N) == cfg


# -- "spans" source: who names the technique ----------------------------------------------------

def _one_span_setup(tokenizer):
    text = "they are utterly corrupt traitors"
    p = pieces(tokenizer, text)
    scores = np.zeros((len(p), 1 + 2 * N))
    scores[:, 0] = 0.9                                   # one span over the whole text
    return text, p, scores


def test_tagger_weight_decides_between_the_word_level_and_the_tagger_opinion(tokenizer):
    text, p, scores = _one_span_setup(tokenizer)
    k_tagger, k_lexical = LABELS.index("Name_Calling,Labeling"), LABELS.index("Doubt")
    scores[:, 1 + k_tagger] = 0.8                        # the tagger says name calling
    scores[:, 1:1 + N] += 0.01

    def lexical(spans):
        row = np.full(N, 0.02)
        row[k_lexical] = 1 - 0.02 * (N - 1)             # the word-level classifier says doubt
        return np.stack([row] * len(spans))

    def named(weight):
        cfg = InstanceConfig([TechniqueDecode()] * N, None, {}, "spans",
                             {"high": 0.5, "low": 0.3, "max_gap": 0, "min_pieces": 1, "split_lines": True},
                             1.01, weight)
        return {LABELS[k] for *_, k, _ in instances(text, p.offsets, scores, cfg, lexical)}

    assert named(0.0) == {"Doubt"}
    assert named(1.0) == {"Name_Calling,Labeling"}


def test_tagger_technique_probs_is_a_distribution():
    inside = np.zeros((5, N))
    inside[1:3, 2] = 0.6
    inside[1:3, 4] = 0.2
    t = tagger_technique_probs(inside, 1, 3)
    assert np.isclose(t.sum(), 1.0) and t.argmax() == 2 and np.isclose(t[2], 0.75)
    flat = tagger_technique_probs(np.zeros((3, N)), 0, 3)        # no opinion: uniform, not NaN
    assert np.allclose(flat, 1 / N)


# -- "both" sources merged -----------------------------------------------------------------------

@given(st.lists(st.tuples(st.integers(0, 60), st.integers(1, 20), st.integers(0, 3), st.floats(0, 1)),
                max_size=30),
       st.lists(st.tuples(st.integers(0, 60), st.integers(1, 20), st.integers(0, 3), st.floats(0, 1)),
                max_size=30))
def test_merged_sources_never_show_one_technique_twice_on_the_same_characters(a, b):
    rows = lambda xs: [(s, s + n, k, p) for s, n, k, p in xs]   # noqa: E731
    a, b = rows(a), rows(b)
    merged = merge_sources(a, b)
    assert set(merged) <= set(a) | set(b)
    for i, (s, e, k, p) in enumerate(merged):
        for ss, ee, kk, _ in merged[i + 1:]:
            assert not (kk == k and min(e, ee) > max(s, ss))
    # what is dropped overlaps a kept instance of its technique at least as confident
    for s, e, k, p in set(a) | set(b):
        if (s, e, k, p) not in merged:
            assert any(kk == k and min(e, ee) > max(s, ss) and pp >= p for ss, ee, kk, pp in merged)
    assert merged == sorted(merged, key=lambda r: (r[0], r[1], r[2]))


def test_both_sources_give_the_instances_of_either_and_round_trip(tokenizer):
    text, p, scores = _one_span_setup(tokenizer)
    k_chan, k_lexical = LABELS.index("Loaded_Language"), LABELS.index("Doubt")
    scores[:, 1 + k_chan] = 0.9                          # the channel of loaded language fires

    def lexical(spans):
        row = np.full(N, 0.02)
        row[k_lexical] = 1 - 0.02 * (N - 1)
        return np.stack([row] * len(spans))

    never = TechniqueDecode(high=2.0, low=2.0)
    channels = [never] * N
    channels[k_chan] = TechniqueDecode(high=0.5, low=0.3)
    spans = InstanceConfig([TechniqueDecode()] * N, None, {}, "spans",
                           {"high": 0.5, "low": 0.3, "max_gap": 0, "min_pieces": 1, "split_lines": True}, 1.01, 0.0)
    both = InstanceConfig(channels, None, {}, "both", spans=spans)
    found = instances(text, p.offsets, scores, both, lexical)
    assert {LABELS[k] for *_, k, _ in found} == {"Loaded_Language", "Doubt"}
    assert InstanceConfig.from_dict(both.to_dict(), N) == both
    # per technique, one source, the other or both
    for mode, expected in (("channels", {"Loaded_Language"}), ("spans", {"Doubt"}),
                           ("both", {"Loaded_Language", "Doubt"})):
        one = InstanceConfig(channels, None, {}, "both", spans=spans, sources=[mode] * N)
        assert {LABELS[k] for *_, k, _ in instances(text, p.offsets, scores, one, lexical)} == expected
        assert InstanceConfig.from_dict(one.to_dict(), N) == one
