"""The FastAPI application: `create_app(settings)` wires the model, the store, the API, the pages.

The model loads once, here, when the app is created (that is, at server start-up).
"""

from __future__ import annotations

import asyncio
import importlib
import logging
import threading
from concurrent.futures import ThreadPoolExecutor
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any, Callable

from propscan.enrich import Resources
from propscan.server.guard import RequestGuard
from propscan.server.problems import AnalysisTimeout
from propscan.server.scheduler import FairScheduler
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
    """ASGI middleware: refuse request bodies over `limit` bytes with 413, before parsing them,
    and bodies that take more than `timeout` seconds to arrive with 408 (slow senders would
    otherwise hold a connection and its buffers forever).

    It checks Content-Length first, then counts what actually arrives (chunked uploads too).
    """

    def __init__(self, app, limit: int, timeout: float | None = None):
        self.app = app
        self.limit = limit
        self.timeout = timeout

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
        loop = asyncio.get_running_loop()
        deadline = loop.time() + self.timeout if self.timeout else None
        while True:
            try:
                message = await (asyncio.wait_for(receive(), max(0.0, deadline - loop.time()))
                                 if deadline is not None else receive())
            except asyncio.TimeoutError:
                return await self._reply(send, 408, "body_timeout",
                                         f"the request body did not arrive within {self.timeout:g} s")
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
    """What the routes share: settings, the analyzer, the store, the analysis slots and the
    fetch threads.

    Analyses run on the fair scheduler's `analysis_slots` threads, in pieces of at most
    `piece_chars` characters (propscan.longtext): requests waiting for a slot wait in its queue
    without holding any of the server's request threads, and a small request waits for at most
    one piece of a big one. URL fetches run on their own `fetch_slots` threads, so slow sites
    never hold the threads that the other routes (health checks, pages) run on. `close()` (the
    app's shutdown) stops both; `open()` (its start-up) starts them again.

    The claims model and spaCy's pipeline (for the `claims` and `targets` options) load lazily,
    on the first request that needs them, once per app; later requests reuse them.
    """

    def __init__(self, settings: Settings, analyzer, store):
        self.settings = settings
        self.analyzer = analyzer
        self.store = store
        self._lock = threading.Lock()
        self.scheduler: FairScheduler | None = None
        self.fetch_pool: ThreadPoolExecutor | None = None
        self.open()
        self.enrichment = Resources()
        self._spacy_logged = False

    def open(self) -> None:
        with self._lock:
            if self.scheduler is None:
                self.scheduler = FairScheduler(self.settings.analysis_slots)
            if self.fetch_pool is None:
                self.fetch_pool = ThreadPoolExecutor(max(1, self.settings.fetch_slots), "propscan-fetch")

    def close(self) -> None:
        """Stop the analysis slots (queued analyses fail) and the fetch threads. Idempotent."""
        with self._lock:
            scheduler, pool = self.scheduler, self.fetch_pool
            self.scheduler = self.fetch_pool = None
        if scheduler is not None:
            scheduler.close()
        if pool is not None:
            pool.shutdown(wait=False, cancel_futures=True)

    async def analyse(self, article, run: Callable[[Any], Any]):
        """`run(piece)` for each piece of the article, on the analysis slots, put back together;
        AnalysisTimeout past `analysis_timeout` seconds."""
        from propscan import longtext

        parts = longtext.pieces(article, self.settings.piece_chars) or [(0, article)]   # blank: run refuses it

        def combine(results: list) -> Any:
            if len(results) == 1:
                return results[0]   # one piece: exactly the Analyzer's own result
            return longtext.merge(article, zip((offset for offset, _ in parts), results))

        limit = self.settings.analysis_timeout
        scheduler = self.scheduler
        if scheduler is None:
            raise RuntimeError("the server is shutting down")
        future = scheduler.submit([piece for _, piece in parts], run, sizes=[len(p.text) for _, p in parts],
                                  combine=combine, time_limit=limit)
        try:
            return await asyncio.wait_for(asyncio.wrap_future(future), timeout=limit)
        except asyncio.TimeoutError:
            future.cancel()
            raise AnalysisTimeout() from None

    async def fetch(self, fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
        """`fn(*args, **kwargs)` on the fetch threads."""
        import functools

        pool = self.fetch_pool
        if pool is None:
            raise RuntimeError("the server is shutting down")
        return await asyncio.get_running_loop().run_in_executor(pool, functools.partial(fn, *args, **kwargs))

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
        docs_url=None, redoc_url=None, openapi_url="/openapi.json", lifespan=_lifespan,
    )
    app.state.propscan = State(settings, analyzer, Store(settings.db_path))
    handlers.install_error_handlers(app)
    app.include_router(api.router)
    app.include_router(pages.router)
    app.mount("/static", StaticFiles(directory=STATIC_DIR), name="static")
    _include_optional(app, "propscan.server.dashboard")
    app.add_middleware(BodyLimit, limit=settings.max_body_bytes, timeout=settings.body_timeout)
    app.add_middleware(RequestGuard, allowed_hosts=settings.host_names())   # before any body is read
    app.add_middleware(SecurityHeaders)
    return app


@asynccontextmanager
async def _lifespan(app):
    """The analysis slots and fetch threads live as long as the app is served."""
    state = app.state.propscan
    state.open()
    try:
        yield
    finally:
        state.close()


def _include_optional(app, module: str) -> None:
    """Include `module.router` if that module exists (e.g. the corpus dashboard at /corpus)."""
    try:
        mod = importlib.import_module(module)
    except ModuleNotFoundError as e:
        if e.name == module:
            return
        raise
    app.include_router(mod.router)


def uvicorn_config(app, settings: Settings, **overrides):
    """How `propscan serve` runs the app on uvicorn (tests start real servers the same way)."""
    import uvicorn

    from propscan.server.protocol import with_header_timeout

    options = dict(host=settings.host, port=settings.port, log_level="info", proxy_headers=False,
                   server_header=False, timeout_keep_alive=5, limit_concurrency=1000,
                   http=with_header_timeout(settings.header_timeout))
    return uvicorn.Config(app, **{**options, **overrides})


def listen(host: str, port: int):
    """A socket listening on host:port, for uvicorn to serve. Opened before the model loads, so
    that a port in use fails at once with one line; port 0 takes a free port. It listens from
    here on: a client that connects as soon as the start line is printed waits, never refused."""
    import socket

    from propscan.errors import InputError, ListenError

    name = host.strip().strip("[]")   # "[::1]" as written in URLs
    if not name:
        raise InputError("--host is empty: give an address, e.g. 127.0.0.1 (this machine only) "
                         "or 0.0.0.0 (every interface)")
    sock = None
    try:   # a name that does not resolve (gaierror is an OSError) or a port in use: one message
        family, kind, proto, _, address = socket.getaddrinfo(name, port, type=socket.SOCK_STREAM,
                                                             flags=socket.AI_PASSIVE)[0]
        sock = socket.socket(family, kind, proto)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)   # as uvicorn does: restarts reuse the port
        sock.bind(address)
        sock.listen(2048)
    except (OSError, UnicodeError) as e:
        if sock is not None:
            sock.close()
        raise ListenError(f"cannot listen on {host}:{port}: {getattr(e, 'strerror', None) or e}") from None
    return sock


def serve(settings: Settings, announce: Callable[[str], None] | None = None) -> None:
    """Open the port, load the model, then serve on uvicorn until interrupted; `announce` (the
    server's log by default) gets the address served: with port 0, the only place that says which."""
    import uvicorn

    sock = listen(settings.host, settings.port)
    try:
        app = create_app(settings)
        try:
            host, port = sock.getsockname()[:2]
            shown = f"[{host}]" if ":" in host else host
            (announce or logging.getLogger("propscan.server").info)(f"propscan: serving on http://{shown}:{port}")
            uvicorn.Server(uvicorn_config(app, settings)).run(sockets=[sock])
        finally:
            app.state.propscan.close()
    finally:
        sock.close()
