"""Fetch a web page with size and time limits, refusing SSRF targets, and extract its article.

The guard resolves the host once, refuses loopback, private, link-local, reserved, multicast
and other non-global addresses (unless private URLs are allowed), then connects to exactly the
address it checked (Host header and TLS SNI carry the original name), so a DNS answer cannot
change between the check and the connection. Every redirect hop is checked the same way.
"""

from __future__ import annotations

import ipaddress
import socket
import time
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass
from urllib.parse import urljoin, urlsplit

from propscan.server.problems import FetchFailed, FetchTimeout, NoArticle, UrlRefused

ALLOWED_SCHEMES = ("http", "https")
REDIRECTS = (301, 302, 303, 307, 308)
TEXT_TYPES = ("text/html", "application/xhtml+xml", "text/plain", "application/xml", "text/xml")
USER_AGENT = "propscan/0.1 (+https://github.com/propscan; article analysis)"

_resolver = ThreadPoolExecutor(max_workers=4, thread_name_prefix="propscan-dns")


@dataclass(frozen=True)
class Page:
    url: str
    """The final URL, after redirects."""
    text: str
    title: str | None


def without_credentials(url: str) -> str:
    """The URL without a `user:password@` part. Fetching never sends it (it connects to the
    checked address by host and port), and records, pages and error messages must not show it."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return url
    if "@" not in parts.netloc:
        return url
    return parts._replace(netloc=parts.netloc.rpartition("@")[2]).geturl()


def _kind(ip: ipaddress.IPv4Address | ipaddress.IPv6Address) -> str | None:
    """Why this address is not a public one, or None if it is."""
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    if ip.is_loopback:
        return "a loopback"
    if ip.is_link_local:
        return "a link-local"
    if ip.is_multicast:
        return "a multicast"
    if ip.is_unspecified:
        return "an unspecified"
    if ip.is_reserved:
        return "a reserved"
    if ip.is_private:
        return "a private"
    if not ip.is_global:
        return "a non-public"
    return None


def resolve(url: str, allow_private: bool, timeout: float) -> tuple[str, int, str]:
    """(host, port, ip) for a URL the guard accepts; raises UrlRefused or FetchFailed."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as e:
        raise UrlRefused(f"not a valid URL: {e}") from None
    scheme = parts.scheme.lower()
    if scheme not in ALLOWED_SCHEMES:
        raise UrlRefused(f"only http and https URLs can be fetched, not {scheme or 'a URL without scheme'!r}"
                         if scheme else "not a valid URL: give a full address starting with http:// or https://")
    host = parts.hostname
    if not host:
        raise UrlRefused("not a valid URL: it has no host name")
    port = port or (443 if scheme == "https" else 80)
    try:
        future = _resolver.submit(socket.getaddrinfo, host, port, 0, socket.SOCK_STREAM)
        infos = future.result(timeout=max(0.1, timeout))
    except FutureTimeout:
        raise FetchTimeout(f"looking up the host {host!r} took too long") from None
    except (socket.gaierror, UnicodeError, OSError, ValueError):
        raise FetchFailed(f"cannot resolve the host {host!r}; check the address") from None
    ips = []
    for info in infos:
        try:
            ips.append(ipaddress.ip_address(str(info[4][0]).split("%", 1)[0]))
        except ValueError:
            continue
    if not ips:
        raise FetchFailed(f"the host {host!r} has no usable address")
    if not allow_private:
        for ip in ips:
            why = _kind(ip)
            if why:
                raise UrlRefused(f"refusing to fetch {host!r}: it resolves to {ip}, {why} address. "
                                 "Start the server with --allow-private-urls to analyse intranet pages.")
    return host, port, str(ips[0])


def fetch(url: str, *, allow_private: bool = False, timeout: float = 10.0,
          max_bytes: int = 5 * 1024 * 1024, max_redirects: int = 5) -> tuple[str, bytes, str]:
    """(final URL, body, content type) of a page, within `timeout` seconds and `max_bytes`."""
    import httpx

    deadline = time.monotonic() + timeout
    current = url
    for _hop in range(max_redirects + 1):
        host, port, ip = resolve(current, allow_private, deadline - time.monotonic())
        parts = urlsplit(current)
        netloc_ip = f"[{ip}]" if ":" in ip else ip
        target = parts._replace(netloc=f"{netloc_ip}:{port}").geturl()
        default_port = 443 if parts.scheme.lower() == "https" else 80
        host_header = host if port == default_port else f"{host}:{port}"
        if ":" in host and not host.startswith("["):
            host_header = f"[{host}]" if port == default_port else f"[{host}]:{port}"
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise FetchTimeout(f"fetching {url} took more than {timeout:g} s")
        try:
            with httpx.Client(timeout=httpx.Timeout(remaining), follow_redirects=False,
                              trust_env=False) as client:
                request = client.build_request(
                    "GET", target,
                    headers={"Host": host_header, "User-Agent": USER_AGENT,
                             "Accept": "text/html,application/xhtml+xml,text/plain;q=0.9,*/*;q=0.1"},
                    extensions={"sni_hostname": host, "timeout": httpx.Timeout(remaining).as_dict()})
                resp = client.send(request, stream=True)
                try:
                    if resp.status_code in REDIRECTS and resp.headers.get("location"):
                        current = urljoin(current, resp.headers["location"])
                        continue
                    if resp.status_code >= 400:
                        raise FetchFailed(f"the page answered HTTP {resp.status_code}")
                    ctype = resp.headers.get("content-type", "").split(";", 1)[0].strip().lower()
                    if ctype and ctype not in TEXT_TYPES:
                        raise FetchFailed(f"the URL points to {ctype!r}, not a web page or text")
                    declared = resp.headers.get("content-length")
                    if declared and declared.isdigit() and int(declared) > max_bytes:
                        raise FetchFailed(f"the page is larger than the limit of {max_bytes} bytes")
                    chunks, size = [], 0
                    for chunk in resp.iter_raw():
                        size += len(chunk)
                        if size > max_bytes:
                            raise FetchFailed(f"the page is larger than the limit of {max_bytes} bytes")
                        if time.monotonic() > deadline:
                            raise FetchTimeout(f"fetching {url} took more than {timeout:g} s")
                        chunks.append(chunk)
                    body = b"".join(chunks)
                    encoding = resp.headers.get("content-encoding", "").lower()
                    if encoding not in ("", "identity"):
                        body = _decompress(body, encoding, max_bytes)
                    return current, body, ctype
                finally:
                    resp.close()
        except httpx.TimeoutException:
            raise FetchTimeout(f"fetching {url} took more than {timeout:g} s") from None
        except (httpx.HTTPError, OSError, ValueError) as e:
            raise FetchFailed(f"cannot fetch {url}: {type(e).__name__}: {e}".rstrip(": ")) from None
    raise FetchFailed(f"more than {max_redirects} redirects")


def _decompress(body: bytes, encoding: str, max_bytes: int) -> bytes:
    """Decompress gzip/deflate with a cap, so a small bomb cannot blow up memory."""
    import zlib

    if encoding in ("gzip", "x-gzip"):
        d = zlib.decompressobj(16 + zlib.MAX_WBITS)
    elif encoding == "deflate":
        d = zlib.decompressobj()
    else:
        raise FetchFailed(f"the page uses an unsupported content encoding {encoding!r}")
    try:
        out = d.decompress(body, max_bytes + 1)
    except zlib.error:
        raise FetchFailed("the page's compressed body is corrupt") from None
    if len(out) > max_bytes:
        raise FetchFailed(f"the page is larger than the limit of {max_bytes} bytes")
    return out


def extract_article(body: bytes | str, *, content_type: str = "text/html", url: str | None = None) -> tuple[str, str | None]:
    """(article text, title) of an HTML page, via trafilatura; plain text passes through."""
    if content_type == "text/plain":
        text = body.decode("utf-8", errors="replace") if isinstance(body, bytes) else body
        if not text.strip():
            raise NoArticle("the page is empty")
        return text, None
    import trafilatura

    html = body if isinstance(body, str) else _decode_html(body)
    try:
        text = trafilatura.extract(html, url=url, output_format="txt", include_comments=False,
                                   include_tables=False, include_images=False, include_links=False)
        meta = trafilatura.extract_metadata(html)
    except Exception:  # noqa: BLE001 - trafilatura/lxml can choke on hostile markup
        text, meta = None, None
    if not text or not text.strip():
        raise NoArticle("no article text could be found in the page")
    title = getattr(meta, "title", None) if meta is not None else None
    return text, (title or None)


def _decode_html(body: bytes) -> str:
    import re

    head = body[:4096].decode("ascii", errors="ignore")
    m = re.search(r"""charset=["']?([A-Za-z0-9_\-]+)""", head)
    for enc in ([m.group(1)] if m else []) + ["utf-8"]:
        try:
            return body.decode(enc)
        except (LookupError, UnicodeDecodeError):
            continue
    return body.decode("utf-8", errors="replace")


def fetch_article(url: str, *, allow_private: bool = False, timeout: float = 10.0,
                  max_bytes: int = 5 * 1024 * 1024, max_redirects: int = 5) -> Page:
    url = without_credentials(url)
    final, body, ctype = fetch(url, allow_private=allow_private, timeout=timeout,
                               max_bytes=max_bytes, max_redirects=max_redirects)
    final = without_credentials(final)   # a redirect may have added some
    text, title = extract_article(body, content_type=ctype or "text/html", url=final)
    return Page(final, text, title)
