"""How errors reach API clients and browsers: one JSON shape for the API, a page for people.

Every error body is {"error": {"status", "code", "message"}} (propscan.server.problems).
"""

from __future__ import annotations

import logging
from typing import Any

from fastapi import Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from propscan.errors import PropscanError
from propscan.server.pages import not_found_page
from propscan.server.payloads import API_PREFIX
from propscan.server.problems import ApiError, error_body

log = logging.getLogger("propscan.server")


def _clean_validation(errors: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Validation errors without the echoed input (which may be megabytes of text)."""
    out = []
    for e in errors:
        out.append({"loc": [str(x) for x in e.get("loc", ())], "msg": str(e.get("msg", "")),
                    "type": str(e.get("type", ""))})
    return out


def install_error_handlers(app) -> None:
    def wants_html(request: Request) -> bool:
        return not request.url.path.startswith(API_PREFIX) and "text/html" in request.headers.get("accept", "")

    @app.exception_handler(ApiError)
    async def _api_error(request: Request, exc: ApiError):
        if exc.status == 404 and wants_html(request):
            return not_found_page(exc.message)
        return JSONResponse(exc.body(), status_code=exc.status)

    @app.exception_handler(PropscanError)
    async def _propscan_error(request: Request, exc: PropscanError):
        if exc.http_status >= 500:
            log.error("%s on %s %s: %s", exc.code, request.method, request.url.path, exc.message)
        return JSONResponse(error_body(exc.http_status, exc.code, exc.message), status_code=exc.http_status)

    @app.exception_handler(RequestValidationError)
    async def _validation(request: Request, exc: RequestValidationError):
        errors = _clean_validation(list(exc.errors()))
        first = errors[0] if errors else {"loc": [], "msg": "invalid request"}
        where = ".".join(x for x in first["loc"] if x != "body") or "request"
        message = f"{where}: {first['msg']}"
        return JSONResponse(error_body(422, "invalid_request", message, errors), status_code=422)

    @app.exception_handler(StarletteHTTPException)
    async def _http(request: Request, exc: StarletteHTTPException):
        codes = {404: "not_found", 405: "method_not_allowed", 400: "bad_request"}
        if exc.status_code == 404 and wants_html(request):
            return not_found_page("there is no page here")
        message = exc.detail if isinstance(exc.detail, str) else "request failed"
        return JSONResponse(error_body(exc.status_code, codes.get(exc.status_code, "http_error"), message),
                            status_code=exc.status_code, headers=getattr(exc, "headers", None))

    @app.exception_handler(Exception)
    async def _bug(request: Request, exc: Exception):
        log.exception("unhandled error on %s %s", request.method, request.url.path)
        return JSONResponse(error_body(500, "internal_error", "internal error; this is a bug, please report it"),
                            status_code=500)
