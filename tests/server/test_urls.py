"""URL analysis against a real HTTP server on loopback serving a fixture page (private URLs
allowed), and the SSRF guard refusing private and loopback targets when they are not."""

from __future__ import annotations

import gzip
import ipaddress
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from propscan.server import fetch as fetch_module

FIXTURE = (Path(__file__).parent / "fixtures" / "article.html").read_bytes()


class Handler(BaseHTTPRequestHandler):
    def log_message(self, *args):
        pass

    def _send(self, status: int, body: bytes, ctype: str = "text/html; charset=utf-8", **headers):
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        self.send_header("Content-Length", str(len(body)))
        for k, v in headers.items():
            self.send_header(k.replace("_", "-"), v)
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self):  # noqa: N802
        self.server.hits.append(self.path)
        if self.path == "/article.html":
            self._send(200, FIXTURE)
        elif self.path == "/plain.txt":
            self._send(200, b"Plain text news. Every true patriot agrees.", "text/plain")
        elif self.path == "/redirect":
            self._send(302, b"", Location="/article.html")
        elif self.path == "/redirect-with-credentials":
            self._send(302, b"", Location=f"http://bob:hunter2@127.0.0.1:{self.server.server_address[1]}/article.html")
        elif self.path == "/loop":
            self._send(302, b"", Location="/loop")
        elif self.path == "/big":
            self._send(200, b"<p>" + b"news " * 100_000 + b"</p>")
        elif self.path == "/bomb":
            self._send(200, gzip.compress(b" " * 5_000_000), Content_Encoding="gzip")
        elif self.path == "/never":
            # answers only when the test module is done: no time limit can be too long for it
            self.server.release.wait(600)
            self._send(200, FIXTURE)
        elif self.path == "/image.png":
            self._send(200, b"\x89PNG\r\n\x1a\n", "image/png")
        elif self.path == "/empty":
            self._send(200, b"<html><head><script>var x = 1;</script></head><body></body></html>")
        else:
            self._send(404, b"not here")


@pytest.fixture(scope="module")
def site():
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.hits, server.release = [], threading.Event()
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}", server
    server.release.set()
    server.shutdown()


@pytest.fixture(scope="module")
def intranet_client(make_app):
    """An app started as with --allow-private-urls, with a small size limit so the size tests
    are quick. Its fetch time limit is generous: fetching from loopback must never hit it, however
    busy the machine (the time limit has its own test, against a site that never answers)."""
    from fastapi.testclient import TestClient

    with TestClient(make_app(allow_private_urls=True, fetch_timeout=120, fetch_max_bytes=200_000)) as c:
        yield c


def analyse_url(client, url: str, **extra):
    return client.post("/api/v1/analyses", json={"url": url, **extra})


def error_of(response, status: int) -> dict:
    assert response.status_code == status, response.text
    return response.json()["error"]


def test_a_fetched_page_is_analysed_from_its_article_body(intranet_client, site):
    base, _ = site
    r = analyse_url(intranet_client, f"{base}/article.html")
    assert r.status_code == 201, r.text
    rec = r.json()
    a = rec["analysis"]
    assert rec["source"] == "url" and rec["url"] == f"{base}/article.html"
    assert "Mayor Greta Holm described the developers" in a["text"]
    assert "Cookie settings" not in a["text"] and "Most read" not in a["text"]
    assert "<p>" not in a["text"] and "__fixture_script_ran" not in a["text"]
    assert a["title"].startswith("Mayor of Lindenfeld")
    assert intranet_client.get(rec["permalink"]).status_code == 200


def test_redirects_are_followed_and_plain_text_passes_through(intranet_client, site):
    base, _ = site
    rec = analyse_url(intranet_client, f"{base}/redirect").json()
    assert rec["url"] == f"{base}/article.html"
    plain = analyse_url(intranet_client, f"{base}/plain.txt").json()
    assert plain["analysis"]["text"] == "Plain text news. Every true patriot agrees."


def test_credentials_in_a_url_are_never_stored_or_shown(intranet_client, site):
    base, _ = site
    port = base.rsplit(":", 1)[1]
    for url in (f"http://alice:s3cret@127.0.0.1:{port}/article.html", f"{base}/redirect-with-credentials"):
        r = analyse_url(intranet_client, url)
        assert r.status_code == 201, r.text
        rec = r.json()
        assert rec["url"] == f"{base}/article.html"
        for shown in (r.text, intranet_client.get(rec["permalink"]).text,
                      intranet_client.get(f"/api/v1/analyses/{rec['id']}/report.html").text):
            assert "s3cret" not in shown and "hunter2" not in shown and "alice" not in shown
    from tests.server.conftest import closed_port

    with closed_port() as port:
        err = error_of(analyse_url(intranet_client, f"http://alice:s3cret@127.0.0.1:{port}/"), 502)
    assert "s3cret" not in err["message"] and "alice" not in err["message"]


@pytest.mark.parametrize("path, status, code, words", [
    ("/missing", 502, "fetch_failed", "HTTP 404"),
    ("/image.png", 502, "fetch_failed", "image/png"),
    ("/big", 502, "fetch_failed", "larger than"),
    ("/bomb", 502, "fetch_failed", "larger than"),
    ("/loop", 502, "fetch_failed", "redirects"),
    ("/empty", 422, "no_article", "no article"),
])
def test_pages_that_cannot_be_used_give_a_clear_gateway_error(intranet_client, site, path, status, code, words):
    base, _ = site
    err = error_of(analyse_url(intranet_client, f"{base}{path}"), status)
    assert err["code"] == code and words in err["message"]


def test_a_site_that_never_answers_is_504_within_the_fetch_time_limit(make_app, site):
    """Without the limit the request would wait until the module ends (the site holds it), so
    the 504 itself shows the limit holds; no clock is read here."""
    from fastapi.testclient import TestClient

    base, _ = site
    with TestClient(make_app(allow_private_urls=True, fetch_timeout=1.5)) as c:
        err = error_of(analyse_url(c, f"{base}/never"), 504)
    assert err["code"] == "fetch_timeout" and "took more than 1.5 s" in err["message"]


def test_a_port_with_nothing_listening_is_502(intranet_client):
    from tests.server.conftest import closed_port

    with closed_port() as port:
        err = error_of(analyse_url(intranet_client, f"http://127.0.0.1:{port}/"), 502)
    assert err["code"] == "fetch_failed"


def test_an_unresolvable_host_is_502(intranet_client, monkeypatch):
    # The resolver's answer is given, not asked of the machine's DNS: where DNS packets are
    # dropped, a real lookup of a .invalid name can outlast fetch_timeout and read as 504.
    real = fetch_module.socket.getaddrinfo

    def no_such_name(host, *args, **kwargs):
        if host == "no-such-host.invalid":
            raise fetch_module.socket.gaierror(-2, "Name or service not known")
        return real(host, *args, **kwargs)

    monkeypatch.setattr(fetch_module.socket, "getaddrinfo", no_such_name)
    err = error_of(analyse_url(intranet_client, "http://no-such-host.invalid/news"), 502)
    assert err["code"] == "fetch_failed" and "cannot resolve" in err["message"]


@pytest.mark.parametrize("url, kind", [
    ("http://127.0.0.1:{port}/article.html", "loopback"),
    ("http://localhost:{port}/article.html", "loopback"),
    ("http://[::1]:{port}/article.html", "loopback"),
    ("http://0.0.0.0:{port}/", "unspecified"),
    ("http://10.1.2.3/", "private"),
    ("http://192.168.0.1/admin", "private"),
    ("http://172.16.5.4/", "private"),
    ("http://169.254.169.254/latest/meta-data/", "link-local"),
    ("http://[fe80::1]/", "link-local"),
    ("http://[fd00::1]/", "private"),
    ("http://[::ffff:127.0.0.1]/", "loopback"),
    ("http://2130706433/", "loopback"),  # 127.0.0.1 written as one number
    ("http://240.0.0.1/", "reserved"),
    ("http://100.64.0.1/", "non-public"),
])
def test_private_and_loopback_targets_are_refused_by_default(client, site, url, kind):
    base, server = site
    port = base.rsplit(":", 1)[1]
    hits = len(server.hits)
    err = error_of(analyse_url(client, url.format(port=port)), 400)
    assert err["code"] == "url_refused"
    assert kind in err["message"] and "--allow-private-urls" in err["message"]
    assert len(server.hits) == hits  # nothing was requested


@pytest.mark.parametrize("url", ["file:///etc/passwd", "ftp://example.org/a.txt", "gopher://example.org/",
                                 "javascript:alert(1)", "data:text/html,<b>x</b>", "example.org/news",
                                 "//example.org/x", "http://", "http://[::1"])
def test_non_http_schemes_and_malformed_urls_are_refused(client, url):
    err = error_of(analyse_url(client, url), 400)
    assert err["code"] == "url_refused"


def test_every_redirect_hop_is_checked_again(site, monkeypatch):
    """A public page may not redirect to a private one: simulate the first hop being public."""
    base, server = site
    real = fetch_module.resolve
    calls = []

    def first_hop_public(url, allow_private, timeout):
        calls.append(url)
        return real(url, allow_private or len(calls) == 1, timeout)

    monkeypatch.setattr(fetch_module, "resolve", first_hop_public)
    with pytest.raises(fetch_module.UrlRefused, match="loopback"):
        fetch_module.fetch(f"{base}/redirect", allow_private=False, timeout=120)
    assert calls == [f"{base}/redirect", f"{base}/article.html"]
    assert server.hits[-1] == "/redirect"


@pytest.mark.parametrize("address, public", [
    ("8.8.8.8", True), ("2606:4700:4700::1111", True), ("127.0.0.2", False), ("10.0.0.1", False),
    ("169.254.1.1", False), ("224.0.0.1", False), ("::", False), ("::ffff:10.0.0.1", False),
    ("192.0.2.1", False), ("198.18.0.1", False),
])
def test_address_classification(address, public):
    assert (fetch_module._kind(ipaddress.ip_address(address)) is None) == public
