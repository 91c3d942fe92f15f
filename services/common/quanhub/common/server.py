"""How the public APIs' HTTP servers bound slow and excess requests.

uvicorn limits none of these by itself: a connection that never finishes its headers, or
its body, is held as long as the client likes (its keep-alive timer starts only after a
response, and any byte cancels it), and a process takes every request it is sent. So:

- `DeadlineHttpProtocol` closes a connection whose request head is not complete within
  `header_timeout_seconds` of its first byte (or of the connection, for the first request),
  or whose body is not complete within `body_timeout_seconds` of its head, answering 408
  (problem details) when no response was started; and one whose head or body is larger
  than `max_header_bytes` (431) or `max_body_bytes` (413), before buffering more of it;
- `InFlightLimit` answers 503 with Retry-After beyond `max_in_flight` requests in progress
  in the process (the ops endpoints are exempt: a probe must see a busy process alive).
  A long-lived response (an SSE stream) leaves the count once it starts streaming
  (`leave_in_flight`), so open streams never crowd out ordinary requests; whoever serves
  such responses bounds them itself (the feeds cap streams per partner and per process).

`server_config` wires both into a uvicorn.Config; every public API is served through it.
"""

from __future__ import annotations

import asyncio
from typing import Any, ClassVar

import orjson
import uvicorn
from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict
from starlette.types import ASGIApp, Receive, Scope, Send
from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

from quanhub.common.http import PROBLEM_JSON, problem_body, problem_response

#: Seconds a connection refused for its body's size keeps reading (and dropping) the rest.
LINGER_SECONDS = 5.0
#: Paths never refused for load: liveness, readiness and metrics must answer a busy process.
OPS_PATHS = frozenset({"/healthz", "/readyz", "/metrics"})
#: The scope extension through which a response leaves the in-flight count.
IN_FLIGHT_EXTENSION = "quanhub.in_flight"


class HttpServerSettings(BaseSettings):
    """QUANHUB_HTTP_*: read deadlines and the in-flight bound of a public API process.

    All performance knobs: the defaults need no tuning; docs/operations.md
    #performance-knobs says what each trades.
    """

    model_config = SettingsConfigDict(env_prefix="QUANHUB_HTTP_", extra="ignore")

    #: Seconds a client has to send a request's line and headers (from its first byte, or
    #: from the connection for the first request).
    header_timeout_seconds: float = Field(default=10.0, gt=0, le=300)
    #: Seconds a client has to send a request's whole body once its headers are in.
    body_timeout_seconds: float = Field(default=30.0, gt=0, le=3600)
    #: Seconds an idle keep-alive connection is kept between requests.
    keep_alive_seconds: int = Field(default=5, ge=1, le=300)
    #: A request head's bytes at most (request line and headers); beyond, 431.
    max_header_bytes: int = Field(default=64 * 1024, ge=4096, le=1024 * 1024)
    #: A request body's bytes at most; beyond, 413 before it is read. The gateway raises it
    #: to its own QUANHUB_GATEWAY_MAX_BODY_BYTES, whose finer refusals it answers itself.
    max_body_bytes: int = Field(default=1024 * 1024, ge=1024)
    #: Requests in progress in one process at most; beyond, 503. Open streams do not count
    #: once streaming (the feeds bound them: QUANHUB_FEEDS_SSE_STREAMS_TOTAL).
    max_in_flight: int = Field(default=256, ge=1, le=100_000)
    #: Retry-After (seconds) sent with the 503 beyond `max_in_flight`.
    busy_retry_after_seconds: int = Field(default=1, ge=1, le=60)


_REASONS = {
    408: b"Request Timeout",
    413: b"Content Too Large",
    431: b"Request Header Fields Too Large",
}


def _raw_problem(status: int, code: str, detail: str) -> bytes:
    """A complete HTTP/1.1 problem response that closes the connection."""
    body = orjson.dumps(problem_body(status, code, detail))
    head = (
        b"HTTP/1.1 " + str(status).encode() + b" " + _REASONS[status] + b"\r\n"
        b"content-type: " + PROBLEM_JSON.encode() + b"\r\n"
        b"content-length: " + str(len(body)).encode() + b"\r\n"
        b"connection: close\r\n\r\n"
    )
    return head + body


class DeadlineHttpProtocol(HttpToolsProtocol):
    """uvicorn's httptools protocol with deadlines and size limits on reading a request.

    The limits are class attributes: `server_config` makes a subclass with the settings'
    values, as uvicorn builds protocols from a class. A request refused here never reaches
    the application, or, when it is already running, sees the client disconnect.
    """

    header_timeout: ClassVar[float] = 10.0
    body_timeout: ClassVar[float] = 30.0
    max_head_bytes: ClassVar[int] = 64 * 1024
    max_body_bytes: ClassVar[int] = 1024 * 1024
    _head_deadline: asyncio.TimerHandle | None = None
    _body_deadline: asyncio.TimerHandle | None = None
    #: Bytes of the request head received so far, in chunks that held nothing else.
    _head_bytes = 0
    #: Heads completed on this connection (a chunk that completes one is not all head).
    _heads = 0
    _body_bytes = 0
    #: The connection is being closed: the parser's remaining callbacks are ignored.
    _refused = False

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(transport)
        self._arm_head()  # a connection that sends nothing is a slow head too

    def connection_lost(self, exc: Exception | None) -> None:
        self._cancel()
        super().connection_lost(exc)

    def data_received(self, data: bytes) -> None:
        in_head, heads = self._head_deadline is not None, self._heads
        super().data_received(data)
        if in_head and self._head_deadline is not None and heads == self._heads:
            # httptools buffers an unfinished head whole: bound it.
            self._head_bytes += len(data)
            if self._head_bytes > self.max_head_bytes:
                detail = f"the request head is larger than {self.max_head_bytes} bytes"
                self._refuse(_raw_problem(431, "header_too_large", detail))

    def on_message_begin(self) -> None:
        if self._refused:
            return
        super().on_message_begin()
        self._arm_head()

    def on_headers_complete(self) -> None:
        if self._refused:
            return
        if self._head_deadline is not None:
            self._head_deadline.cancel()
            self._head_deadline = None
        self._heads += 1
        self._head_bytes = self._body_bytes = 0
        declared = dict(self.headers).get(b"content-length", b"").strip()
        if declared.isdigit() and int(declared) > self.max_body_bytes:
            self._refuse(self._body_too_large(), linger=True)
            return
        super().on_headers_complete()
        self._body_deadline = self.loop.call_later(self.body_timeout, self._body_late)

    def on_body(self, body: bytes) -> None:
        if self._refused:
            return
        self._body_bytes += len(body)
        if self._body_bytes > self.max_body_bytes:  # chunked: no length was declared
            self._refuse(None if self._answered() else self._body_too_large(), linger=True)
            return
        super().on_body(body)

    def on_message_complete(self) -> None:
        if self._refused:  # a refused body has been read to its end (and dropped): close
            if not self.transport.is_closing():
                self.transport.close()
            return
        if self._body_deadline is not None:
            self._body_deadline.cancel()
            self._body_deadline = None
        super().on_message_complete()

    def _body_too_large(self) -> bytes:
        detail = f"the request body is larger than {self.max_body_bytes} bytes"
        return _raw_problem(413, "body_too_large", detail)

    def _arm_head(self) -> None:
        if self._head_deadline is None:
            self._head_deadline = self.loop.call_later(self.header_timeout, self._head_late)

    def _cancel(self) -> None:
        for timer in (self._head_deadline, self._body_deadline):
            if timer is not None:
                timer.cancel()
        self._head_deadline = self._body_deadline = None

    def _answered(self) -> bool:
        cycle = self.cycle
        return cycle is not None and cycle.response_started

    def _head_late(self) -> None:
        self._head_deadline = None
        detail = f"the request head was not complete within {self.header_timeout:g} s"
        self._refuse(_raw_problem(408, "header_timeout", detail))

    def _body_late(self) -> None:
        self._body_deadline = None
        detail = f"the request body was not complete within {self.body_timeout:g} s"
        self._refuse(None if self._answered() else _raw_problem(408, "body_timeout", detail))

    def _refuse(self, answer: bytes | None, *, linger: bool = False) -> None:
        """Answer (unless a response was started) and close the connection; with `linger`,
        only once the client has sent the rest of its body (dropped unbuffered, as the
        parser hands it over) or after LINGER_SECONDS (at most the body deadline): a client
        still sending when the connection closes would get a reset, not the answer."""
        self._refused = True
        self._cancel()
        if self.transport.is_closing():
            return
        if answer is not None:
            self.transport.write(answer)
        if linger:
            self.flow.resume_reading()
            seconds = min(LINGER_SECONDS, self.body_timeout)
            self._body_deadline = self.loop.call_later(seconds, self.transport.close)
            return
        # The application, if it waits for the body, is told the client is gone.
        self.transport.close()


class _Counted:
    """One request's place in the in-flight count, given back once."""

    __slots__ = ("_left", "_limit")

    def __init__(self, limit: InFlightLimit) -> None:
        self._limit = limit
        self._left = False
        limit.in_flight += 1

    def leave(self) -> None:
        if not self._left:
            self._left = True
            self._limit.in_flight -= 1


def leave_in_flight(scope: Scope) -> None:
    """Take the request out of the process's in-flight count (no-op when not counted).

    For a response that starts a long-lived stream: it is no longer work in progress of
    the kind the bound is for, and must be bounded by its own cap instead."""
    counted = scope.get("extensions", {}).get(IN_FLIGHT_EXTENSION)
    if isinstance(counted, _Counted):
        counted.leave()


class InFlightLimit:
    """503 with Retry-After beyond `limit` HTTP requests in progress (pure ASGI); a
    request that calls `leave_in_flight` stops counting from then on."""

    def __init__(self, app: ASGIApp, *, limit: int, retry_after: int) -> None:
        self.app = app
        self.limit = limit
        self.retry_after = retry_after
        self.in_flight = 0

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] in OPS_PATHS:
            await self.app(scope, receive, send)
            return
        if self.in_flight >= self.limit:
            detail = f"this process has {self.limit} requests in progress; retry shortly"
            response = problem_response(
                503,
                "server_busy",
                detail,
                instance=scope["path"],
                headers={"Retry-After": str(self.retry_after)},
            )
            await response(scope, receive, send)
            return
        counted = _Counted(self)
        scope["extensions"] = {**(scope.get("extensions") or {}), IN_FLIGHT_EXTENSION: counted}
        try:
            await self.app(scope, receive, send)
        finally:
            counted.leave()


def server_config(app: ASGIApp, settings: HttpServerSettings, **options: Any) -> uvicorn.Config:
    """A uvicorn.Config serving `app` with the read deadlines and in-flight bound of
    `settings`; our JSON logs only, no access log, no Server header. `options` go to
    uvicorn (host and port, or nothing when the caller passes sockets to run)."""
    protocol = type(
        "DeadlineHttp",
        (DeadlineHttpProtocol,),
        {
            "header_timeout": settings.header_timeout_seconds,
            "body_timeout": settings.body_timeout_seconds,
            "max_head_bytes": settings.max_header_bytes,
            "max_body_bytes": settings.max_body_bytes,
        },
    )
    limited = InFlightLimit(
        app, limit=settings.max_in_flight, retry_after=settings.busy_retry_after_seconds
    )
    return uvicorn.Config(
        limited,
        http=protocol,
        timeout_keep_alive=settings.keep_alive_seconds,
        log_config=None,
        access_log=False,
        server_header=False,
        **options,
    )
