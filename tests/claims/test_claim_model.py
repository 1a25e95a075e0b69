"""The shipped check-worthiness model on the real CheckThat! 2024 English data."""

from __future__ import annotations

import json

from propscan.io.checkworthy import read_claim_file
from propscan.training.claims import f1_yes


def test_shipped_model_reaches_the_issue_floor_on_dev_test(detector, checkworthy_dir):
    rows = [r for r in read_claim_file(checkworthy_dir / "dev-test.tsv", with_labels=True).rows if r.ok]
    assert len(rows) == 318
    pred = detector.predict([r.text for r in rows])
    score = f1_yes([r.label == "Yes" for r in rows], pred)
    assert score["f1"] >= 0.75, score


def test_model_folder_records_its_threshold_version_and_figures(detector):
    config = json.loads((detector.path / "config.json").read_text(encoding="utf-8"))
    assert 0.0 < config["threshold"] < 1.0
    assert config["version"].startswith("propscan-claims-")
    figures = config["metrics"]
    assert figures["tuned_on_dev"]["dev_test"]["f1"] >= 0.75
    assert figures["tuned_on_dev_test"]["dev_test_cross_validated"]["f1_mean"] >= 0.75
    assert (detector.path / "claims.onnx").stat().st_size < 25 * 1024 * 1024


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
    batch = detector.scores(texts, batch=2)
    single = [float(detector.scores([t])[0]) for t in texts]
    # Dynamic int8 quantises activations per batch, so padding moves scores a little; order must hold.
    assert all(abs(float(b) - s) < 0.01 for b, s in zip(batch, single)), (batch, single)
    assert batch[0] > 0.5 > batch[1] and batch[3] > 0.5 > batch[2]
