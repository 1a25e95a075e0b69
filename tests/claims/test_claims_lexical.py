"""The TF-IDF model that votes with the neural claims model: its file, its share of the score,
and a folder that asks for it without holding it."""

from __future__ import annotations

import json
import shutil

import numpy as np
import pytest

from propscan.claims import LEXICAL_FILE, ClaimDetector
from propscan.claims_lexical import ClaimLexical, fit_claim_lexical
from propscan.errors import ModelError

TEXTS = ["Unemployment fell to 5 percent last year.", "We spent $6 trillion on the war.",
         "Thank you, it is great to be here.", "I think we can do better.", "Taxes went up 40 percent.",
         "What a beautiful evening.", "He voted for the bill in 2003.", "Let me answer that."]
GOLD = [True, True, False, False, True, False, True, False]


def test_a_fitted_model_survives_its_file_and_scores_each_text_alone(tmp_path):
    model = fit_claim_lexical(TEXTS, GOLD, np.ones(len(TEXTS)), C=10.0, min_df=1)
    scores = model.scores(TEXTS)
    assert scores[np.array(GOLD)].min() > scores[~np.array(GOLD)].max()
    model.save(tmp_path / "lex.npz")
    again = ClaimLexical.load(tmp_path / "lex.npz")
    assert np.allclose(again.scores(TEXTS), scores, atol=1e-3)
    for i, t in enumerate(TEXTS):
        assert again.scores([t])[0] == again.scores(TEXTS[::-1])[len(TEXTS) - 1 - i]
    assert 0 < again.scores([""])[0] < 1 and len(again.scores([])) == 0


def test_shipped_score_is_the_weighted_mean_of_the_two_models(detector, tmp_path):
    w = detector.config.lexical_weight
    if w == 0:
        pytest.skip("the shipped claims model has no TF-IDF part")
    neural_only = tmp_path / "neural"
    shutil.copytree(detector.path, neural_only)
    config = json.loads((neural_only / "config.json").read_text(encoding="utf-8"))
    config["lexical_weight"] = 0.0
    (neural_only / "config.json").write_text(json.dumps(config), encoding="utf-8")
    texts = TEXTS + ["Crime in this city went up 40 percent over the last four years."]
    nn = ClaimDetector(neural_only).scores(texts)
    lex = ClaimLexical.load(detector.path / LEXICAL_FILE).scores(texts)
    assert np.allclose(detector.scores(texts), (1 - w) * nn + w * lex, atol=1e-6)


def test_a_folder_that_asks_for_the_tfidf_model_without_its_file_is_one_model_error(detector, tmp_path):
    folder = tmp_path / "model"
    shutil.copytree(detector.path, folder)
    config = json.loads((folder / "config.json").read_text(encoding="utf-8"))
    config["lexical_weight"] = 0.3
    (folder / "config.json").write_text(json.dumps(config), encoding="utf-8")
    (folder / LEXICAL_FILE).unlink(missing_ok=True)
    with pytest.raises(ModelError, match=f"missing {LEXICAL_FILE}"):
        ClaimDetector(folder)
