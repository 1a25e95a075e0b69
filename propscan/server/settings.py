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
    """How many analyses run at the same time; more requests wait their turn."""
    allowed_hosts: tuple[str, ...] = ()
    """Host names the server answers to besides loopback and `host` (e.g. its public name behind
    a proxy); "*" answers to any. Other Host headers get 400, against DNS rebinding."""

    def host_names(self) -> frozenset[str]:
        from propscan.server.guard import allowed_host_names

        return allowed_host_names(self.host, self.allowed_hosts)
