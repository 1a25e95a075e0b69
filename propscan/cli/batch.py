from __future__ import annotations

import sys
from pathlib import Path
from typing import List, Optional

import typer

from propscan.cli._app import app
from propscan.cli._shared import ModelOption


@app.command("batch")
def batch_cli(
    inputs: List[Path] = typer.Argument(..., help="Folders of .txt files, .jsonl, .csv or .parquet files."),
    output: Path = typer.Option(..., "--output", "-o", help="Store to write: a DuckDB file, or a folder with --format parquet."),
    fmt: str = typer.Option("auto", "--format", help="duckdb, parquet, or auto (an existing folder is Parquet, anything else DuckDB)."),
    workers: int = typer.Option(1, "--workers", "-w", min=1, help="Worker processes (local) or Ray actors (ray), each loading the model once."),
    engine: str = typer.Option("local", "--engine", help="local (processes on this machine) or ray (Ray Data)."),
    address: Optional[str] = typer.Option(None, "--address", help="Ray cluster address (e.g. ray://head:10001 or auto); default: a local Ray instance."),
    text_column: str = typer.Option("text", "--text-column", help="Column holding the text in CSV and Parquet inputs."),
    commit_every: int = typer.Option(16, "--commit-every", min=1, help="Articles per committed write."),
    no_progress: bool = typer.Option(False, "--no-progress", help="No progress bar."),
    targets: bool = typer.Option(False, "--targets", help="Also store each span's target (needs spaCy: propscan[claims])."),
    voice: bool = typer.Option(False, "--voice", help="Also store each span's voice and speaker (needs spaCy)."),
    model: Optional[Path] = ModelOption,
) -> None:
    """Analyse a corpus into a store. Re-running skips the articles already stored, so an
    interrupted run resumes; bad records are reported and skipped."""
    from propscan.corpus.runner import run_batch

    def on_bad(b) -> None:
        rid = f" (id {b.article_id})" if b.article_id else ""
        print(f"propscan: skipped {b.where}{rid}: {b.reason}", file=sys.stderr)

    s = run_batch(inputs, output, fmt=fmt, workers=workers, engine=engine, address=address, model=model,
                  commit_every=commit_every, text_column=text_column,
                  progress=not no_progress and sys.stderr.isatty(), on_bad=on_bad,
                  layers=[n for n, on in (("targets", targets), ("voice", voice)) if on])
    typer.echo(f"{s.written} article(s) analysed and stored, {s.skipped} already in the store, "
               f"{len(s.bad)} bad record(s) skipped; {s.total} record(s) in {s.seconds:.1f}s "
               f"→ {s.store} (run {s.run_id}, model {s.model_version})")
