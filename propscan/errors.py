"""Errors that users see: one registry of codes, each with what it means, what to do, the CLI's
exit status and the API's HTTP status.

The CLI turns any PropscanError into one line on stderr and exits with its code's `exit_code`;
the server answers `{"error": {"status", "code", "message"}}` with its code's `http_status`.
docs/errors.md is generated from REGISTRY (scripts/gen_error_docs.py; a test fails when it is
stale or when a code used anywhere in the package is not registered). Anything else is a bug.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ErrorCode:
    code: str
    """E### for errors any front end can meet; the REST API v1's own codes keep their names."""
    title: str
    what_to_do: str
    exit_code: int | None
    """The CLI's exit status; None for errors only the server can answer."""
    http_status: int
    """The status the server answers with (a call may give a more precise one, e.g. 503 busy)."""


REGISTRY: dict[str, ErrorCode] = {e.code: e for e in (
    ErrorCode("E000", "Unexpected propscan error.", "Report it with the command and the input.", 1, 500),
    ErrorCode("E001", "The input cannot be read: missing, a folder, binary, malformed, or an option "
                      "value that is not allowed.", "Fix the input or option the message names.", 2, 400),
    ErrorCode("E002", "The text is empty (nothing but white space).", "Give an article with some text.", 2, 400),
    ErrorCode("E003", "The input is not valid UTF-8.", "Convert the file to UTF-8.", 2, 400),
    ErrorCode("E004", "A line or row of the input is malformed (JSONL, TSV).",
              "Fix the line the message names (file:line).", 2, 400),
    ErrorCode("E010", "A model (or spaCy, for targets) is missing or incomplete.",
              "Point --model / $PROPSCAN_MODEL (or $PROPSCAN_CLAIMS_MODEL) at a complete model folder, "
              "or install what the message names; on a server this is the server's fault.", 3, 500),
    ErrorCode("E020", "Training cannot run or failed.", "Fix the data or settings the message names.", 4, 500),
    ErrorCode("E030", "The corpus store cannot be opened: missing, of the other format, not a store, or "
                      "in use by a batch run.",
              "Check the path; wait for a batch run writing it to end.", 5, 404),
    ErrorCode("E031", "No corpus store is configured for the dashboard.",
              "Start the server with PROPSCAN_STORE=/path/to/store.duckdb.", None, 404),
    ErrorCode("E032", "No article with this id in the corpus store.", "Check the id.", None, 404),
    ErrorCode("E033", "An optional dependency is not installed.",
              "pip install the extra the message names, e.g. 'propscan[corpus]'.", 6, 500),
    ErrorCode("E040", "`propscan serve` cannot listen on the address and port: the port is in use, "
                      "not allowed, or the host is not an address of this machine.",
              "Choose another --port (0 takes a free one and prints it) or --host.", 7, 500),
    # The REST API v1's own codes: clients match on these names, so they stay as they are.
    ErrorCode("bad_request", "The request is not well formed (e.g. a bad Content-Length).",
              "Fix the request.", None, 400),
    ErrorCode("invalid_request", "The JSON body or a field is invalid (`details` lists each problem).",
              "Fix the fields named in `details`.", None, 422),
    ErrorCode("not_found", "No saved analysis has this id, or no route this path.", "Check the id or path.",
              None, 404),
    ErrorCode("method_not_allowed", "Wrong HTTP method for this path.", "See /docs for the methods.", None, 405),
    ErrorCode("too_large", "The request body is over the server's `max_body_bytes`.",
              "Send a smaller body, or raise the limit.", None, 413),
    ErrorCode("unsupported_file", "The upload is neither .txt nor .html.", "Upload a .txt or .html file.",
              None, 415),
    ErrorCode("binary_file", "The upload contains NUL bytes.", "Upload UTF-8 text or HTML.", None, 400),
    ErrorCode("not_utf8", "The uploaded text file is not valid UTF-8.", "Convert it to UTF-8.", None, 400),
    ErrorCode("url_refused", "The URL's scheme is not http(s), or its host resolves to a refused "
                             "(private, loopback, link-local) address.",
              "Give a public http(s) URL.", None, 400),
    ErrorCode("fetch_failed", "The URL cannot be fetched: DNS failure, connection refused, HTTP error, not "
                              "a web page, over the size limit, too many redirects.",
              "Check the URL, or paste the text instead.", None, 502),
    ErrorCode("fetch_timeout", "Fetching the URL took longer than `fetch_timeout`.",
              "Try again later, or paste the text instead.", None, 504),
    ErrorCode("no_article", "No article text could be extracted from the page.", "Paste the text instead.",
              None, 422),
    ErrorCode("targets_unavailable", "`targets` was asked of a server without spaCy.",
              "Ask without `targets`, or install 'propscan[claims]' on the server.", None, 400),
    ErrorCode("body_timeout", "The request body did not arrive within the server's `body_timeout`.",
              "Send the body without pausing, or raise the limit.", None, 408),
    ErrorCode("bad_host", "The Host header names a host this server does not answer to (a guard against "
                          "DNS rebinding).",
              "Use the server's own name, or start it with --allowed-host NAME.", None, 400),
    ErrorCode("cross_origin", "A request that changes data came from another site's page (Origin or "
                              "Sec-Fetch-Site say so).",
              "Send it from this server's own pages or from a client that is not a browser.", None, 403),
    ErrorCode("analysis_timeout", "The analysis did not finish within the server's `analysis_timeout` "
                                  "(a long text or a busy server).",
              "Try again, send a shorter text, or run `propscan analyze` on it.", None, 503),
    ErrorCode("http_error", "Another HTTP error (the status says which).", "Fix the request.", None, 400),
    ErrorCode("internal_error", "A bug in the server.", "Report it; the server log has the traceback.",
              None, 500),
)}


def lookup(code: str) -> ErrorCode:
    """The registry entry of `code`; an unregistered code is a bug, so this raises KeyError."""
    return REGISTRY[code]


class PropscanError(Exception):
    code = "E000"

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message

    @property
    def exit_code(self) -> int:
        return lookup(self.code).exit_code or 1

    @property
    def http_status(self) -> int:
        return lookup(self.code).http_status

    def __str__(self) -> str:
        return f"[{self.code}] {self.message}"


class InputError(PropscanError):
    """Input the user gave us cannot be read: missing, empty, binary, malformed."""

    code = "E001"


class EmptyTextError(InputError):
    code = "E002"


class DecodeError(InputError):
    code = "E003"


class MalformedLineError(InputError):
    code = "E004"


class ModelError(PropscanError):
    """The model folder is missing or incomplete."""

    code = "E010"


class TrainingError(PropscanError):
    code = "E020"


class StoreError(PropscanError):
    """A corpus store cannot be opened or read."""

    code = "E030"


class MissingDependency(PropscanError):
    """An optional dependency (an extra) is not installed."""

    code = "E033"


class ListenError(PropscanError):
    """The server cannot bind its address and port."""

    code = "E040"
