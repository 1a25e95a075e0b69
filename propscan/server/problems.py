"""Errors the API answers with: a status, a short machine code and a message for people.

Every error body has the same shape: {"error": {"status": 400, "code": "...", "message": "..."}}.
"""

from __future__ import annotations

from typing import Any


class ApiError(Exception):
    status = 400
    code = "bad_request"

    def __init__(self, message: str, *, status: int | None = None, code: str | None = None,
                 details: Any = None):
        super().__init__(message)
        self.message = message
        if status is not None:
            self.status = status
        if code is not None:
            self.code = code
        self.details = details

    def body(self) -> dict[str, Any]:
        return error_body(self.status, self.code, self.message, self.details)


class UrlRefused(ApiError):
    status, code = 400, "url_refused"


class FetchFailed(ApiError):
    status, code = 502, "fetch_failed"


class FetchTimeout(ApiError):
    status, code = 504, "fetch_timeout"


class NoArticle(ApiError):
    status, code = 422, "no_article"


class NotFound(ApiError):
    status, code = 404, "not_found"


class AnalysisTimeout(ApiError):
    status, code = 503, "analysis_timeout"

    def __init__(self, message: str = "the analysis did not finish within the server's time limit "
                                      "(the text is long or the server is busy); try again, send a "
                                      "shorter text, or run `propscan analyze` on it", **kw: Any):
        super().__init__(message, **kw)


def error_body(status: int, code: str, message: str, details: Any = None) -> dict[str, Any]:
    err: dict[str, Any] = {"status": status, "code": code, "message": message}
    if details is not None:
        err["details"] = details
    return {"error": err}
