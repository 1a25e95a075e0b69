"""Options and helpers shared by several commands."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Optional

import typer

ModelOption = typer.Option(None, "--model", "-m", help="Model folder (default: $PROPSCAN_MODEL or the shipped model).")


SetOption = typer.Option(None, "--set", help="KEY=JSON: replace an entry of the model's config.json in memory, "
                         "e.g. --set techniques=null (the span-classifier pipeline). Repeatable.")


def parse_overrides(items: Optional[list[str]]) -> dict | None:
    import json

    from propscan.errors import InputError

    out = {}
    for item in items or []:
        key, sep, value = item.partition("=")
        try:
            if not sep or not key:
                raise ValueError("no '='")
            out[key.strip()] = json.loads(value)
        except ValueError as e:
            raise InputError(f"--set {item!r}: expected KEY=JSON ({e})") from None
    return out or None


def load_analyzer(model: Optional[Path], overrides: dict | None = None):
    from propscan.analyzer import Analyzer

    return Analyzer(model, overrides=overrides)


def report_failures(failures: list[str], total_label: str) -> None:
    """Print one line per failure on stderr and exit 1 if there were any (results are written)."""
    for line in failures:
        print(f"propscan: error: {line}", file=sys.stderr)
    if failures:
        print(f"propscan: {len(failures)} problem(s); {total_label}", file=sys.stderr)
        raise typer.Exit(1)
