"""Drive the real `propscan` entry point (the console script of the active venv) in a
subprocess, as a user would."""

from __future__ import annotations

import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from tests.conftest import ROOT


def propscan_exe() -> str:
    exe = shutil.which("propscan", path=str(Path(sys.executable).parent))
    if exe is None:
        pytest.fail(f"no `propscan` console script beside {sys.executable}: pip install -e . first",
                    pytrace=False)
    return exe


@dataclass
class Result:
    rc: int
    out: str
    err: str


def run_propscan(*args, input: str | bytes | None = None, timeout: int = 600) -> Result:
    data = input.encode("utf-8") if isinstance(input, str) else input
    proc = subprocess.run([propscan_exe(), *map(str, args)], input=data if data is not None else b"",
                          capture_output=True, cwd=ROOT, timeout=timeout)
    return Result(proc.returncode, proc.stdout.decode("utf-8"), proc.stderr.decode("utf-8"))


def assert_clean_failure(res: Result, *needles: str, rc: int | None = None) -> list[str]:
    """Non-zero exit, no traceback, every stderr line a `propscan: ...` line; returns the
    error lines (those starting `propscan: error:`) after checking each names what it should."""
    assert res.rc != 0, res
    if rc is not None:
        assert res.rc == rc, res
    assert "Traceback" not in res.err and "Traceback" not in res.out, res.err
    errors = [line for line in res.err.splitlines() if line.startswith("propscan: error:")]
    assert errors, res.err
    for needle in needles:
        assert any(needle in line for line in errors), (needle, res.err)
    return errors


@pytest.fixture
def cli():
    return run_propscan


@pytest.fixture
def three_dev_articles(tmp_path, dev_articles):
    """A folder with the first three dev articles."""
    folder = tmp_path / "articles"
    folder.mkdir()
    for path in sorted(dev_articles.glob("article*.txt"))[:3]:
        shutil.copy(path, folder / path.name)
    return folder
