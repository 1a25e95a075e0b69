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


def _with_weight(detector, folder, weight):
    """A copy of the shipped claims model folder whose config asks for `weight` of TF-IDF."""
    shutil.copytree(detector.path, folder)
    config = json.loads((folder / "config.json").read_text(encoding="utf-8"))
    config["lexical_weight"] = weight
    (folder / "config.json").write_text(json.dumps(config), encoding="utf-8")
    return folder


def test_the_score_is_the_weighted_mean_of_the_two_models(detector, tmp_path):
    # Whatever weight the shipped model has (a retrain may ship 0, or no TF-IDF file): a folder
    # of our own with a TF-IDF part fitted and saved as `propscan train-claims` does, and a
    # weight chosen here, so the mix is always exercised.
    w = 0.4
    mixed = _with_weight(detector, tmp_path / "mixed", w)
    fit_claim_lexical(TEXTS, GOLD, np.ones(len(TEXTS)), C=10.0, min_df=1).save(mixed / LEXICAL_FILE)
    neural_only = _with_weight(detector, tmp_path / "neural", 0.0)
    texts = TEXTS + ["Crime in this city went up 40 percent over the last four years."]
    nn = ClaimDetector(neural_only).scores(texts)
    lex = ClaimLexical.load(mixed / LEXICAL_FILE).scores(texts)
    assert not np.allclose(nn, lex, atol=1e-3)   # else the mix could not tell the two apart
    assert np.allclose(ClaimDetector(mixed).scores(texts), (1 - w) * nn + w * lex, atol=1e-6)
    # the shipped folder mixes by its own weight, its TF-IDF part only when that weight is > 0
    ws = detector.config.lexical_weight
    shipped_lex = ClaimLexical.load(detector.path / LEXICAL_FILE).scores(texts) if ws > 0 else 0.0
    assert np.allclose(detector.scores(texts), (1 - ws) * nn + ws * shipped_lex, atol=1e-6)


def test_a_folder_that_asks_for_the_tfidf_model_without_its_file_is_one_model_error(detector, tmp_path):
    folder = _with_weight(detector, tmp_path / "model", 0.3)
    (folder / LEXICAL_FILE).unlink(missing_ok=True)
    with pytest.raises(ModelError, match=f"missing {LEXICAL_FILE}"):
        ClaimDetector(folder)
