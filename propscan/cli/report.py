from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from propscan.cli._app import app


@app.command("report")
def report_cli(
    store: Path = typer.Argument(..., help="Store written by `propscan batch` (DuckDB file or Parquet folder)."),
    output: Path = typer.Option(Path("report.html"), "--output", "-o", help="HTML file to write."),
    png_dir: Optional[Path] = typer.Option(None, "--png-dir", help="Folder for the PNG charts (default: <output>_charts/)."),
    title: str = typer.Option("Propaganda techniques in the corpus", "--title", help="Report title."),
) -> None:
    """Write a self-contained HTML report with charts (works offline), plus PNG charts."""
    from propscan.corpus.report import build_report

    r = build_report(store, output, png_dir, title)
    typer.echo(f"report of {r.articles} article(s) written to {r.html_path}; "
               f"{len(r.png_paths)} PNG chart(s) in {r.png_paths[0].parent if r.png_paths else '-'}")
