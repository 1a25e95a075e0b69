from __future__ import annotations

import sys
from pathlib import Path
from typing import Optional

import typer

from propscan.cli._app import app

review_app = typer.Typer(help="Human review with Label Studio: export predictions, import reviewed labels.",
                         no_args_is_help=True)
app.add_typer(review_app, name="review")


@review_app.command("export")
def export_cli(
    store: Path = typer.Argument(..., help="Store written by `propscan batch`."),
    output: Path = typer.Option(Path("tasks.json"), "--output", "-o", help="Label Studio tasks file to write."),
    min_confidence: float = typer.Option(0.0, "--min-confidence", min=0.0, max=1.0, help="Leave out spans below this confidence."),
    limit: Optional[int] = typer.Option(None, "--limit", min=1, help="Export the N most propagandistic articles only."),
    source: Optional[str] = typer.Option(None, "--source", help="Only articles of this source."),
    technique: Optional[str] = typer.Option(None, "--technique", help="Only articles with this technique."),
) -> None:
    """Export predictions as Label Studio tasks with pre-annotations, and the labelling config."""
    from propscan.corpus.review import export_tasks

    r = export_tasks(store, output, min_confidence=min_confidence, limit=limit, source=source, technique=technique)
    typer.echo(f"{r.tasks} task(s) with {r.regions} pre-annotated span(s) written to {r.path}; "
               f"labelling config: {r.config_path}")


@review_app.command("import")
def import_cli(
    annotations: Path = typer.Argument(..., help="Label Studio JSON export of the reviewed tasks."),
    output: Path = typer.Option(..., "--output", "-o", help="PTC folder to write (articles/ and labels.tsv) for `propscan train`."),
) -> None:
    """Turn reviewed Label Studio annotations into PTC-format training data."""
    from propscan.corpus.review import import_annotations

    r = import_annotations(annotations, output)
    for where, reason in r.skipped:
        print(f"propscan: skipped {where}: {reason}", file=sys.stderr)
    typer.echo(f"{r.articles} reviewed article(s), {r.spans} labelled span(s) written to {r.folder}")
