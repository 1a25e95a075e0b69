"""Server fixtures: one app (sharing the session's analyzer) for in-process API tests, one real
uvicorn server on a free loopback port, one real headless Chromium, all per session; every
database is a real SQLite file under tmp_path."""

from __future__ import annotations

import socket
import threading
import time
from contextlib import contextmanager
from pathlib import Path

import pytest

from propscan.domain import Analysis, Sentence, Span

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "artifacts"
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]


@pytest.fixture(scope="session")
def make_app(analyzer, tmp_path_factory):
    """create_app with the session's analyzer and a fresh database file; settings overridable."""
    from propscan.server import Settings, create_app

    def make(**overrides):
        db = tmp_path_factory.mktemp("db") / "analyses.db"
        overrides.setdefault("allowed_hosts", ("testserver",))   # the Host header TestClient sends
        return create_app(Settings(db_path=db, **overrides), analyzer=analyzer)

    return make


@pytest.fixture(scope="session")
def app(make_app):
    return make_app()


@pytest.fixture(scope="session")
def client(app):
    from fastapi.testclient import TestClient

    with TestClient(app) as c:
        yield c


@contextmanager
def closed_port():
    """A loopback port that refuses connections for as long as the block runs: it is bound by a
    socket that never listens, so no other process on the machine can take it meanwhile."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        yield s.getsockname()[1]


class LiveServer:
    """uvicorn serving an app on 127.0.0.1 in a background thread."""

    def __init__(self, app):
        import uvicorn

        from propscan.server.app import listen, uvicorn_config

        self.app = app
        # Opened here and handed to uvicorn, as `propscan serve` does, so that no other process
        # can take the port between choosing it and listening on it.
        self.socket = listen("127.0.0.1", 0)
        self.port = self.socket.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        # as `propscan serve` runs it (header time limit included), on a free loopback port
        self.server = uvicorn.Server(uvicorn_config(app, app.state.propscan.settings, host="127.0.0.1",
                                                    port=self.port, log_level="warning", lifespan="off"))
        self.thread = threading.Thread(target=self.server.run, kwargs={"sockets": [self.socket]}, daemon=True)

    def __enter__(self):
        self.thread.start()
        deadline = time.monotonic() + 120   # only bounds a server that never starts
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                self.server.should_exit = True
                self.socket.close()
                raise RuntimeError("the test server did not start")
            time.sleep(0.05)
        return self

    def __exit__(self, *exc):
        self.server.should_exit = True
        self.thread.join(timeout=10)
        self.socket.close()
        self.app.state.propscan.close()


@pytest.fixture(scope="session")
def live_app(make_app):
    return make_app()


@pytest.fixture(scope="session")
def live_server(live_app):
    with LiveServer(live_app) as server:
        yield server


@pytest.fixture(scope="session")
def browser():
    """Debian's chromium driven by Playwright. Missing chromium is a failure, never a skip."""
    if not CHROMIUM.exists():
        pytest.fail(f"{CHROMIUM} not found: the browser tests need Debian's chromium package "
                    "(apt-get install -y chromium; .ci/install-chromium does it)", pytrace=False)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=str(CHROMIUM), args=CHROMIUM_ARGS)
        yield b
        b.close()


BROWSER_WAIT_MS = 120_000
"""Playwright's limit for each wait and action (its default is 30 s): it only bounds how long a
broken page takes to fail, so it is generous enough for an analysis on a busy machine."""


def new_context(browser, **kw):
    context = browser.new_context(**kw)
    context.set_default_timeout(BROWSER_WAIT_MS)
    return context


@pytest.fixture
def page(browser, live_server):
    """A fresh browser page; fails the test on any JavaScript error or dialog (alert, confirm)."""
    context = new_context(browser, base_url=live_server.url, viewport={"width": 1280, "height": 900})
    pg = context.new_page()
    problems: list[str] = []
    pg.on("pageerror", lambda e: problems.append(f"page error: {e}"))
    pg.on("dialog", lambda d: (problems.append(f"dialog opened: {d.message}"), d.dismiss()))
    pg.on("console", lambda m: problems.append(f"console {m.type}: {m.text}") if m.type == "error" else None)
    pg.problems = problems
    yield pg
    context.close()


@pytest.fixture(scope="session")
def artifacts() -> Path:
    ARTIFACTS.mkdir(exist_ok=True)
    return ARTIFACTS


# -- a hand-made analysis with nested and overlapping spans, stored directly ------------------

HOSTILE = ('Breaking: <script>window.__xss = 1</script> the "corrupt elite" betrayed us all.\n'
           'Look: <img src=x onerror="window.__xss = 2"> and <a href="javascript:window.__xss=3">click</a>.\n'
           'Unbalanced <div><b><i>tags</div></table><!-- and a comment --> end </script><script>window.__xss=4</script>.\n'
           'Either we act now or we lose everything forever.')


def hostile_analysis() -> Analysis:
    """Spans chosen by hand: one nested in another, two overlapping, one over markup-like text."""
    text = HOSTILE

    def span(start: int, end: int, technique: str, confidence: float) -> Span:
        return Span(start, end, technique, confidence, text[start:end])

    a = text.index('"corrupt elite"')
    b = text.index("betrayed us all") + len("betrayed us all")
    c = text.index("<script>window.__xss = 1")
    d = text.index("<img")
    e = text.index("</a>") + len("</a>")
    f = text.index("Either")
    g = len(text) - 1
    spans = [
        span(a, b, "Loaded_Language", 0.9),                          # outer
        span(a + 1, a + len('"corrupt elite') , "Name_Calling,Labeling", 0.6),  # nested inside
        span(c, a + 10, "Doubt", 0.3),                               # overlaps the outer's start
        span(d, e, "Appeal_to_fear-prejudice", 0.5),                 # pure markup-looking text
        span(f, g, "Black-and-White_Fallacy", 0.8),
    ]
    sentences, start = [], 0
    for line in text.split("\n"):
        sentences.append(Sentence(start, start + len(line), round(0.2 + 0.15 * len(sentences), 2), line))
        start += len(line) + 1
    counts: dict[str, int] = {}
    for s in spans:
        counts[s.technique] = counts.get(s.technique, 0) + 1
    return Analysis("hostile", text, sorted(spans), sentences, 0.61, "hand-made",
                    '<script>window.__xss="title"</script> Title', counts)


@pytest.fixture(scope="session")
def hostile_record(live_app):
    """The hand-made analysis saved in the live server's database, as the API returns it."""
    rec = live_app.state.propscan.store.save(hostile_analysis(), source="url",
                                             url="javascript:window.__xss=5",
                                             options={"threshold": 0.0, "techniques": None})
    return rec.to_dict()
