"""The Typer app the command modules register on (below them, so none imports the package
that imports it)."""

from __future__ import annotations

import typer

app = typer.Typer(
    name="propscan",
    help="Find propaganda techniques in news articles, offline.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)
