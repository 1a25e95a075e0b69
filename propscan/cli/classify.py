from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from propscan.cli._app import app
from propscan.cli._shared import ModelOption, load_analyzer, report_failures


@app.command("classify")
def classify_cli(
    articles_dir: Path = typer.Argument(..., help="Folder of article .txt files."),
    spans: Path = typer.Argument(..., help="TSV of article_id, start, end (optional header line)."),
    output: Path = typer.Option(..., "--output", "-o", help="TSV to write: one row per input span, same order."),
    model: Optional[Path] = ModelOption,
) -> None:
    """Name the technique of each given span (SemEval technique-classification format)."""
    from propscan.tasks import classify

    result = classify(load_analyzer(model), articles_dir, spans, output)
    typer.echo(f"{result.rows} spans classified -> {output}", err=True)
    report_failures(result.failures, f"all {result.rows} rows were still written to {output}")
