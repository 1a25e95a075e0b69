"""The Repetition detector's candidates: every occurrence of a phrase the article repeats,
each its own span, longest phrase first; and how its spans join the tagger's."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings

from propscan.repetition import FEATURES, RepetitionModel, combine, document_frequencies, occurrences
from tests.strategies import texts

TEXT = ("Illegal aliens are flooding our towns.\n"
        "The mayor spoke about illegal aliens again.\n"
        "Why do illegal aliens get everything? Never, never, never surrender.")


def test_each_occurrence_of_a_phrase_said_three_times_is_its_own_candidate():
    occ = occurrences(TEXT, {}, 1)
    aliens = [(o.start, o.end) for o in occ if o.key == "illegal aliens"]
    assert [TEXT[a:b] for a, b in aliens] == ["Illegal aliens", "illegal aliens", "illegal aliens"]
    # the longer phrase wins: its words are not candidates again inside it
    assert not any(o.key in ("illegal", "aliens") for o in occ)
    never = [TEXT[o.start:o.end] for o in occ if o.key == "never"]
    assert never == ["Never", "never", "never"]


def test_a_phrase_said_once_or_only_stopwords_is_no_candidate():
    occ = occurrences("The cat sat on the mat and the dog.", {}, 1)
    assert occ == []


def test_a_phrase_never_starts_or_ends_with_a_preposition_or_linking_adverb():
    text = ("They were the finest among us, and the finest among them fell.\n"
            "Even so, even the mayor came.")
    keys = {o.key for o in occurrences(text, {}, 1)}
    assert "finest" in keys
    assert not any(k.split()[0] in ("among", "even") or k.split()[-1] in ("among", "even") for k in keys), keys


@settings(deadline=None, max_examples=80)
@given(texts(max_size=80))
def test_candidates_lie_in_the_text_repeat_their_key_and_never_overlap(text):
    occ = occurrences(text, {}, 1)
    by_key: dict[str, int] = {}
    prev_end = -1
    for o in occ:
        assert 0 <= o.start < o.end <= len(text)
        assert o.start >= prev_end, "two candidates overlap"
        prev_end = o.end
        assert " ".join(w.lower().replace("’", "'") for w in __import__("re").findall(
            r"[^\W_]+(?:['’-][^\W_]+)*", text[o.start:o.end])) == o.key
        assert len(o.features) == len(FEATURES) and np.isfinite(o.features).all()
        by_key[o.key] = by_key.get(o.key, 0) + 1
    assert all(n >= 2 for n in by_key.values())


def test_the_model_scores_every_candidate_and_round_trips(tmp_path):
    df, n = document_frequencies([TEXT, "Aliens. Towns. Mayor."])
    model = RepetitionModel(df, n, np.linspace(-1, 1, len(FEATURES)))
    scored = model.score(TEXT)
    assert len(scored) == len(occurrences(TEXT, df, n)) and all(0 <= p <= 1 for *_, p in scored)
    model.save(tmp_path / "r.npz")
    assert RepetitionModel.load(tmp_path / "r.npz").score(TEXT) == scored


def test_combine_modes():
    rep = 2
    tagger = [(0, 14, rep, 0.9), (0, 7, 0, 0.8), (50, 60, rep, 0.7)]
    found = [(0, 14, 0.6), (20, 30, 0.55), (40, 45, 0.1)]
    assert combine(tagger, found, rep, 0.5, "tagger") == tagger
    assert combine(tagger, found, rep, 0.5, "detector") == [(0, 7, 0, 0.8), (0, 14, rep, 0.6), (20, 30, rep, 0.55)]
    assert combine(tagger, found, rep, 0.5, "union") == [(0, 7, 0, 0.8), (0, 14, rep, 0.6), (20, 30, rep, 0.55),
                                                          (50, 60, rep, 0.7)]


def test_piece_means_are_the_means_of_the_pieces_a_span_covers():
    from propscan.repetition import piece_mean_fn
    from propscan.tokens import piece_range

    rng = np.random.default_rng(0)
    ends = np.cumsum(rng.integers(1, 6, size=200))
    offsets = np.stack([ends - 1, ends], axis=1).astype(np.int64)
    scores = rng.random((200, 1 + 2 * 14)).astype(np.float32)
    mean = piece_mean_fn(offsets, scores, 2, 0)
    for _ in range(500):
        a = int(rng.integers(0, ends[-1]))
        b = a + int(rng.integers(1, 40))
        lo, hi = piece_range(offsets, a, b)
        seg = scores[lo:hi]
        assert np.allclose(mean(a, b), (seg[:, 0].mean(), seg[:, 3].mean(), seg[:, 1].mean()), atol=1e-6)
    assert all(np.isnan(v) for v in mean(int(ends[-1]) + 5, int(ends[-1]) + 9))   # past the last piece
    assert piece_mean_fn(offsets, scores[:, :1], 2, 0)(0, 5) == (0.0, 0.0, 0.0)    # no technique outputs
