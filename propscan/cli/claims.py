from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Optional

import typer

from propscan.cli._app import app
from propscan.errors import InputError

ClaimsModelOption = typer.Option(None, "--claims-model",
                                 help="Claims model folder (default: $PROPSCAN_CLAIMS_MODEL or the shipped one).")


@app.command("claims")
def claims_cli(
    input_path: Path = typer.Argument(..., metavar="FILE.tsv",
                                      help="CheckThat! TSV: a header line, then Sentence_id<TAB>Text[<TAB>...] rows."),
    output: Path = typer.Option(..., "--output", "-o", help="TSV to write: Sentence_id<TAB>class_label (Yes/No)."),
    model: Optional[Path] = ClaimsModelOption,
) -> None:
    """Label each sentence of a CheckThat! file as a check-worthy claim (Yes) or not (No)."""
    from propscan.cli._shared import report_failures
    from propscan.tasks import label_claims

    problems = label_claims(input_path, output, model)
    report_failures(problems, f"all rows were still written to {output} (rows without text as No)")


@app.command("train-claims")
def train_claims_cli(
    data_dir: Path = typer.Argument(..., help="Folder with train.tsv, dev.tsv and dev-test.tsv (CheckThat! format)."),
    output: Path = typer.Option(..., "--output", "-o", help="Claims model folder to write."),
    cv_folds: int = typer.Option(5, "--cv-folds", help="Folds over dev-test.tsv for the nested cross-validation that chooses the recipe and the threshold."),
    folds: Optional[Path] = typer.Option(None, "--folds", help="Fold of each dev-test sentence: read if the file exists, else made (stratified, seeded) and written there (default: OUTPUT/cv_folds.tsv)."),
    blocked: bool = typer.Option(False, "--blocked", help="Make the folds runs of consecutive sentence ids (stretches of a debate kept together, as a new debate would be) instead of stratified random folds."),
    base_checkpoint: Optional[Path] = typer.Option(None, "--base-checkpoint", help="Reuse the train.tsv fine-tune saved here by an earlier run with the same settings, else train it and save it here."),
    seed: int = typer.Option(13, help="Random seed (folds and training)."),
    epochs: float = typer.Option(1.0, help="Epochs of the base fine-tune over train.tsv (fractions allowed)."),
    adapt_epochs: float = typer.Option(3.0, help="Epochs of the continued fine-tune on the dev-test rows of a fold."),
    threads: int = typer.Option(1, help="torch threads (1 is faster on a busy 2-core machine)."),
    encoder: Optional[Path] = typer.Option(None, help="Pretrained encoder folder (default: the packaged MiniLM-L6)."),
    max_rows: Optional[int] = typer.Option(None, help="Train on the first N rows of train.tsv only (smoke runs)."),
    max_steps: Optional[int] = typer.Option(None, help="Stop the base fine-tune after N steps (smoke runs)."),
) -> None:
    """Choose the check-worthiness model's recipe and Yes threshold by nested cross-validation
    over dev-test.tsv, print F1 of the Yes class on folds that neither training nor tuning saw,
    then train the chosen recipe on train.tsv and all of dev-test and export it (ONNX int8)."""
    from propscan.training.claims import ClaimTrainConfig, train_claims

    config = ClaimTrainConfig(encoder=str(encoder or ""), seed=seed, epochs=epochs, threads=threads,
                              max_rows=max_rows, max_steps=max_steps, cv_folds=cv_folds,
                              adapt_epochs=adapt_epochs)
    report = train_claims(data_dir, output, config, log=lambda m: print(m, flush=True),
                          folds_file=folds, base_checkpoint=base_checkpoint, blocked=blocked)
    typer.echo(json.dumps(report, indent=2, default=float))


@app.command("eval-claims")
def eval_claims_cli(
    gold: Path = typer.Argument(..., help="Labelled CheckThat! TSV (Sentence_id, Text, class_label)."),
    threshold: Optional[float] = typer.Option(None, help="Yes threshold (default: the model's)."),
    model: Optional[Path] = ClaimsModelOption,
) -> None:
    """F1 of the Yes class of the claims model on a labelled file."""
    from propscan.claims import default_claims_dir
    from propscan.training.claims import evaluate_claims

    typer.echo(json.dumps(evaluate_claims(model or default_claims_dir(), gold, threshold), default=float))


@app.command("eval-targets")
def eval_targets_cli(
    eval_file: Path = typer.Argument(..., help="TSV: article_id, start, end, technique, target (| between alternatives, or none)."),
    articles_dir: Path = typer.Argument(..., help="Folder of PTC article<ID>.txt files."),
    show: bool = typer.Option(False, "--show", help="Print every span with its gold and found target."),
    threshold: Optional[float] = typer.Option(
        None, min=0.0, max=1.0, help="Abstention threshold of the target ranker (default: the shipped one's)."),
    rules: bool = typer.Option(False, "--rules", help="Score the hand-written rules alone, without the ranker."),
) -> None:
    """Precision and recall of technique targets on a hand-labelled set."""
    from propscan.targets import TargetFinder, evaluate_targets

    if rules and threshold is not None:
        raise InputError("--threshold is the ranker's; --rules runs without it")
    result = evaluate_targets(eval_file, articles_dir, TargetFinder(ranker=not rules, threshold=threshold))
    details = result.pop("details")
    if show:
        for d in details:
            mark = "ok" if d["correct"] else "--"
            print(f"{mark} {d['article_id']} {d['start']}-{d['end']} {d['technique']}: "
                  f"gold {d['gold']!r} found {d['pred']!r}", file=sys.stderr)
    typer.echo(json.dumps(result))


@app.command("eval-voice")
def eval_voice_cli(
    eval_file: Path = typer.Argument(..., help="TSV: article_id, start, end, technique, voice (author/quoted), speaker (| between alternatives, or none)."),
    articles_dir: Path = typer.Argument(..., help="Folder of PTC article<ID>.txt files."),
    show: bool = typer.Option(False, "--show", help="Print every span with its gold and found voice and speaker."),
) -> None:
    """Voice accuracy and speaker precision and recall on a hand-labelled set."""
    from propscan.voice import evaluate_voice

    result = evaluate_voice(eval_file, articles_dir)
    details = result.pop("details")
    if show:
        for d in details:
            mark = "ok" if d["voice"] == d["gold_voice"] and (d["gold_speaker"].lower() == "none"
                                                              or d["speaker_correct"]) else "--"
            print(f"{mark} {d['article_id']} {d['start']}-{d['end']}: gold {d['gold_voice']} "
                  f"{d['gold_speaker']!r} found {d['voice']} {d['speaker']!r}", file=sys.stderr)
    typer.echo(json.dumps(result))
