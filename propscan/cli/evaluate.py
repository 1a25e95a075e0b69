from __future__ import annotations

import json
from pathlib import Path
from typing import Optional

import typer

from propscan.cli._app import app
from propscan.cli._shared import ModelOption, SetOption, load_analyzer, parse_overrides, report_failures


@app.command("evaluate")
def evaluate_cli(
    articles_dir: Path = typer.Argument(..., help="Folder of article .txt files."),
    gold: Path = typer.Argument(..., help="Gold TSV: article_id, start, end (SI) or article_id, technique, start, end."),
    as_json: bool = typer.Option(False, "--json", help="Print the measures as JSON."),
    ids: Optional[Path] = typer.Option(None, "--ids", help="Only the articles whose ids this file lists, one a line "
                                       "(e.g. splits/ptc_train_heldout.txt, the held-out split)."),
    model: Optional[Path] = ModelOption,
    overrides: Optional[list[str]] = SetOption,
) -> None:
    """Run the model on a folder and print the official SemEval-2020 Task 11 measures, the
    shape of the predicted spans beside the annotators', and how well confidences are calibrated.
    A model written by `propscan train` lists the articles it was trained and tuned on: a warning
    says when some of the measured ones are among them (the figures are then in-sample)."""
    from propscan.io.ptc import read_id_list
    from propscan.render import print_evaluation
    from propscan.tasks import evaluate

    ev = evaluate(load_analyzer(model, parse_overrides(overrides)), articles_dir, gold,
                  ids=read_id_list(ids) if ids else None)
    if as_json:
        typer.echo(json.dumps(ev.to_dict(), indent=2))
    else:
        print_evaluation(ev)
    if ev.in_sample:
        typer.echo(f"warning: the model was trained or tuned on {ev.in_sample} of these {ev.articles} articles: "
                   "these figures are in-sample, not an estimate", err=True)
    report_failures(ev.failures, "the measures above leave those articles out")
