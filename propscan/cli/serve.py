from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from propscan.cli._app import app
from propscan.cli._shared import ModelOption


@app.command("serve")
def serve_cli(
    host: str = typer.Option("127.0.0.1", "--host", help="Address to listen on (loopback by default; "
                                                         "the server has no authentication)."),
    port: int = typer.Option(8000, "--port", "-p", min=0, max=65535,
                             help="TCP port (0: any free port; the line printed at start names it)."),
    db: Optional[Path] = typer.Option(None, "--db", help="SQLite file for saved analyses "
                                                         "(default: $PROPSCAN_DB or ~/.local/share/propscan/analyses.db)."),
    max_body: int = typer.Option(2 * 1024 * 1024, "--max-body-bytes", min=1024,
                                 help="Largest request body accepted; larger ones get 413."),
    allow_private_urls: bool = typer.Option(False, "--allow-private-urls",
                                            help="Allow fetching URLs on loopback, private, link-local or "
                                                 "reserved addresses (intranet use)."),
    fetch_timeout: float = typer.Option(10.0, "--fetch-timeout", min=0.1, help="Seconds allowed to fetch one URL."),
    fetch_max_bytes: int = typer.Option(5 * 1024 * 1024, "--fetch-max-bytes", min=1024,
                                        help="Largest page fetched from a URL."),
    analysis_slots: Optional[int] = typer.Option(None, "--analysis-slots", min=1,
                                                 help="Analyses run at the same time (default: half the CPU cores)."),
    analysis_timeout: float = typer.Option(120.0, "--analysis-timeout", min=0.1,
                                           help="Seconds one analysis may take, waiting for a slot included; "
                                                "past it: 503."),
    allowed_host: Optional[list[str]] = typer.Option(None, "--allowed-host", metavar="NAME",
                                                     help="A host name the server answers to besides loopback "
                                                          "and --host (its public name behind a proxy); repeatable. "
                                                          "Requests for other Host names get 400."),
    model: Optional[Path] = ModelOption,
) -> None:
    """Serve the web page and the REST API (needs the `serve` extra)."""
    from propscan.server.settings import Settings

    try:
        from propscan.server.app import serve
        from propscan.server.guard import LOOPBACK_NAMES, host_name
    except ImportError as e:  # pragma: no cover - depends on the installed extras
        raise typer.BadParameter(f"the server needs the serve extra: pip install 'propscan[serve]' ({e})")
    settings = Settings(host=host, port=port, max_body_bytes=max_body, allow_private_urls=allow_private_urls,
                        fetch_timeout=fetch_timeout, fetch_max_bytes=fetch_max_bytes, model=model,
                        analysis_timeout=analysis_timeout)
    if db is not None:
        settings.db_path = db
    if analysis_slots is not None:
        settings.analysis_slots = analysis_slots
    settings.allowed_hosts = tuple(allowed_host or ())
    if host_name(host) not in LOOPBACK_NAMES:
        typer.echo(f"propscan: warning: listening on {host}; anyone who can reach it can use the server",
                   err=True)
    serve(settings, announce=lambda line: typer.echo(line, err=True))
