"""Options and helpers shared by several commands."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Optional

import typer

ModelOption = typer.Option(None, "--model", "-m", help="Model folder (default: $PROPSCAN_MODEL or the shipped model).")


def load_analyzer(model: Optional[Path]):
    from propscan.analyzer import Analyzer

    return Analyzer(model)


def report_failures(failures: list[str], total_label: str) -> None:
    """Print one line per failure on stderr and exit 1 if there were any (results are written)."""
    for line in failures:
        print(f"propscan: error: {line}", file=sys.stderr)
    if failures:
        print(f"propscan: {len(failures)} problem(s); {total_label}", file=sys.stderr)
        raise typer.Exit(1)
