"""The `propscan` command itself: help, module entry point, usage errors."""

from __future__ import annotations

import subprocess
import sys

from tests.cli.conftest import propscan_exe
from tests.conftest import ROOT

COMMANDS = ("analyze", "predict", "classify", "evaluate", "train")


def test_help_lists_every_command(cli):
    res = cli("--help")
    assert res.rc == 0
    for command in COMMANDS:
        assert command in res.out


def test_python_dash_m_propscan_is_the_same_command():
    proc = subprocess.run([sys.executable, "-m", "propscan", "--help"], capture_output=True, text=True,
                          cwd=ROOT, timeout=120)
    assert proc.returncode == 0 and "analyze" in proc.stdout
    assert propscan_exe()


def test_an_unknown_command_is_a_usage_error_without_traceback(cli):
    res = cli("frobnicate")
    assert res.rc == 2
    assert "Traceback" not in res.err and "frobnicate" in res.err


def test_a_missing_argument_is_a_usage_error_without_traceback(cli):
    res = cli("predict")
    assert res.rc == 2
    assert "Traceback" not in res.err and "articles_dir" in res.err.lower()
