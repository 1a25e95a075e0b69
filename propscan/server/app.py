"""The FastAPI application: `create_app(settings)` wires the model, the store, the API, the pages.

The model loads once, here, when the app is created (that is, at server start-up).
"""

from __future__ import annotations

import importlib
import logging
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

from propscan.enrich import Resources
from propscan.server.settings import Settings

log = logging.getLogger("propscan.server")

STATIC_DIR = Path(__file__).parent / "static"

SECURITY_HEADERS = [
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"no-referrer"),
    (b"x-frame-options", b"DENY"),
    (b"cross-origin-opener-policy", b"same-origin"),
    (b"content-security-policy",
     b"default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
     b"connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"),
]


class BodyLimit:
    """ASGI middleware: refuse request bodies over `limit` bytes with 413, before parsing them.

    It checks Content-Length first, then counts what actually arrives (chunked uploads too).
    """

    def __init__(self, app, limit: int):
        self.app = app
        self.limit = limit

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http" or scope["method"] in ("GET", "HEAD", "OPTIONS"):
            return await self.app(scope, receive, send)
        declared = dict(scope.get("headers") or []).get(b"content-length")
        if declared is not None:
            try:
                if int(declared) > self.limit:
                    return await self._too_large(send)
            except ValueError:
                return await self._reply(send, 400, "bad_request", "invalid Content-Length header")
        body = bytearray()
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            body += message.get("body", b"")
            if len(body) > self.limit:
                return await self._too_large(send)
            if not message.get("more_body", False):
                break
        replayed = False

        async def replay():
            nonlocal replayed
            if not replayed:
                replayed = True
                return {"type": "http.request", "body": bytes(body), "more_body": False}
            return await receive()

        return await self.app(scope, replay, send)

    async def _too_large(self, send):
        await self._reply(send, 413, "too_large",
                          f"the request body is larger than the limit of {self.limit} bytes")

    @staticmethod
    async def _reply(send, status: int, code: str, message: str):
        import json

        from propscan.server.problems import error_body

        payload = json.dumps(error_body(status, code, message)).encode()
        await send({"type": "http.response.start", "status": status,
                    "headers": [(b"content-type", b"application/json"),
                                (b"content-length", str(len(payload)).encode()),
                                (b"connection", b"close"), *SECURITY_HEADERS]})
        await send({"type": "http.response.body", "body": payload})


class SecurityHeaders:
    """ASGI middleware adding CSP and friends to every response that lacks them."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)

        async def send_with_headers(message):
            if message["type"] == "http.response.start":
                present = {k.lower() for k, _ in message.get("headers", [])}
                extra = [(k, v) for k, v in SECURITY_HEADERS if k not in present]
                message = {**message, "headers": [*message.get("headers", []), *extra]}
            await send(message)

        return await self.app(scope, receive, send_with_headers)


class State:
    """What the routes share: settings, the analyzer, the store, and the analysis workers.

    Analyses run on their own small thread pool (`analysis_slots` threads): requests waiting
    for a slot wait in its queue without holding any of the server's request threads, so
    waiting never starves the rest of the server (health checks, pages, response encoding).

    The claims model and spaCy's pipeline (for the `claims` and `targets` options) load lazily,
    on the first request that needs them, once per app; later requests reuse them.
    """

    def __init__(self, settings: Settings, analyzer, store):
        self.settings = settings
        self.analyzer = analyzer
        self.store = store
        self.analysis_pool = ThreadPoolExecutor(max_workers=max(1, settings.analysis_slots),
                                                thread_name_prefix="propscan-analysis")
        self.enrichment = Resources()
        self._spacy_logged = False

    def claim_detector(self):
        """The claims model (propscan.claims.ClaimDetector), loaded on first use."""
        return self.enrichment.claim_detector()

    def has_spacy(self) -> bool:
        """Whether spaCy and its English pipeline load (checked once)."""
        ok = self.enrichment.has_spacy()
        if not ok and not self._spacy_logged:
            self._spacy_logged = True
            log.warning("spaCy is not available, so the targets option is refused: %s",
                        self.enrichment.spacy_problem)
        return ok


def create_app(settings: Settings | None = None, analyzer=None):
    """The whole server as an ASGI app. Pass `analyzer` to share one already loaded."""
    from fastapi import FastAPI
    from fastapi.staticfiles import StaticFiles

    from propscan.server import api, handlers, pages
    from propscan.server.store import Store

    settings = settings or Settings()
    if analyzer is None:
        from propscan.analyzer import Analyzer

        analyzer = Analyzer(settings.model)
    app = FastAPI(
        title="propscan",
        version="1",
        summary="Find propaganda techniques (the 14 PTC / SemEval-2020 Task 11 techniques) in news text.",
        description="Analyse an article given as text, as an uploaded file or as a URL; every analysis "
                    "is saved and gets a permalink. Errors are JSON: "
                    '`{"error": {"status", "code", "message"}}`.',
        docs_url=None, redoc_url=None, openapi_url="/openapi.json",
    )
    app.state.propscan = State(settings, analyzer, Store(settings.db_path))
    handlers.install_error_handlers(app)
    app.include_router(api.router)
    app.include_router(pages.router)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    _include_optional(app, "propscan.server.dashboard")
    app.add_middleware(BodyLimit, limit=settings.max_body_bytes)
    app.add_middleware(SecurityHeaders)
    return app


def _include_optional(app, module: str) -> None:
    """Include `module.router` if that module exists (e.g. the corpus dashboard at /corpus)."""
    try:
        mod = importlib.import_module(module)
    except ModuleNotFoundError as e:
        if e.name == module:
            return
        raise
    app.include_router(mod.router)


def serve(settings: Settings) -> None:
    """Load the model, then serve on uvicorn until interrupted."""
    import uvicorn

    app = create_app(settings)
    uvicorn.run(app, host=settings.host, port=settings.port, log_level="info",
                proxy_headers=False, server_header=False, timeout_keep_alive=5,
                limit_concurrency=1000)
