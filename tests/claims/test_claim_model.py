"""The shipped check-worthiness model on the real CheckThat! 2024 English data."""

from __future__ import annotations

import json

import numpy as np

from propscan.io.checkworthy import read_claim_file
from propscan.training.claims import f1_yes


def test_shipped_model_reaches_the_issue_floor_on_dev_which_nothing_trained_or_tuned_on(detector, checkworthy_dir):
    # dev-test is in the shipped model's training data, so a dev-test figure of it would be
    # in-sample; dev.tsv (the train distribution) was used by nothing
    rows = [r for r in read_claim_file(checkworthy_dir / "dev.tsv", with_labels=True).rows if r.ok]
    assert len(rows) == 1032
    pred = detector.predict([r.text for r in rows])
    score = f1_yes([r.label == "Yes" for r in rows], pred)
    assert score["f1"] >= 0.75, score


def test_model_folder_records_its_threshold_version_and_cross_validated_figures(detector):
    config = json.loads((detector.path / "config.json").read_text(encoding="utf-8"))
    assert 0.0 < config["threshold"] < 1.0
    assert config["version"].startswith("propscan-claims-")
    cv = config["metrics"]["dev_test_nested_cv"]
    assert cv["f1_mean"] >= 0.75
    assert len(cv["per_fold"]) == cv["folds"] >= 2
    assert sorted(f["fold"] for f in cv["per_fold"]) == list(range(cv["folds"]))
    assert all(0.0 < f["threshold"] < 1.0 for f in cv["per_fold"])
    shipped = config["metrics"]["shipped"]
    assert shipped["threshold"] == config["threshold"]
    assert shipped["recipe"]["lexical_weight"] == config.get("lexical_weight", 0.0)
    assert (detector.path / "claims_lexical.npz").is_file() == (config.get("lexical_weight", 0.0) > 0)
    assert sum(f.stat().st_size for f in detector.path.iterdir()) < 25 * 1024 * 1024


def test_factual_sentences_score_higher_than_opinions(detector):
    factual = ["Unemployment among African Americans fell to 5.9 percent last year.",
               "We have spent $6 trillion in the Middle East since 2001.",
               "Crime in this city went up 40 percent over the last four years."]
    opinion = ["I think we can do better than that.", "Thank you very much, it is great to be here.",
               "What a beautiful evening."]
    fs, os_ = detector.scores(factual), detector.scores(opinion)
    assert min(fs) > max(os_), (fs, os_)
    assert all(detector.predict(factual)) and not any(detector.predict(opinion))


def test_scores_keep_input_order_whatever_the_lengths(detector):
    texts = ["We cut taxes by $3 billion in 2017 and created 400,000 jobs in the state since then.", "Hello.",
             "Thank you.", "Our debt is now over 20 trillion dollars."]
    scores = detector.scores(texts)
    t = detector.threshold
    assert scores[0] >= t > scores[1] and scores[3] >= t > scores[2]


def test_each_sentence_scores_the_same_whatever_its_neighbours(detector, checkworthy_dir):
    # int8 activations are quantised per batch: scored with other rows, a sentence's label
    # changed with its neighbours (the file reversed, the CLI against the Python API)
    texts = [r.text for r in read_claim_file(checkworthy_dir / "dev-test.tsv", with_labels=True).rows if r.ok][:120]
    forward = detector.scores(texts)
    assert np.array_equal(forward, detector.scores(texts[::-1])[::-1])
    assert np.array_equal(forward, detector.scores(texts[1::2] + texts[::2])[np.argsort(
        list(range(1, len(texts), 2)) + list(range(0, len(texts), 2)), kind="stable")])
    for i in range(0, len(texts), 12):
        assert detector.scores([texts[i]])[0] == forward[i]
        assert detector.scores([texts[i], "Thank you very much, it is great to be here.", texts[i]])[0] == forward[i]
