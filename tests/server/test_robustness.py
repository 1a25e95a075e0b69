"""The real server on loopback stays up under malformed HTTP, dropped connections and a burst
of concurrent good and bad requests."""

from __future__ import annotations

import socket
from concurrent.futures import ThreadPoolExecutor

import httpx

GARBAGE = [
    b"\x00\x01\x02 not http at all\r\n\r\n",
    b"POST /api/v1/analyses HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n\r\n{\"text\": \"cut short",
    b"POST /api/v1/analyses HTTP/1.1\r\nHost: x\r\nContent-Length: banana\r\n\r\n{}",
    b"GET /" + b"a" * 70_000 + b" HTTP/1.1\r\nHost: x\r\n\r\n",
    b"GET / HTTP/1.1\r\nHost: x\r\n" + b"X-Big: " + b"b" * 100_000 + b"\r\n\r\n",
    b"POST /api/v1/analyses/upload HTTP/1.1\r\nHost: x\r\nContent-Type: multipart/form-data; boundary=zz\r\n"
    b"Content-Length: 40\r\n\r\n--zz\r\nContent-Disposition: form-data\r\n\r\n",
]


def test_malformed_http_and_dropped_connections_do_not_take_the_server_down(live_server):
    for payload in GARBAGE:
        with socket.create_connection(("127.0.0.1", live_server.port), timeout=60) as s:
            try:
                s.sendall(payload)
                s.shutdown(socket.SHUT_WR)
                reply = s.recv(200)
            except (ConnectionResetError, BrokenPipeError, socket.timeout):
                reply = b""
        assert not reply.startswith(b"HTTP/1.1 5"), (payload[:60], reply)
    assert httpx.get(f"{live_server.url}/api/v1/health", timeout=120).status_code == 200


def test_a_burst_of_concurrent_good_and_bad_requests_gets_no_5xx(live_server):
    base = live_server.url
    requests = [("POST", "/api/v1/analyses", {"json": {"text": f"Article {i}. Only traitors disagree with us."}})
                for i in range(12)]
    requests += [("POST", "/api/v1/analyses", {"json": {"text": ""}}),
                 ("POST", "/api/v1/analyses", {"content": b"{oops", "headers": {"content-type": "application/json"}}),
                 ("POST", "/api/v1/analyses", {"json": {"url": "http://10.0.0.1/"}}),
                 ("GET", "/api/v1/analyses/doesnotexist", {}),
                 ("GET", "/", {}), ("GET", "/api/v1/techniques", {})] * 3

    def call(req):
        method, path, kw = req
        return httpx.request(method, base + path, timeout=120, **kw).status_code

    with ThreadPoolExecutor(16) as pool:
        statuses = list(pool.map(call, requests))
    assert all(s < 500 for s in statuses), statuses
    assert statuses[:12] == [201] * 12
    assert httpx.get(f"{base}/api/v1/health", timeout=120).json()["status"] == "ok"
