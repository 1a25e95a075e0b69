"""Requests from other sites: the server has no authentication, so any web page a user visits
could drive their local server, and DNS rebinding could let it read the answers.

`RequestGuard` (ASGI middleware) answers only requests whose Host header names one of the
server's own host names, and refuses state-changing requests (anything but GET, HEAD,
OPTIONS) that a browser says come from another origin. Programs that send no Origin (curl,
scripts) are not affected.
"""

from __future__ import annotations

import json
from typing import Iterable
from urllib.parse import urlsplit

from propscan.server.problems import error_body

LOOPBACK_NAMES = ("localhost", "127.0.0.1", "::1")
SAFE_METHODS = ("GET", "HEAD", "OPTIONS")
_WILDCARD_BINDS = ("", "0.0.0.0", "::")


def host_name(value: str) -> str:
    """The host of a Host header value, lower case, without port, brackets or trailing dot."""
    value = value.strip().lower()
    if value.startswith("["):
        name = value[1:value.find("]")] if "]" in value else value[1:]
    elif value.count(":") == 1:
        name = value.split(":", 1)[0]
    else:
        name = value   # a bare IPv6 address, or no port
    return name.rstrip(".")


def allowed_host_names(bind_host: str, extra: Iterable[str] = ()) -> frozenset[str]:
    """Loopback names, the address the server listens on (unless it is a wildcard), and `extra`."""
    names = {*LOOPBACK_NAMES, *(host_name(h) for h in extra if h.strip())}
    if bind_host.strip() not in _WILDCARD_BINDS:
        names.add(host_name(bind_host))
    return frozenset(names)


def _origin(scheme: str, host: str) -> tuple[str, str, int | None]:
    default = {"http": 80, "https": 443}.get(scheme)
    parts = urlsplit(f"{scheme}://{host}")
    try:
        port = parts.port or default
    except ValueError:
        port = None
    return scheme, (parts.hostname or "").rstrip("."), port


def same_origin(origin: str, scheme: str, host: str) -> bool:
    """Whether the Origin header names this server as reached (scheme and Host header)."""
    try:
        parts = urlsplit(origin.strip())
        port = parts.port
    except ValueError:
        return False
    if not parts.scheme or not parts.hostname:
        return False   # "null" (sandboxed frames, file: pages) and garbage
    scheme_o = parts.scheme.lower()
    theirs = (scheme_o, parts.hostname.rstrip("."), port or {"http": 80, "https": 443}.get(scheme_o))
    return theirs == _origin(scheme, host.lower())


class RequestGuard:
    def __init__(self, app, allowed_hosts: Iterable[str]):
        self.app = app
        self.allowed = frozenset(allowed_hosts)
        self.any_host = "*" in self.allowed

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        headers = {k.lower(): v.decode("latin-1") for k, v in scope.get("headers") or []}
        host = headers.get(b"host", "")
        if not self.any_host and host_name(host) not in self.allowed:
            shown = host_name(host)[:100]
            return await _reply(send, 400, "bad_host",
                                f"this server does not answer to the host name {shown!r}; start it with "
                                f"--allowed-host {shown or 'NAME'} if that is its public name"
                                if shown else "the request has no Host header")
        if scope["method"] not in SAFE_METHODS:
            origin = headers.get(b"origin")
            site = headers.get(b"sec-fetch-site", "").strip().lower()
            scheme = scope.get("scheme", "http")
            if (origin is not None and not same_origin(origin, scheme, host)) or site in ("cross-site", "same-site"):
                return await _reply(send, 403, "cross_origin",
                                    "requests that change data must come from this server's own pages "
                                    "(the Origin header names another site)")
        return await self.app(scope, receive, send)


async def _reply(send, status: int, code: str, message: str) -> None:
    """A JSON error; the SecurityHeaders middleware around this one adds CSP and friends."""
    payload = json.dumps(error_body(status, code, message)).encode()
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"application/json"),
                            (b"content-length", str(len(payload)).encode())]})
    await send({"type": "http.response.body", "body": payload})
