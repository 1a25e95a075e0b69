"""Errors the API answers with: a status, a short machine code and a message for people.

Every error body has the same shape: {"error": {"status": 400, "code": "...", "message": "..."}}.
Codes and their statuses come from the one registry, propscan.errors.REGISTRY.
"""

from __future__ import annotations

from typing import Any

from propscan.errors import lookup


class ApiError(Exception):
    code = "bad_request"

    def __init__(self, message: str, *, status: int | None = None, code: str | None = None,
                 details: Any = None):
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code
        self.status = status if status is not None else lookup(self.code).http_status
        self.details = details

    def body(self) -> dict[str, Any]:
        return error_body(self.status, self.code, self.message, self.details)


class UrlRefused(ApiError):
    code = "url_refused"


class FetchFailed(ApiError):
    code = "fetch_failed"


class FetchTimeout(ApiError):
    code = "fetch_timeout"


class NoArticle(ApiError):
    code = "no_article"


class NotFound(ApiError):
    code = "not_found"


class AnalysisTimeout(ApiError):
    code = "analysis_timeout"

    def __init__(self, message: str = "the analysis did not finish within the server's time limit "
                                      "(the text is long or the server is busy); try again, send a "
                                      "shorter text, or run `propscan analyze` on it", **kw: Any):
        super().__init__(message, **kw)


def error_body(status: int, code: str, message: str, details: Any = None) -> dict[str, Any]:
    err: dict[str, Any] = {"status": status, "code": code, "message": message}
    if details is not None:
        err["details"] = details
    return {"error": err}
