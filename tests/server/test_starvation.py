"""One request must not starve the rest, on a real server on loopback: a small analysis runs
between the pieces of a big one, an analysis has a time limit, slow sites being fetched never
hold the threads of the other routes, and connections that send nothing, half their headers
or half their body are closed."""

from __future__ import annotations

import socket
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx
import pytest

from propscan.sentences import sentence_ranges
from tests.server.conftest import LiveServer

ROOT = Path(__file__).resolve().parents[2]
DEV = ROOT.parent / "shared" / "data" / "ptc" / "dev" / "articles"
WAIT = 300   # seconds: a bound for a broken server, never reached by a working one


def _long_text(chars: int) -> str:
    parts, n = [], 0
    for p in sorted(DEV.glob("*.txt")):
        parts.append(p.read_text(encoding="utf-8"))
        n += len(parts[-1])
        if n >= chars:
            break
    return "\n".join(parts)


def test_a_small_analysis_finishes_while_a_big_one_is_still_running(make_app):
    app = make_app(analysis_slots=1, piece_chars=1_000)
    big_text = _long_text(20_000)   # some 20 pieces
    with LiveServer(app) as server, ThreadPoolExecutor(1) as pool:
        state = app.state.propscan
        big = pool.submit(httpx.post, f"{server.url}/api/v1/analyses", json={"text": big_text, "save": False},
                          timeout=WAIT)
        while state.scheduler.queued() == 0 and not big.done():   # until the big one is in the queue
            threading.Event().wait(0.01)
        small = httpx.post(f"{server.url}/api/v1/analyses", json={"text": "They are traitors. Shame on them!"},
                           timeout=WAIT)
        assert small.status_code == 201, small.text
        assert not big.done(), "the small analysis waited for the whole big one"
        r = big.result(WAIT)
    assert r.status_code == 201, r.text
    a = r.json()["analysis"]
    assert a["text"] == big_text
    for s in a["spans"]:
        assert big_text[s["start"]:s["end"]] == s["text"]
    assert [(s["start"], s["end"]) for s in a["sentences"]] == sentence_ranges(big_text)


def test_an_analysis_past_its_time_limit_is_503_and_the_server_carries_on(make_app):
    from fastapi.testclient import TestClient

    # 60 pieces, each a pass of the model: far more than a millisecond of work on any machine
    with TestClient(make_app(analysis_slots=1, piece_chars=1_000, analysis_timeout=0.001)) as c:
        r = c.post("/api/v1/analyses", json={"text": _long_text(60_000)})
        assert r.status_code == 503 and r.json()["error"]["code"] == "analysis_timeout"
        assert "time limit" in r.json()["error"]["message"]
        assert c.app.state.propscan.scheduler.queued() == 0   # its pieces were dropped
    with TestClient(make_app(analysis_slots=1, analysis_timeout=WAIT)) as c:
        assert c.post("/api/v1/analyses", json={"text": "Only traitors disagree."}).status_code == 201


# -- fetching ---------------------------------------------------------------------------------

class HoldingSite(BaseHTTPRequestHandler):
    """Answers every request only once the test releases it (an empty page: no analysis)."""

    def log_message(self, *args):
        pass

    def do_GET(self):  # noqa: N802
        with self.server.lock:
            self.server.hits += 1
        self.server.release.wait(WAIT)
        body = b"<html><body></body></html>"
        self.send_response(200)
        self.send_header("Content-Type", "text/html")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


@pytest.fixture
def holding_site():
    server = ThreadingHTTPServer(("127.0.0.1", 0), HoldingSite)
    server.daemon_threads = True
    server.hits, server.lock, server.release = 0, threading.Lock(), threading.Event()
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield server
    server.release.set()
    server.shutdown()


def test_slow_sites_being_fetched_do_not_stall_the_other_routes(make_app, holding_site):
    """More fetches than the threads that plain routes share (40): the health check still answers
    while every one of them is waiting for the site."""
    fetches = 45
    app = make_app(allow_private_urls=True, fetch_timeout=WAIT, fetch_slots=4)
    site = f"http://127.0.0.1:{holding_site.server_address[1]}"
    with LiveServer(app) as server:
        body = f'{{"url": "{site}/news", "save": false}}'.encode()
        request = (f"POST /api/v1/analyses HTTP/1.1\r\nHost: 127.0.0.1:{server.port}\r\n"
                   f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n").encode() + body
        socks = []
        try:
            for _ in range(fetches):   # every request is sent before the health check
                s = socket.create_connection(("127.0.0.1", server.port), timeout=WAIT)
                s.sendall(request)
                socks.append(s)
            deadline = time.monotonic() + WAIT
            while holding_site.hits < 4 and time.monotonic() < deadline:
                threading.Event().wait(0.01)
            assert holding_site.hits >= 4, "the fetches never reached the site"
            health = httpx.get(f"{server.url}/api/v1/health", timeout=WAIT)
            assert health.status_code == 200
            assert not holding_site.release.is_set()   # every fetch was still waiting
            holding_site.release.set()
            for s in socks:
                assert s.recv(64).startswith(b"HTTP/1.1 422")   # the empty page has no article
        finally:
            for s in socks:
                s.close()


# -- slow clients -----------------------------------------------------------------------------

@pytest.fixture(scope="module")
def strict_server(make_app):
    with LiveServer(make_app(header_timeout=1.0, body_timeout=1.0)) as server:
        yield server


def _closed_after(server, payload: bytes) -> bytes:
    """What the server sends before it closes a connection that sent `payload` and then stalls."""
    with socket.create_connection(("127.0.0.1", server.port), timeout=WAIT) as s:
        if payload:
            s.sendall(payload)
        got = b""
        while True:
            chunk = s.recv(4096)   # a socket timeout (WAIT) here means the server never closed it
            if not chunk:
                return got
            got += chunk


def test_idle_and_half_sent_connections_are_closed(strict_server):
    assert _closed_after(strict_server, b"") == b""
    assert _closed_after(strict_server, b"GET /api/v1/health HTTP/1.1\r\nHost: 127.0.0.1\r\n") == b""


def test_a_body_that_stops_halfway_gets_408(strict_server):
    head = (b"POST /api/v1/analyses HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\n"
            b"Content-Length: 100\r\n\r\n")
    reply = _closed_after(strict_server, head + b'{"text": "cut')
    assert reply.startswith(b"HTTP/1.1 408") and b"body_timeout" in reply


def test_a_kept_alive_connection_still_serves_several_requests(strict_server):
    with httpx.Client(base_url=strict_server.url, timeout=WAIT) as client:
        for _ in range(3):
            assert client.get("/api/v1/health").status_code == 200
