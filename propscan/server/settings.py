"""Every setting of the server in one place; docs/server.md documents each of them."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path


def default_db_path() -> Path:
    """$PROPSCAN_DB if set, else $XDG_DATA_HOME/propscan/analyses.db (~/.local/share/...)."""
    if os.environ.get("PROPSCAN_DB"):
        return Path(os.environ["PROPSCAN_DB"])
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return Path(base) / "propscan" / "analyses.db"


@dataclass
class Settings:
    host: str = "127.0.0.1"
    """Address to listen on. Loopback by default: the server has no authentication."""
    port: int = 8000
    max_body_bytes: int = 2 * 1024 * 1024
    """Largest request body accepted (JSON or upload); larger ones get 413."""
    db_path: Path = field(default_factory=default_db_path)
    """SQLite file where every analysis is saved (created with its folder if missing)."""
    allow_private_urls: bool = False
    """Allow fetching URLs whose host resolves to loopback/private/link-local/reserved addresses."""
    fetch_timeout: float = 10.0
    """Seconds allowed for fetching one URL, all redirects included; past it: 504."""
    fetch_max_bytes: int = 5 * 1024 * 1024
    """Largest page fetched from a URL; a larger one gets 502."""
    max_redirects: int = 5
    model: Path | None = None
    """Model folder; None means $PROPSCAN_MODEL or the model shipped inside the package."""
    analysis_slots: int = max(1, (os.cpu_count() or 1) // 2)
    """How many analyses (pieces of analyses) run at the same time; more wait their turn."""
    analysis_timeout: float = 120.0
    """Seconds an analysis may take, waiting for a slot included; past it: 503."""
    piece_chars: int = 10_000
    """Longer texts are analysed in pieces of at most this many characters, cut at line breaks,
    so a small request waits for at most one piece of a big one (propscan.longtext)."""
    fetch_slots: int = 8
    """URL fetches running at the same time, on their own threads (a slow site never holds the
    threads of the other routes); more wait their turn."""
    header_timeout: float = 10.0
    """Seconds a connection may take to send a request's headers (idle new connections too);
    past it the connection is closed."""
    body_timeout: float = 60.0
    """Seconds a request may take to send its body; past it: 408 and the connection is closed."""
    allowed_hosts: tuple[str, ...] = ()
    """Host names the server answers to besides loopback and `host` (e.g. its public name behind
    a proxy); "*" answers to any. Other Host headers get 400, against DNS rebinding."""

    def host_names(self) -> frozenset[str]:
        from propscan.server.guard import allowed_host_names

        return allowed_host_names(self.host, self.allowed_hosts)
