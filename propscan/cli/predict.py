from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from propscan.cli._app import app
from propscan.cli._shared import ModelOption, load_analyzer, report_failures


@app.command("predict")
def predict_cli(
    articles_dir: Path = typer.Argument(..., help="Folder of article .txt files."),
    output: Path = typer.Option(..., "--output", "-o", help="TSV to write: article_id, technique, start, end."),
    model: Optional[Path] = ModelOption,
    workers: Optional[int] = typer.Option(None, "--workers", "-w", min=1,
                                          help="Processes analysing articles (default: one per CPU core)."),
) -> None:
    """Detect technique spans in every *.txt of a folder (SemEval span + technique format)."""
    from propscan.tasks import predict

    result = predict(load_analyzer(model), articles_dir, output, workers=workers)
    typer.echo(f"{result.rows} spans in {result.articles} articles -> {output}", err=True)
    report_failures(result.failures, f"results for the other {result.articles} articles are in {output}")
