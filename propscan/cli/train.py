from __future__ import annotations

import json
from pathlib import Path
from typing import Optional

import typer

from propscan.cli._app import app


@app.command("train")
def train_cli(
    train_dir: Path = typer.Argument(..., help="PTC training split: articles/ and labels.tsv."),
    output: Path = typer.Option(..., "--output", "-o", help="Model folder to write."),
    dev_dir: Optional[Path] = typer.Option(None, "--dev", help="PTC dev split (articles/, spans.tsv): SI is measured on it at the end; nothing is tuned on it."),
    holdout: Optional[Path] = typer.Option(None, "--holdout", help="File of article ids (one a line) that training and tuning never see, e.g. splits/ptc_train_heldout.txt."),
    tune_folds: int = typer.Option(3, "--tune-folds", help="Fold models whose out-of-fold scores choose decoding, calibration and the Repetition detector (0: defaults, no tuning)."),
    reference: Optional[Path] = typer.Option(None, "--reference", help="Unlabelled text no model saw (a TSV with a Text column, e.g. the CheckThat! train.tsv, or a folder of .txt files): puts the shipped tagger on the scale its thresholds were chosen on."),
    work: Optional[Path] = typer.Option(None, "--work", help="Keep the fold models here (a rerun resumes from them); default: a temporary folder."),
    precision: str = typer.Option("auto", "--precision", help="auto (bf16 autocast only where the CPU has AMX or AVX-512 BF16), bf16 or fp32."),
    seed: int = typer.Option(13, help="Random seed."),
    version: Optional[str] = typer.Option(None, "--version", help="Model version written to config.json (default: propscan-minilm-DATE-seedSEED)."),
    tagger_epochs: int = typer.Option(4, help="Epochs for the span tagger."),
    classifier_epochs: int = typer.Option(3, help="Epochs for the technique classifier."),
    attention_dropout: Optional[float] = typer.Option(None, "--attention-dropout", min=0.0, max=0.9,
                                                      help="Dropout on the attention weights (default: the encoder's "
                                                           "own, 0.1). 0 trains about 13% faster here, with worse "
                                                           "held-out figures (MODEL_CARD.md)."),
    train_stride: Optional[int] = typer.Option(None, "--train-stride", min=1, max=254,
                                               help="Stride of the tagger's training windows of 254 pieces "
                                                    "(default: 192, the analyzer's; 254: no overlap, "
                                                    "about a fifth fewer windows)."),
    freeze_layers: int = typer.Option(0, "--freeze-layers", min=0, max=5,
                                      help="Keep the tagger's embeddings and this many bottom encoder layers "
                                           "pretrained and encode them once per window (default 0: all "
                                           "layers train; 3 made a tagger step 2.3x shorter on an AVX2-only CPU, after one pass of "
                                           "the windows through them; "
                                           "worse on the held-out split: MODEL_CARD.md)."),
    encoder: Optional[Path] = typer.Option(None, help="Pretrained encoder folder (default: the packaged MiniLM-L6)."),
    max_articles: Optional[int] = typer.Option(None, help="Train on the first N articles only (smoke tests)."),
    max_steps: Optional[int] = typer.Option(None, help="Stop each network after N steps (smoke tests)."),
    cv: int = typer.Option(0, "--cv", help="Instead of training, report TC micro-F1 by N-fold grouped cross-validation."),
) -> None:
    """Fine-tune the span tagger and technique classifier and export them to ONNX."""
    from propscan.training.train import TrainConfig, cross_validate_classifier, train

    if precision not in ("auto", "bf16", "fp32"):
        raise typer.BadParameter("--precision is auto, bf16 or fp32")
    if version is not None and not version.strip():
        raise typer.BadParameter("--version needs a name, e.g. propscan-minilm-20261201-seed13")
    config = TrainConfig(encoder=str(encoder or ""), seed=seed, tagger_epochs=tagger_epochs,
                         classifier_epochs=classifier_epochs, max_articles=max_articles, max_steps=max_steps,
                         tune_folds=tune_folds, bf16=None if precision == "auto" else precision == "bf16",
                         attention_dropout=attention_dropout, train_stride=train_stride,
                         freeze_layers=freeze_layers)
    if cv:
        result = cross_validate_classifier(train_dir, cv, config, holdout=holdout)
        output.mkdir(parents=True, exist_ok=True)
        (output / "cv.json").write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
        return
    report = train(train_dir, output, dev_dir, config, holdout=holdout, work=work, reference=reference,
                   version=version)
    typer.echo(f"model written to {output} in {report.seconds:.0f}s")
