"""Per-partner fairness of the query API: one partner's traffic cannot slow another's.

Every read takes a connection of one of the API's two pools (QUANHUB_DATABASE_POOL_MAX
each) and the process answers up to QUANHUB_HTTP_MAX_IN_FLIGHT requests at once: neither
says whose. Left alone, one partner (or one analyst's dashboard) firing many concurrent or
expensive reads holds every connection, and everyone else's point reads queue behind its.
So each authenticated request of a partner passes two per-partner gates first:

- a token bucket (quanhub.common.ratelimit, as the gateway's): `partner_rate` requests a
  second in bursts of `partner_burst`; beyond, 429 `rate_limited` with Retry-After and
  X-RateLimit-Limit/-Remaining/-Reset (sent on every answer it admits too);
- `partner_concurrency` slots: a partner's requests in progress at once. A request finding
  them all taken waits, in its partner's own queue (at most `partner_queue` deep, at most
  `partner_queue_seconds`), then 429 `partner_busy` with Retry-After. Only that partner's
  requests wait there; another partner's go straight to their own slots.

Both are per process, like the gateway's limit. SSE streams are bounded by the feeds'
own caps (QUANHUB_FEEDS_SSE_STREAMS_PER_PARTNER) and pass here untouched; /healthz,
/readyz and /metrics are not partner routes.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import Depends, FastAPI, Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from quanhub.common.access.deps import PrincipalDep
from quanhub.common.clock import SystemClock
from quanhub.common.http import PROBLEM_JSON, Problem
from quanhub.common.ratelimit import RateLimiter, rate_headers
from quanhub.ledger.api.context import api_context
from quanhub.ledger.settings import LedgerApiSettings

#: request.state key of the admitted request's X-RateLimit-* headers (see RateHeaders).
_HEADERS_STATE = "partner_rate_headers"

#: Routes bounded elsewhere: an SSE stream lives for minutes and has its own caps.
STREAM_ROUTES = frozenset({"/v1/feed"})


class PartnerBusy(Exception):
    """All of a partner's slots stayed taken (or its queue was full)."""


class PartnerSlots:
    """At most `limit` requests per partner in progress; up to `queue` more wait, each at
    most `wait_seconds`, for one of their own partner's slots (FIFO)."""

    def __init__(self, *, limit: int, queue: int, wait_seconds: float) -> None:
        self._limit = limit
        self._queue = queue
        self._wait = wait_seconds
        # One entry per partner that has sent a request: partners are the registry's, a
        # bounded set, so entries are kept rather than reclaimed.
        self._slots: dict[str, asyncio.Semaphore] = {}
        self._waiting: dict[str, int] = {}

    @asynccontextmanager
    async def hold(self, partner_code: str) -> AsyncIterator[None]:
        """One of the partner's slots for the block; PartnerBusy when none frees in time."""
        slots = self._slots.get(partner_code)
        if slots is None:
            slots = self._slots[partner_code] = asyncio.Semaphore(self._limit)
        if slots.locked():
            await self._wait_for(partner_code, slots)
        else:
            await slots.acquire()  # free: returns at once
        try:
            yield
        finally:
            slots.release()

    async def _wait_for(self, partner_code: str, slots: asyncio.Semaphore) -> None:
        waiting = self._waiting.get(partner_code, 0)
        if waiting >= self._queue:
            raise PartnerBusy
        self._waiting[partner_code] = waiting + 1
        try:
            await asyncio.wait_for(slots.acquire(), self._wait)
        except TimeoutError:
            raise PartnerBusy from None
        finally:
            self._waiting[partner_code] -= 1


class PartnerFairness:
    """The two per-partner gates of one API process (LedgerApiContext.fairness)."""

    def __init__(self, settings: LedgerApiSettings) -> None:
        # Real time whatever the app's clock: a test's fixed clock would never refill.
        self.limiter = RateLimiter(
            SystemClock(), rate=settings.partner_rate, burst=settings.partner_burst
        )
        self.slots = PartnerSlots(
            limit=settings.partner_concurrency,
            queue=settings.partner_queue,
            wait_seconds=settings.partner_queue_seconds,
        )
        self.retry_after_seconds = max(1, round(settings.partner_queue_seconds))


def _route_path(request: Request) -> str:
    route = request.scope.get("route")
    return str(getattr(route, "path", request.url.path))


async def partner_fairness(request: Request, principal: PrincipalDep) -> AsyncIterator[None]:
    """The request passes its partner's rate and takes one of its slots until answered; a
    router dependency (the route's own PrincipalDep is the same, cached, authentication)."""
    if _route_path(request) in STREAM_ROUTES:
        yield
        return
    fairness = api_context(request).fairness
    decision = fairness.limiter.take(principal.partner_code, 1)
    headers = rate_headers(decision)
    if not decision.allowed:
        retry = {"Retry-After": str(decision.retry_after_seconds)}
        detail = f"more than {decision.limit} requests in a burst; slow down and retry"
        raise Problem(429, "rate_limited", detail, headers={**headers, **retry})
    setattr(request.state, _HEADERS_STATE, headers)
    try:
        async with fairness.slots.hold(principal.partner_code):
            yield
    except PartnerBusy:
        retry = {"Retry-After": str(fairness.retry_after_seconds)}
        detail = "too many of your requests are in progress; retry when some have finished"
        raise Problem(429, "partner_busy", detail, headers=retry) from None


class RateHeaders:
    """Adds an admitted request's X-RateLimit-* headers to its answer, whichever it is (a
    view, a 404 problem, ...): a route's own Response would drop a dependency's headers."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            headers = scope.get("state", {}).get(_HEADERS_STATE)
            if message["type"] == "http.response.start" and headers:
                raw = [(k.lower().encode(), v.encode()) for k, v in headers.items()]
                message["headers"] = [*message.get("headers", ()), *raw]
            await send(message)

        await self.app(scope, receive, send_with_headers)


def install_fairness(app: FastAPI) -> None:
    """The middleware that adds the gates' headers to every answer of `app` (the gates are
    its context's `fairness`; mount its partner routers with `**FAIR`)."""
    app.add_middleware(RateHeaders)


#: Mount partner routers with `app.include_router(router, **FAIR)`: the gates, and their
#: 429 in the OpenAPI document.
FAIR: dict[str, Any] = {
    "dependencies": [Depends(partner_fairness)],
    "responses": {
        429: {
            "description": "Too many of this partner's requests (`rate_limited`: its rate; "
            "`partner_busy`: in progress at once); see Retry-After and X-RateLimit-* headers",
            "content": {PROBLEM_JSON: {"schema": {"type": "object"}}},
        }
    },
}
