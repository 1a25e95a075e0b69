"""The web page and REST API (`propscan serve`). Needs the `serve` extra.

`create_app(settings)` builds the FastAPI app; `serve(settings)` runs it on uvicorn.
"""

from __future__ import annotations

from propscan.server.settings import Settings

__all__ = ["Settings", "create_app", "serve"]


def create_app(settings: Settings | None = None, analyzer=None):
    from propscan.server.app import create_app as _create_app

    return _create_app(settings, analyzer)


def serve(settings: Settings, announce=None) -> None:
    from propscan.server.app import serve as _serve

    _serve(settings, announce)
