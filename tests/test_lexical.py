"""The word-level models that vote with the neural tagger and classifier (propscan.lexical)."""

from __future__ import annotations

import numpy as np
import pytest

from propscan.lexical import LexicalClassifier, LexicalTagger, TfIdf, fit_lexical, fit_lexical_tagger


def test_tfidf_rows_are_unit_length_and_ignore_unknown_words():
    v = TfIdf.fit(["traitors everywhere", "the brave patriots", "traitors and cowards"], max_n=2)
    idx, val = v.row("Traitors, traitors and unknown words")
    assert len(idx) == len(set(idx.tolist())) and np.isclose(np.linalg.norm(val), 1.0)
    assert {i for i in idx.tolist()} <= set(v.vocab.values())
    assert v.vocab["traitors"] in idx.tolist() and v.vocab["traitors and"] in idx.tolist()
    assert len(v.row("nothing known here")[0]) == 0


def test_classifier_learns_a_phrasing_and_survives_save_and_load(tmp_path):
    spans = ["make america great again", "radical traitors", "make america great", "corrupt traitors"] * 5
    labels = [9, 1, 9, 1] * 5
    feats = np.zeros((len(spans), 8), dtype=np.float32)
    model = fit_lexical(spans, spans, feats, labels, n_labels=14)
    probs = model.predict_proba(["great america", "traitors"], ["", ""], np.zeros((2, 8), dtype=np.float32))
    assert probs.shape == (2, 14) and np.allclose(probs.sum(1), 1)
    assert probs[0].argmax() == 9 and probs[1].argmax() == 1
    assert probs[0, 0] < 1e-3, "a technique never seen in training keeps (almost) no mass"
    model.save(tmp_path / "lexical.npz")
    again = LexicalClassifier.load(tmp_path / "lexical.npz")
    np.testing.assert_allclose(again.predict_proba(["great america", "traitors"], ["", ""],
                                                   np.zeros((2, 8), dtype=np.float32)), probs, atol=2e-3)


def test_tagger_marks_the_words_of_learnt_spans_and_maps_them_to_pieces(tmp_path):
    text = "The mayor called them vile traitors today. The weather was mild."
    start = text.index("vile traitors")
    model = fit_lexical_tagger([text] * 10, [[(start, start + len("vile traitors"))]] * 10, C=10, min_count=1)
    starts, probs = model.word_probs(text)
    by_word = {text[s:].split()[0].strip("."): p for s, p in zip(starts.tolist(), probs.tolist())}
    assert by_word["traitors"] > 0.5 > by_word["weather"]
    # two pieces inside "traitors" and one in "weather" get their word's probability
    t, w = text.index("traitors"), text.index("weather")
    offsets = np.array([[t, t + 4], [t + 4, t + 8], [w, w + 7]])
    pieces = model.piece_probs(text, offsets)
    assert pieces[0] == pieces[1] == pytest.approx(by_word["traitors"])
    assert pieces[2] == pytest.approx(by_word["weather"])
    model.save(tmp_path / "t.npz")
    np.testing.assert_allclose(LexicalTagger.load(tmp_path / "t.npz").word_probs(text)[1], probs, atol=2e-3)
    assert len(model.piece_probs("", np.zeros((0, 2), dtype=np.int64))) == 0
