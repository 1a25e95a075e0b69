from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from propscan.cli._app import app
from propscan.cli._shared import ModelOption


@app.command("bench")
def bench_cli(
    articles_dir: Path = typer.Argument(..., help="Folder of article .txt files (e.g. the PTC dev articles)."),
    baseline: bool = typer.Option(True, help="Also time a BERT-base token classifier in transformers + torch."),
    model: Optional[Path] = ModelOption,
    workers: Optional[int] = typer.Option(None, "--workers", "-w", min=1,
                                          help="Processes for predict (default: one per CPU core)."),
) -> None:
    """Print articles/s and peak memory of `predict` over a folder (and of a BERT-base baseline)."""
    from propscan.bench import run_bench

    run_bench(articles_dir, model, baseline=baseline, workers=workers)
