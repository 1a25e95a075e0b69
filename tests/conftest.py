"""Shared fixtures: the corpus beside the clone, the shipped model loaded once, text strategies.

The corpus is read from ../shared/data relative to the repository (CI keeps shared/ beside the
clone). When it is absent the tests that need it fail with a message saying so: they never skip.
"""

from __future__ import annotations

from pathlib import Path

import os

import pytest
from hypothesis import settings

# No per-example deadline anywhere: a deadline is a timing assertion, and it fails on a busy
# machine. The property tests draw the same examples on every run (`make test` and CI alike), so
# a run that passed once passes again; a random search that fails one run in fifty is a failing
# test for whoever meets it. PROPSCAN_TEST_EXPLORE=1 draws new examples (to look for bugs; a
# failure found that way becomes an @example).
settings.register_profile("fixed", derandomize=True, print_blob=True, deadline=None)
settings.register_profile("explore", deadline=None, print_blob=True)
settings.load_profile("explore" if os.environ.get("PROPSCAN_TEST_EXPLORE") else "fixed")

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT.parent / "shared" / "data"
PTC = DATA / "ptc"


def _require(path: Path) -> Path:
    if not path.exists():
        pytest.fail(f"corpus data missing: {path} not found. The tests read the PTC corpus from "
                    f"{DATA} (shared/ beside the repository clone, as CI lays it out).", pytrace=False)
    return path


@pytest.fixture(scope="session")
def data_dir() -> Path:
    return _require(DATA)


@pytest.fixture(scope="session")
def ptc_dir(data_dir) -> Path:
    return _require(data_dir / "ptc")


@pytest.fixture(scope="session")
def dev_articles(ptc_dir) -> Path:
    return _require(ptc_dir / "dev" / "articles")


@pytest.fixture(scope="session")
def train_dir(ptc_dir) -> Path:
    return _require(ptc_dir / "train")


@pytest.fixture(scope="session")
def analyzer():
    """The default model (propscan/weights, or $PROPSCAN_MODEL), loaded once for the session."""
    from propscan.analyzer import Analyzer

    return Analyzer()


@pytest.fixture(scope="session")
def tokenizer():
    """The tokenizer of the default model folder (no ONNX sessions needed)."""
    from propscan.runtime import default_model_dir
    from propscan.tokens import load_tokenizer

    path = default_model_dir() / "tokenizer.json"
    if not path.is_file():
        pytest.fail(f"{path} not found: the shipped model is missing from propscan/weights/", pytrace=False)
    return load_tokenizer(path)


