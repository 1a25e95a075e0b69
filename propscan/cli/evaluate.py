from __future__ import annotations

import json
from pathlib import Path
from typing import Optional

import typer

from propscan.cli._app import app
from propscan.cli._shared import ModelOption, load_analyzer, report_failures


@app.command("evaluate")
def evaluate_cli(
    articles_dir: Path = typer.Argument(..., help="Folder of article .txt files."),
    gold: Path = typer.Argument(..., help="Gold TSV: article_id, start, end (SI) or article_id, technique, start, end."),
    as_json: bool = typer.Option(False, "--json", help="Print the measures as JSON."),
    model: Optional[Path] = ModelOption,
) -> None:
    """Run the model on a folder and print the official SemEval-2020 Task 11 measures."""
    from propscan.render import print_evaluation
    from propscan.tasks import evaluate

    ev = evaluate(load_analyzer(model), articles_dir, gold)
    if as_json:
        typer.echo(json.dumps(ev.to_dict(), indent=2))
    else:
        print_evaluation(ev)
    report_failures(ev.failures, "the measures above leave those articles out")
