"""runtime.Model: the one interface over the shipped ONNX weights. Overrides stay in memory,
threads stop on close, a folder without its files is one ModelError, and the tagger's outputs
have the documented shape."""

from __future__ import annotations

import hashlib
import shutil
import threading

import numpy as np
import pytest

from propscan.errors import ModelError
from propscan.runtime import REQUIRED, Model, ModelConfig, default_model_dir


def digest(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_overrides_change_the_config_in_memory_and_never_on_disk():
    path = default_model_dir() / "config.json"
    before = digest(path)
    with Model(threads=1, overrides={"stride": 64, "techniques": None}) as m:
        assert m.config.stride == 64 and not m.per_technique
    assert digest(path) == before
    assert ModelConfig.read(path, {"stride": 64}).stride == 64


def test_close_stops_the_thread_pool_and_the_context_manager_closes():
    def onnx_threads() -> int:
        return sum(t.name.startswith("propscan-onnx") for t in threading.enumerate())

    before = onnx_threads()
    m = Model(threads=2)
    m.piece_scores("Every true patriot knows the corrupt elites lie. " * 80)   # several windows: uses the pool
    assert onnx_threads() > before
    m.close()
    assert onnx_threads() == before
    with Model(threads=2) as m2:
        m2.piece_scores("They lie. " * 300)
    assert onnx_threads() == before


@pytest.mark.parametrize("missing", REQUIRED)
def test_a_folder_without_a_required_file_is_a_model_error_naming_it(tmp_path, missing):
    for name in REQUIRED:
        if name != missing:
            shutil.copy(default_model_dir() / name, tmp_path / name)
    with pytest.raises(ModelError, match=missing):
        Model(tmp_path)


def test_a_model_without_a_span_classifier_loads_but_cannot_classify(tmp_path):
    for p in default_model_dir().iterdir():
        if p.name != "classifier.onnx":
            shutil.copy(p, tmp_path / p.name)
    with Model(tmp_path, threads=1) as m:
        assert m.piece_scores("Name calling of the worst kind.")[1].shape[1] == 1 + 2 * len(m.config.labels)
        with pytest.raises(ModelError, match="no span classifier"):
            m.technique_probs(["x"], ["x y"], np.zeros((1, 8), dtype=np.float32))


def test_piece_scores_and_piece_probs_agree_on_the_any_span_output():
    text = "Brave patriots will never surrender to the rotten cabal.\nThe cabal lies."
    with Model(threads=1) as m:
        p, scores = m.piece_scores(text)
        q, probs = m.piece_probs(text)
    assert np.array_equal(p.offsets, q.offsets) and np.allclose(scores[:, 0], probs)
    assert ((scores >= 0) & (scores <= 1)).all()
