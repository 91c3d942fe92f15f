"""An HTTP request's trace: chosen once from its headers, answered as `traceparent`.

Every answer (errors included) carries `traceparent` with the request's trace-id and the
hub's span id for the request, so a partner can find the hub's part of its trace. The
trace-id is the request's `traceparent` one when it is valid and safe
(`quanhub.common.tracecontext`), else the `X-Trace-Id` header's when safe (the older way,
still accepted), else one of the hub's making. When a partner's trace-id is not kept the
answer says why in `Quanhub-Trace-Replaced`: `unsafe` (it could carry personal data) or
`invalid` (not a W3C traceparent).
"""

from __future__ import annotations

from contextvars import ContextVar
from typing import NamedTuple

from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from quanhub.common.tracecontext import format_traceparent, new_span_id, parse_traceparent
from quanhub.common.traceids import is_safe_trace_id, new_trace_id

__all__ = [
    "REPLACED_HEADER",
    "RequestTrace",
    "TraceContextMiddleware",
    "current_trace",
    "request_trace",
    "resolve_trace",
]

#: The answer's header naming why a partner's trace-id was replaced.
REPLACED_HEADER = "Quanhub-Trace-Replaced"
_STATE_KEY = "quanhub_trace"
_TRACEPARENT = b"traceparent"
_X_TRACE_ID = b"x-trace-id"


class RequestTrace(NamedTuple):
    """The trace a request is part of and the hub's span for it."""

    trace_id: str
    span_id: str
    sampled: bool
    #: Why the partner's trace-id was not kept ("unsafe", "invalid"), or "".
    replaced: str = ""

    @property
    def traceparent(self) -> str:
        """The answer's `traceparent`."""
        return format_traceparent(self.trace_id, self.span_id, sampled=self.sampled)


#: The trace of the request being handled (set by TraceContextMiddleware).
_CURRENT: ContextVar[RequestTrace | None] = ContextVar("quanhub_request_trace", default=None)


def resolve_trace(traceparent: str | None, trace_header: str | None) -> RequestTrace:
    """The request's trace from its `traceparent` and `X-Trace-Id` headers (either may be
    absent): see the module docstring for the order and the rules."""
    span = new_span_id()
    parsed = parse_traceparent(traceparent)
    if parsed is not None and is_safe_trace_id(parsed.trace_id):
        return RequestTrace(parsed.trace_id, span, parsed.sampled)
    sampled = parsed.sampled if parsed is not None else True
    replaced = "" if traceparent is None else ("unsafe" if parsed is not None else "invalid")
    if trace_header and is_safe_trace_id(trace_header):
        return RequestTrace(trace_header, span, sampled, replaced)
    if trace_header and not replaced:
        replaced = "unsafe"
    return RequestTrace(new_trace_id(), span, sampled, replaced)


def request_trace(request: Request) -> RequestTrace:
    """The trace TraceContextMiddleware chose for `request` (resolved from its headers here
    when the app runs without the middleware)."""
    chosen = request.scope.get("state", {}).get(_STATE_KEY)
    if isinstance(chosen, RequestTrace):
        return chosen
    headers = request.headers
    return resolve_trace(headers.get("traceparent"), headers.get("x-trace-id"))


def current_trace() -> RequestTrace:
    """The trace of the request this code runs for, for code that is handed no Request
    (a pipeline shared by several routes); a new trace outside any request."""
    return _CURRENT.get() or resolve_trace(None, None)


class TraceContextMiddleware:
    """Chooses each HTTP request's trace and adds `traceparent` (and, when a partner's
    trace-id was replaced, Quanhub-Trace-Replaced) to its answer (pure ASGI: no cost per
    body chunk)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        traceparent = trace_header = None
        for name, value in scope["headers"]:
            if name == _TRACEPARENT:
                traceparent = value.decode("latin-1")
            elif name == _X_TRACE_ID:
                trace_header = value.decode("latin-1")
        trace = resolve_trace(traceparent, trace_header)
        scope.setdefault("state", {})[_STATE_KEY] = trace
        extra = [(_TRACEPARENT, trace.traceparent.encode())]
        if trace.replaced:
            extra.append((REPLACED_HEADER.lower().encode(), trace.replaced.encode()))

        async def send_traced(message: Message) -> None:
            if message["type"] == "http.response.start":
                message = {**message, "headers": [*message.get("headers", ()), *extra]}
            await send(message)

        token = _CURRENT.set(trace)
        try:
            await self.app(scope, receive, send_traced)
        finally:
            _CURRENT.reset(token)
