from __future__ import annotations

import json
from pathlib import Path
from typing import Optional

import typer

from propscan.cli._app import app
from propscan.cli._shared import ModelOption, load_analyzer


@app.command("analyze")
def analyze_cli(
    source: str = typer.Argument("-", help="Text file to analyse, or - for stdin."),
    as_json: bool = typer.Option(False, "--json", help="Print the Analysis as JSON."),
    threshold: float = typer.Option(0.0, "--threshold", "-t", min=0.0, max=1.0,
                                    help="Hide spans below this confidence."),
    model: Optional[Path] = ModelOption,
    claims: bool = typer.Option(False, "--claims", help="Also list check-worthy claims (claims model)."),
    targets: bool = typer.Option(False, "--targets", help="Also find each span's target (needs spaCy: propscan[claims])."),
    rank_claims: bool = typer.Option(False, "--rank-claims", help="With --claims: list claims by priority, "
                                     "what to check first (check-worthiness x persuasion around it; the rule is printed)."),
    voice: bool = typer.Option(False, "--voice", help="Also tell the author's voice from quoted words, and who is quoted (needs spaCy)."),
) -> None:
    """Show the techniques used in one article, highlighted in the terminal."""
    from propscan.io.text import read_article_source
    from propscan.render import render_terminal

    article = read_article_source(source)
    analysis = load_analyzer(model).analyze(article).filtered(threshold)
    if claims or targets or voice:
        from propscan.enrich import compose

        analysis = compose(analysis, [n for n, on in (("claims", claims), ("targets", targets), ("voice", voice)) if on])
    if as_json:
        typer.echo(json.dumps(analysis.to_dict(), ensure_ascii=False, indent=2))
    else:
        render_terminal(analysis)
        if claims or targets or voice:
            from propscan.render_claims import render_claims

            render_claims(analysis, claims=claims, targets=targets, voice=voice, rank=rank_claims)
