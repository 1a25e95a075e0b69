"""The classifier's view of a span besides its words: context and numeric signals."""

from __future__ import annotations

import numpy as np

from propscan.features import CONTEXT_CHARS, N_FEATURES, span_context, span_features

TEXT = ("Filler sentence number one goes here. " * 10 + "The plan is a disaster. Critics agree. " * 3
        + 'He called it "a total disgrace!" Really? ' + "Filler sentence number two goes here. " * 10)


def test_context_covers_the_span_its_sentence_and_at_least_the_minimum_width():
    start = TEXT.index("a total disgrace")
    end = start + len("a total disgrace")
    ctx = span_context(TEXT, start, end)
    assert "a total disgrace" in ctx and 'He called it "' in ctx
    assert len(ctx) >= CONTEXT_CHARS - 1 and "\n" not in span_context("a\nb\nc" * 100, 0, 1)
    # at the start of the text there is nothing before to widen into
    assert span_context(TEXT, 0, 6).startswith("Filler")


def test_features_see_repetition_quotes_and_punctuation():
    rep = TEXT.index("a disaster")
    f_rep = span_features(TEXT, rep, rep + len("a disaster"))
    quoted = TEXT.index("a total disgrace!")
    f_q = span_features(TEXT, quoted, quoted + len("a total disgrace!"))
    assert f_rep.shape == f_q.shape == (N_FEATURES,) and f_rep.dtype == np.float32
    assert f_rep[1] == 1.0 and f_rep[0] > 0          # "a disaster" recurs in the article
    assert f_q[1] == 0.0 and f_q[5] == 1.0 and f_q[6] == 1.0   # once, in quotes, with "!"
    q = TEXT.index("Really")
    assert span_features(TEXT, q, q + len("Really"))[7] == 1.0  # a question mark right after
    assert np.array_equal(span_features(TEXT, rep, rep + 10, TEXT.lower()), span_features(TEXT, rep, rep + 10))
