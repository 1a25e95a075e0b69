"""Hysteresis decoding: per-piece probabilities -> character spans.

Invariants for any text and any probabilities: spans lie inside the text, are sorted and
non-overlapping, never start or end inside a word (accents and combining marks included),
never start or end with whitespace, and (with split_lines) never cross a line break.
"""

from __future__ import annotations

import unicodedata

import numpy as np
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from propscan.decoding import NEVER_LAST, DecodeConfig, decode
from propscan.tokens import pieces
from tests.strategies import texts

FIXTURE_OK = settings(suppress_health_check=[HealthCheck.function_scoped_fixture], deadline=None,
                      max_examples=200)


def is_word_char(c: str) -> bool:
    """A letter, digit or combining mark, or an apostrophe/hyphen inside a word."""
    return c.isalnum() or unicodedata.category(c).startswith("M") or c in "'’-"


def splits_a_word(text: str, i: int) -> bool:
    return 0 < i < len(text) and is_word_char(text[i - 1]) and is_word_char(text[i])


@st.composite
def configs(draw):
    high = draw(st.floats(0.05, 0.95))
    low = draw(st.floats(0.0, high))
    return DecodeConfig(high=high, low=low, max_gap=draw(st.integers(0, 20)),
                        min_pieces=draw(st.integers(1, 3)), split_lines=draw(st.booleans()))


def check_invariants(text, spans, cfg):
    prev_end = -1
    for start, end, conf in spans:
        assert 0 <= start < end <= len(text)
        assert start >= prev_end, f"spans overlap or are out of order: {spans}"
        prev_end = end
        assert not splits_a_word(text, start), (text[max(0, start - 5):start + 5], start)
        assert not splits_a_word(text, end), (text[max(0, end - 5):end + 5], end)
        body = text[start:end]
        assert body == body.strip() and body.strip(), repr(body)
        if cfg.split_lines:
            assert "\n" not in body
        words = body.split()
        # the last word is never one of NEVER_LAST after another word (within the 40 characters
        # decoding looks back)
        assert not (len(words) > 1 and words[-1] in NEVER_LAST and
                    any(c.isalnum() for c in body[:len(body) - len(words[-1])][-40:])), repr(body)
        assert 0.0 <= conf <= 1.0


@FIXTURE_OK
@given(texts(max_size=80), st.integers(0, 2**32 - 1), configs())
def test_decoded_spans_lie_inside_the_text_sorted_disjoint_and_word_aligned(tokenizer, text, seed, cfg):
    p = pieces(tokenizer, text)
    probs = np.random.default_rng(seed).random(len(p))
    check_invariants(text, decode(text, p.offsets, probs, cfg), cfg)


@FIXTURE_OK
@given(texts(max_size=80), st.lists(st.booleans(), min_size=80 * 6, max_size=80 * 6), configs())
def test_invariants_hold_with_blocky_probabilities(tokenizer, text, hot, cfg):
    # Runs of 0/1 reach the bridging and word-widening branches far more often than noise.
    p = pieces(tokenizer, text)
    probs = np.array([1.0 if h else 0.0 for h in hot[:len(p)]] + [0.0] * max(0, len(p) - len(hot)))
    check_invariants(text, decode(text, p.offsets, probs, cfg), cfg)


@FIXTURE_OK
@given(texts(max_size=60), st.integers(0, 2**32 - 1))
# "the" (0.86) then "[" (0.54), "/" (0.30), "b" (0.42): the span ends at "[" (the run with "b"
# never reaches high, so the gap is not bridged) and its last word "the" is trimmed
@example(text="the the the the [/b] مرحبا 0:0 the [/b] ", seed=0)
def test_every_confident_word_piece_ends_up_inside_a_span(tokenizer, text, seed):
    # (punctuation alone at a span's edge is trimmed: see test_spans_lose_the_punctuation_...)
    cfg = DecodeConfig(high=0.6, low=0.4, max_gap=1, min_pieces=1, split_lines=True)
    p = pieces(tokenizer, text)
    probs = np.random.default_rng(seed).random(len(p))
    spans = decode(text, p.offsets, probs, cfg)
    offsets = p.offsets.tolist()
    for i, ((s, e), pr) in enumerate(zip(offsets, probs)):
        if pr >= cfg.high and any(c.isalnum() for c in text[s:e]) and not may_end_a_span(
                text, offsets, probs, i, cfg.low, cfg.high, cfg.max_gap):
            assert any(a <= s and e <= b for a, b, _ in spans), (text[s:e], spans)


def word_at(text: str, s: int, e: int) -> str:
    while s > 0 and is_word_char(text[s - 1]):
        s -= 1
    while e < len(text) and is_word_char(text[e]):
        e += 1
    return text[s:e]


def may_end_a_span(text: str, offsets: list, probs, i: int, low: float, high: float, max_gap: int) -> bool:
    """Whether piece i's word is one trimmed off a span's end (NEVER_LAST, as written) and only
    such words follow it in its span. The span runs on over pieces at `low` or more, and across
    at most `max_gap` pieces below it into a run that reaches `high` (the decoders' bridging,
    which a gap of punctuation below `low` stops like any other); a line break ends it."""
    s, e = offsets[i]
    if word_at(text, s, e) not in NEVER_LAST:
        return False
    n = len(offsets)
    j = i + 1
    while j < n:
        if probs[j] < low:
            k = j
            while k < n and probs[k] < low:
                k += 1
            m = k
            while m < n and probs[m] >= low:
                m += 1
            if k == n or k - j > max_gap or max(probs[k:m]) < high:
                return True
        a, b = offsets[j]
        if "\n" in text[e:a]:
            return True
        if any(c.isalnum() for c in text[a:b]) and word_at(text, a, b) not in NEVER_LAST:
            return False
        e = max(e, b)
        j += 1
    return True


@pytest.mark.parametrize("text, span", [
    ("We said, love transparency, and then", "love transparency"),
    ("They spoke but on any initiative. Then", "but on any initiative"),
    ('He called it "a striking blow against freedom', "a striking blow against freedom"),
    ("a so-called “conservative” prelate", "“conservative”"),
    ("from the U.S. and", "the U.S"),
    ("it is a total disgrace - and", "a total disgrace"),
    ("” and then they lied", "and then they lied"),
    ("is it true? he asked", "is it true?"),
    ("they are destroying America” she wrote", "destroying America”"),
])
def test_spans_lose_the_punctuation_annotators_never_put_at_their_edges(tokenizer, text, span):
    # the pieces of `span` and the punctuation on either side of it are all confident
    lo = text.index(span)
    hi = lo + len(span)
    p = pieces(tokenizer, text)
    around = [max(0, lo - 2), min(len(text), hi + 1)]
    probs = np.array([1.0 if s >= around[0] and e <= around[1] and text[s:e].strip() else 0.0
                      for s, e in p.offsets.tolist()])
    got = [text[s:e] for s, e, _ in decode(text, p.offsets, probs, DecodeConfig(high=0.5, low=0.5, max_gap=0))]
    assert got == [span], got
    for g in got:
        assert g[0].isalnum() or g[0] in "“#", g
        assert not g.endswith((",", ";", "“")), g


def test_a_span_never_ends_inside_an_abbreviation(tokenizer):
    text = "It was a far more sinister W.H.O. plot."
    p = pieces(tokenizer, text)
    w = text.index("W.H.O.")
    probs = np.array([1.0 if text.index("far") <= s and e <= w + 1 else 0.0 for s, e in p.offsets.tolist()])
    (got,) = [text[s:e] for s, e, _ in decode(text, p.offsets, probs, DecodeConfig(high=0.5, low=0.5, max_gap=0))]
    assert got == "far more sinister W.H.O"      # no annotated span ends with a full stop


def test_a_missing_space_after_a_full_stop_does_not_join_two_words(tokenizer):
    text = "They lied.The end came."
    p = pieces(tokenizer, text)
    probs = np.array([1.0 if e <= text.index(".") else 0.0 for s, e in p.offsets.tolist()])
    (got,) = [text[s:e] for s, e, _ in decode(text, p.offsets, probs, DecodeConfig(high=0.5, low=0.5, max_gap=0))]
    assert got == "They lied"


def test_no_confident_piece_means_no_span(tokenizer):
    text = "The mayor spoke for an hour."
    p = pieces(tokenizer, text)
    assert decode(text, p.offsets, np.full(len(p), 0.3), DecodeConfig(high=0.5, low=0.35)) == []


def test_empty_input_gives_no_span():
    assert decode("", np.zeros((0, 2), dtype=np.int64), np.zeros(0), DecodeConfig()) == []


def word_probs(tokenizer, text, by_word):
    """Pieces of `text` and a probability for each: by_word[k] for pieces of the k-th
    whitespace-separated word (0 when not given)."""
    import re

    p = pieces(tokenizer, text)
    words = [(m.start(), m.end()) for m in re.finditer(r"\S+", text)]
    probs = np.zeros(len(p))
    for i, (s, e) in enumerate(p.offsets.tolist()):
        k = next(k for k, (a, b) in enumerate(words) if a <= s and e <= b)
        probs[i] = by_word.get(k, 0.0)
    return p, probs


def test_a_hot_word_piece_widens_to_the_whole_word(tokenizer):
    text = "They are unbelievably corrupt people."
    p = pieces(tokenizer, text)
    probs = np.zeros(len(p))
    probs[2] = 0.9                     # one piece in the middle of "unbelievably"
    assert text[p.offsets[2, 0]:p.offsets[2, 1]] != "unbelievably"
    [(s, e, conf)] = decode(text, p.offsets, probs, DecodeConfig())
    assert text[s:e] == "unbelievably"
    assert conf == pytest.approx(0.9)


def test_widening_keeps_combining_marks_with_their_letter():
    text = "A cafe\u0301 owner"
    # One piece "cafe" whose offsets stop before the combining acute accent.
    offsets = np.array([[0, 1], [2, 6], [8, 13]])
    spans = decode(text, offsets, np.array([0.0, 0.9, 0.0]), DecodeConfig())
    assert [text[s:e] for s, e, _ in spans] == ["cafe\u0301"]


def test_spans_are_cut_at_line_breaks_and_trimmed(tokenizer):
    text = "Greedy outsiders\r\nand corporate vultures"
    p = pieces(tokenizer, text)
    spans = decode(text, p.offsets, np.full(len(p), 0.9), DecodeConfig(split_lines=True))
    assert [text[s:e] for s, e, _ in spans] == ["Greedy outsiders", "and corporate vultures"]
    spans = decode(text, p.offsets, np.full(len(p), 0.9), DecodeConfig(split_lines=False))
    assert [text[s:e] for s, e, _ in spans] == [text]


@pytest.mark.parametrize("text, want", [
    ('as "greedy outsiders" and "corporate vultures" who', ['as "greedy outsiders"', '"corporate vultures"']),
    ("“lies”, “damned lies” or “statistics”", ["“lies”", "“damned lies”", "“statistics”"]),
    ('called it "law and order" and moved on', ['called it "law and order" and moved on']),
    ("as “greedy outsiders”, “corporate vultures”", ["as “greedy outsiders”", "“corporate vultures”"]),
])
def test_two_quotations_are_two_spans_and_one_quotation_stays_whole(tokenizer, text, want):
    # annotators mark each quoted slur on its own (5 of 5,042 gold spans of the fit split run on)
    p = pieces(tokenizer, text)
    for cfg in (DecodeConfig(split_lines=True, max_gap=0), DecodeConfig(split_lines=False, max_gap=0)):
        spans = decode(text, p.offsets, np.full(len(p), 0.9), cfg)
        assert [text[s:e] for s, e, _ in spans] == want


def test_a_quotation_cut_from_the_next_keeps_its_closing_mark_only_with_its_opening_one(tokenizer):
    # the tagger often misses the quotation marks themselves
    text = 'They are "greedy outsiders" and "corporate vultures" now'
    p = pieces(tokenizer, text)
    probs = np.array([0.0 if text[s:e] == '"' or s < 9 else 0.9 for s, e in p.offsets.tolist()])
    spans = decode(text, p.offsets, probs, DecodeConfig(max_gap=2))
    assert [text[s:e] for s, e, _ in spans] == ["greedy outsiders", '"corporate vultures" now'], spans


def test_trimming_a_long_span_looks_only_at_its_tail():
    # the last-word search ran over the whole span: seconds for 12,000 characters sent to the API
    from propscan.decoding import trim

    text = "crooks" + " the" * 3000
    assert trim(text, 0, len(text)) == (0, 6)
    text = "x" * 20000 + " y"
    assert trim(text, 0, len(text)) == (0, len(text))


@pytest.mark.parametrize("text, want", [
    ("They are corrupt crooks who", "They are corrupt crooks"),
    ("a disaster for the town and the", "a disaster for the town"),
    ("the", "the"),
    ("condemned by the WHO", "condemned by the WHO"),
    ("World War I", "World War I"),
])
def test_a_span_never_ends_with_a_word_no_annotated_span_ends_with(tokenizer, text, want):
    p = pieces(tokenizer, text)
    spans = decode(text, p.offsets, np.full(len(p), 0.9), DecodeConfig())
    assert [text[s:e] for s, e, _ in spans] == [want]


def test_a_short_gap_is_bridged_and_a_long_one_is_not(tokenizer):
    text = "greedy outsiders and corporate vultures"
    p, probs = word_probs(tokenizer, text, {0: 0.9, 1: 0.9, 3: 0.9, 4: 0.9})
    assert int((probs == 0).sum()) == 1        # "and" is a single piece
    one = decode(text, p.offsets, probs, DecodeConfig(max_gap=1))
    assert [text[s:e] for s, e, _ in one] == [text]
    two = decode(text, p.offsets, probs, DecodeConfig(max_gap=0))
    assert [text[s:e] for s, e, _ in two] == ["greedy outsiders", "corporate vultures"]


def test_bridging_never_turns_an_undetected_line_into_a_span(tokenizer):
    text = "greedy outsiders\nAdvertisement\ncorporate vultures"
    p, probs = word_probs(tokenizer, text, {0: 0.9, 1: 0.9, 3: 0.9, 4: 0.9})
    spans = decode(text, p.offsets, probs, DecodeConfig(max_gap=4, split_lines=True))
    assert [text[s:e] for s, e, _ in spans] == ["greedy outsiders", "corporate vultures"]


def test_min_pieces_drops_runs_that_are_too_short(tokenizer):
    text = "greedy outsiders and corporate vultures"
    p, probs = word_probs(tokenizer, text, {0: 0.9, 4: 0.9})
    spans = decode(text, p.offsets, probs, DecodeConfig(max_gap=0, min_pieces=2))
    assert [text[s:e] for s, e, _ in spans] == ["vultures"]
    assert len([o for o in p.offsets.tolist() if text[o[0]:o[1]] in ("greedy",)]) == 1
