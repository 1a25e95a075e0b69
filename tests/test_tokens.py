"""Word pieces keep exact character offsets; windows cover every piece; merging is a weighted
average that leaves consistent per-window scores unchanged."""

from __future__ import annotations

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from propscan.tokens import merge_window_scores, pieces, window_batch, windows
from tests.strategies import texts

FIXTURE_OK = settings(suppress_health_check=[HealthCheck.function_scoped_fixture], deadline=None)


@st.composite
def window_shapes(draw):
    size = draw(st.integers(1, 300))
    stride = draw(st.integers(1, size))
    n = draw(st.integers(0, 3000))
    return n, size, stride


@given(window_shapes())
def test_windows_cover_every_piece_exactly_once_or_more(shape):
    n, size, stride = shape
    ranges = windows(n, size, stride)
    covered = np.zeros(n, dtype=int)
    for a, b in ranges:
        assert 0 <= a <= b <= n
        assert b - a <= size
        covered[a:b] += 1
    assert (covered >= 1).all()
    assert ranges[0][0] == 0
    assert ranges[-1][1] == n


@given(window_shapes())
def test_windows_start_every_stride_and_overlap_their_neighbour(shape):
    n, size, stride = shape
    ranges = windows(n, size, stride)
    for (a1, b1), (a2, b2) in zip(ranges, ranges[1:]):
        assert a2 - a1 == stride
        assert a2 <= b1          # no gap between consecutive windows
        assert b1 < b2
    # every window but the last is full
    assert all(b - a == size for a, b in ranges[:-1])


def test_a_short_text_is_one_window():
    assert windows(10, 254, 192) == [(0, 10)]
    assert windows(254, 254, 192) == [(0, 254)]
    assert windows(0, 254, 192) == [(0, 0)]


def test_the_last_window_ends_at_the_last_piece():
    assert windows(500, 254, 192) == [(0, 254), (192, 446), (384, 500)]


@given(window_shapes().filter(lambda s: s[0] > 0), st.integers(0, 2**32 - 1), st.integers(0, 5))
def test_merge_of_identical_per_window_scores_returns_them_unchanged(shape, seed, padding):
    n, size, stride = shape
    full = np.random.default_rng(seed).random(n)
    ranges = windows(n, size, stride)
    # The tagger returns rows as wide as the widest window: scores past a window's end are junk.
    scores = [np.concatenate([full[a:b], np.full(padding, 7.0)]) for a, b in ranges]
    np.testing.assert_allclose(merge_window_scores(n, ranges, scores), full, rtol=1e-12, atol=1e-12)


@given(window_shapes().filter(lambda s: s[0] > 0), st.integers(0, 2**32 - 1))
def test_merged_scores_lie_between_the_window_scores_of_each_piece(shape, seed):
    n, size, stride = shape
    rng = np.random.default_rng(seed)
    ranges = windows(n, size, stride)
    scores = [rng.random(b - a) for a, b in ranges]
    merged = merge_window_scores(n, ranges, scores)
    lo, hi = np.full(n, np.inf), np.full(n, -np.inf)
    for (a, b), s in zip(ranges, scores):
        lo[a:b] = np.minimum(lo[a:b], s)
        hi[a:b] = np.maximum(hi[a:b], s)
    assert (merged >= lo - 1e-12).all() and (merged <= hi + 1e-12).all()


def test_merge_prefers_the_window_where_a_piece_has_more_context():
    # Piece 3 is the last piece of window (0, 4) (weight 1) and the 2nd of (2, 6) (weight 2).
    ranges = [(0, 4), (2, 6)]
    merged = merge_window_scores(6, ranges, [np.zeros(4), np.ones(4)])
    assert merged[3] == np.float64(2 / 3)
    assert merged[0] == 0.0 and merged[5] == 1.0


def test_window_batch_wraps_each_window_in_cls_and_sep_and_pads():
    ids = np.arange(10, 20, dtype=np.int64)
    input_ids, mask = window_batch(ids, [(0, 4), (3, 6)], cls_id=101, sep_id=102, pad_id=0)
    assert input_ids.tolist() == [[101, 10, 11, 12, 13, 102], [101, 13, 14, 15, 102, 0]]
    assert mask.tolist() == [[1, 1, 1, 1, 1, 1], [1, 1, 1, 1, 1, 0]]


@FIXTURE_OK
@given(texts(max_size=80))
def test_pieces_have_offsets_inside_the_text_in_order_and_never_empty(tokenizer, text):
    p = pieces(tokenizer, text)
    assert p.offsets.shape == (len(p), 2)
    assert len(p.ids) == len(p)
    for s, e in p.offsets.tolist():
        assert 0 <= s < e <= len(text)
        assert text[s:e].strip() != ""
    starts, ends = p.offsets[:, 0], p.offsets[:, 1]
    assert (np.diff(starts) >= 0).all()
    assert (starts[1:] >= ends[:-1]).all(), "pieces overlap"


def test_pieces_offsets_survive_crlf_accents_and_emoji(tokenizer):
    text = "Caf\u00e9 \r\nna\u0308ive \U0001F642 d\u00e9j\u00e0-vu!"
    p = pieces(tokenizer, text)
    got = [text[s:e] for s, e in p.offsets.tolist()]
    assert "".join(got) == "".join(text.split())
    assert "\U0001F642" in got
