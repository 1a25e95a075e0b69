"""Requests from other sites, against the real server on loopback: a Host header the server
does not answer to (DNS rebinding) is refused, and so is a state-changing request whose Origin
is another site (any page the user visits could otherwise drive the local server)."""

from __future__ import annotations

import httpx
import pytest

from propscan.server.guard import allowed_host_names, host_name, same_origin

TEXT = "Only traitors would vote for this disaster. Our valley, our choice!"


def _error(r: httpx.Response, status: int, code: str) -> None:
    assert r.status_code == status, r.text
    assert r.json()["error"]["code"] == code and r.json()["error"]["message"]
    assert "default-src 'none'" in r.headers["content-security-policy"]   # the usual headers


def _analyses(base: str) -> int:
    return httpx.get(f"{base}/api/v1/health", timeout=120).json()["analyses"]


@pytest.mark.parametrize("host", ["evil.example", "evil.example:8000", "127.0.0.1.nip.io", "localhost.evil.example", ""])
def test_a_host_name_the_server_does_not_answer_to_is_refused(live_server, host):
    for path in ("/", "/api/v1/health", "/static/viewer.js"):
        _error(httpx.get(live_server.url + path, headers={"Host": host}, timeout=120), 400, "bad_host")
    r = httpx.post(f"{live_server.url}/api/v1/analyses", json={"text": TEXT}, headers={"Host": host}, timeout=120)
    _error(r, 400, "bad_host")


@pytest.mark.parametrize("host", ["localhost", "LOCALHOST:{port}", "127.0.0.1:{port}", "[::1]:{port}", "localhost.:{port}"])
def test_loopback_host_names_are_served(live_server, host):
    r = httpx.get(f"{live_server.url}/api/v1/health", headers={"Host": host.format(port=live_server.port)}, timeout=120)
    assert r.status_code == 200, r.text


def test_a_cross_site_form_post_creates_nothing(live_server):
    base = live_server.url
    before = _analyses(base)
    evil = {"Origin": "http://evil.example"}
    files = {"file": ("a.txt", TEXT.encode(), "text/plain")}
    _error(httpx.post(f"{base}/api/v1/analyses/upload", files=files, headers=evil, timeout=120), 403, "cross_origin")
    _error(httpx.post(f"{base}/api/v1/analyses", json={"text": TEXT}, headers=evil, timeout=120), 403, "cross_origin")
    for origin in ("null", f"http://localhost:{live_server.port}", f"https://127.0.0.1:{live_server.port}",
                   f"http://127.0.0.1:{live_server.port + 1}"):
        r = httpx.post(f"{base}/api/v1/analyses", json={"text": TEXT}, headers={"Origin": origin}, timeout=120)
        _error(r, 403, "cross_origin")
    r = httpx.post(f"{base}/api/v1/analyses", json={"text": TEXT}, headers={"Sec-Fetch-Site": "cross-site"}, timeout=120)
    _error(r, 403, "cross_origin")
    assert _analyses(base) == before


def test_the_servers_own_pages_and_programs_without_origin_may_post(live_server):
    base = live_server.url
    before = _analyses(base)
    own = {"Origin": base, "Sec-Fetch-Site": "same-origin"}
    assert httpx.post(f"{base}/api/v1/analyses", json={"text": TEXT}, headers=own, timeout=120).status_code == 201
    assert httpx.post(f"{base}/api/v1/analyses", json={"text": TEXT}, timeout=120).status_code == 201   # curl
    # reading is not state-changing: a cross-site GET is answered (the browser keeps it from the other page)
    assert httpx.get(f"{base}/api/v1/techniques", headers={"Origin": "http://evil.example"}, timeout=120).status_code == 200
    assert _analyses(base) == before + 2


def test_allowed_host_names_add_a_public_name(make_app):
    from fastapi.testclient import TestClient

    with TestClient(make_app(allowed_hosts=("propscan.example.org",)), base_url="http://propscan.example.org") as c:
        assert c.get("/api/v1/health").status_code == 200
        r = c.post("/api/v1/analyses", json={"text": TEXT, "save": False},
                   headers={"Origin": "http://propscan.example.org"})
        assert r.status_code == 201, r.text
        r = c.get("/api/v1/health", headers={"Host": "other.example.org"})
        assert r.status_code == 400 and "--allowed-host other.example.org" in r.json()["error"]["message"]


def test_host_names_and_origins_are_compared_as_urls():
    assert allowed_host_names("0.0.0.0") == {"localhost", "127.0.0.1", "::1"}
    assert allowed_host_names("192.0.2.7", ["News.Example.org."]) == {"localhost", "127.0.0.1", "::1",
                                                                      "192.0.2.7", "news.example.org"}
    assert [host_name(h) for h in ("[::1]:80", "::1", "Example.org:443", "example.org.")] == [
        "::1", "::1", "example.org", "example.org"]
    assert same_origin("http://127.0.0.1:8000", "http", "127.0.0.1:8000")
    assert same_origin("http://example.org", "http", "example.org:80")
    assert not same_origin("http://example.org:8080", "http", "example.org")
    assert not same_origin("null", "http", "localhost")
