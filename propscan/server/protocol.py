"""uvicorn's HTTP/1.1 protocol with a time limit on request headers.

uvicorn closes a keep-alive connection that stays idle after a response, but a connection that
sends nothing at all, or half its headers, is kept open forever: a few thousand of them
(slowloris) would use up the server's connections. Here a connection waiting for a request's
headers is closed `seconds` after it opened or after the first byte of that request arrived.
Bodies have their own limit (BodyLimit in app.py); a request being processed has none.
"""

from __future__ import annotations

import asyncio

from uvicorn.protocols.http.h11_impl import H11Protocol


def with_header_timeout(seconds: float) -> type[H11Protocol]:
    class HeaderTimeoutProtocol(H11Protocol):
        _header_timer: asyncio.TimerHandle | None = None

        def _waiting_for_headers(self) -> bool:
            return self.cycle is None or self.cycle.response_complete

        def _arm(self) -> None:
            if self._header_timer is None:
                self._header_timer = self.loop.call_later(seconds, self._headers_too_late)

        def _disarm(self) -> None:
            if self._header_timer is not None:
                self._header_timer.cancel()
                self._header_timer = None

        def _headers_too_late(self) -> None:
            self._header_timer = None
            if self._waiting_for_headers() and not self.transport.is_closing():
                self.transport.close()

        def connection_made(self, transport) -> None:  # type: ignore[override]
            super().connection_made(transport)
            self._arm()

        def data_received(self, data: bytes) -> None:
            if self._waiting_for_headers():
                self._arm()   # from the first byte of this request; later bytes do not extend it
            super().data_received(data)
            if not self._waiting_for_headers():
                self._disarm()

        def on_response_complete(self) -> None:
            super().on_response_complete()   # idle from here on: uvicorn's keep-alive limit applies
            if not self._waiting_for_headers():
                self._disarm()               # a pipelined request has already started

        def connection_lost(self, exc: Exception | None) -> None:
            self._disarm()
            super().connection_lost(exc)

    return HeaderTimeoutProtocol
