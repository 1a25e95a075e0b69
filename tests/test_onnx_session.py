"""Opening model folders and ONNX Runtime sessions: one clear ModelError for a bad folder or file."""

from __future__ import annotations

import shutil

import pytest

from propscan.claims import DEFAULT_CLAIMS_DIR, ClaimDetector
from propscan.errors import ModelError
from propscan.onnx_session import open_session, require_files


def test_a_folder_missing_files_names_them_and_the_command_that_makes_one(tmp_path):
    (tmp_path / "config.json").write_text("{}")
    with pytest.raises(ModelError, match=r"missing tokenizer.json, claims.onnx\); train one with "
                                         r"`propscan train-claims` or unset PROPSCAN_CLAIMS_MODEL"):
        require_files(tmp_path, ("config.json", "tokenizer.json", "claims.onnx"), what="claims model",
                      train="propscan train-claims", env="PROPSCAN_CLAIMS_MODEL")
    assert require_files(tmp_path, ("config.json",), what="model", train="t", env="E") == tmp_path


def test_a_corrupt_onnx_file_is_a_model_error_not_a_runtime_traceback(tmp_path):
    bad = tmp_path / "claims.onnx"
    bad.write_bytes(b"not a graph")
    with pytest.raises(ModelError, match="ONNX Runtime cannot load it"):
        open_session(bad)


def test_the_claims_model_loads_through_the_shared_loader_and_a_broken_copy_fails_cleanly(tmp_path):
    session = open_session(DEFAULT_CLAIMS_DIR / "claims.onnx", intra_threads=1)
    assert {i.name for i in session.get_inputs()} == {"input_ids", "attention_mask"}
    copy = tmp_path / "claims"
    shutil.copytree(DEFAULT_CLAIMS_DIR, copy)
    (copy / "claims.onnx").write_bytes(b"\0" * 16)
    with pytest.raises(ModelError, match="claims.onnx"):
        ClaimDetector(copy)
