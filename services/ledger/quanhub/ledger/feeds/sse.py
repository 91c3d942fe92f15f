"""GET /v1/feed: the partner's events as Server-Sent Events, resumable by ledger sequence,
for as long as the key that opened the stream stays valid."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Callable, Sequence
from typing import Annotated

from fastapi import APIRouter, Depends, Header, Query, Request
from fastapi.responses import StreamingResponse
from starlette.types import Receive, Scope, Send

from quanhub.common.http import AUTH_PROBLEMS, INVALID_REQUEST, Problem, problems
from quanhub.common.server import leave_in_flight
from quanhub.ledger.feeds.deps import FreshPrincipalDep, request_key_id
from quanhub.ledger.feeds.errors import StreamsFull, TooManyStreams
from quanhub.ledger.feeds.grant import Grant, still_granted
from quanhub.ledger.feeds.model import FeedEvent
from quanhub.ledger.feeds.notify import wait_first
from quanhub.ledger.feeds.runtime import FeedRuntime, feed_runtime
from quanhub.ledger.feeds.schemas import MAX_SEQ, parse_seq
from quanhub.ledger.feeds.source import DEFAULT_KINDS, KINDS
from quanhub.ledger.feeds.visibility import receives_events

RuntimeDep = Annotated[FeedRuntime, Depends(feed_runtime)]
RECONNECT_MS = 2000


def parse_kinds(kinds: str | None) -> tuple[str, ...]:
    """`parcel,customs` -> ("parcel", "customs"); the status kinds when absent (insights
    are asked for by name); Problem when unknown."""
    if kinds is None or not kinds.strip():
        return DEFAULT_KINDS
    wanted = tuple(dict.fromkeys(k.strip() for k in kinds.split(",") if k.strip()))
    unknown = [k for k in wanted if k not in KINDS]
    if unknown or not wanted:
        raise Problem(422, "invalid_kinds", f"kinds must be among {', '.join(KINDS)}")
    return wanted


def _cursor(last_event_id: str | None, after: int | None) -> int | None:
    if last_event_id is not None and last_event_id.strip():
        value = last_event_id.strip()
        seq = parse_seq(value)
        if seq is None:
            raise Problem(400, "invalid_cursor", "Last-Event-ID must be a ledger sequence number")
        return seq
    return after


def cursor_expired(cursor: int, retired: int) -> Problem:
    """The answer to a cursor that would skip events retention removed (up to `retired`)."""
    return Problem(
        410,
        "cursor_expired",
        f"events after {cursor} up to {retired} are no longer kept (retention): resume after "
        f"{retired} or later, or replay from an instant",
    )


def frame(event: FeedEvent) -> bytes:
    """One SSE message: id = ledger sequence, event = kind, data = one line of JSON."""
    return b"id: %d\nevent: %s\ndata: %s\n\n" % (event.seq, event.kind.encode(), event.to_json())


async def stream(
    runtime: FeedRuntime, grant: Grant, kinds: Sequence[str], cursor: int
) -> AsyncIterator[bytes]:
    """Catch up from `cursor` in bounded pages, then follow the ledger as it commits, for as
    long as the grant holds and the stream's lifetime lasts.

    `sent` is the last sequence the client holds (its Last-Event-ID). Rows scanned past it
    that this partner may not see are acknowledged with an `id:` line and no data, which
    moves the client's Last-Event-ID without dispatching an event (per the SSE spec), so a
    reconnect does not scan them again.
    """
    settings = runtime.settings
    sent = scanned = cursor
    yield b"retry: %d\n: quanhub feed from %d\n\n" % (RECONNECT_MS, cursor)
    now = time.monotonic()
    beat_at = now + settings.heartbeat_seconds
    # Every step checks the grant; an idle stream takes a step at least every
    # sse_reauth_seconds, and at once when the registry announces a change.
    check_at = now + settings.sse_reauth_seconds
    access = runtime.access.ticket()
    while True:
        now = time.monotonic()
        if now >= grant.ends_at:
            yield _farewell(
                b"maximum lifetime reached: reconnect with Last-Event-ID", scanned, sent
            )
            return
        ticket = runtime.notifier.ticket()
        if now >= check_at or access.is_set():
            access = runtime.access.ticket()
            check_at = now + settings.sse_reauth_seconds
        page = await _step(runtime, grant, kinds, scanned)
        if page is None:
            yield _farewell(b"access ended", scanned, sent)
            return
        events, head, upto = page
        for event in events:
            yield frame(event)
        full = len(events) >= settings.sse_page_size
        if events:
            sent = events[-1].seq
        scanned = sent if full else max(scanned, upto)
        if full or scanned < head:
            continue  # more to catch up on: no waiting
        now = time.monotonic()
        if now >= beat_at:
            yield b": heartbeat\n" + (b"id: %d\n" % scanned if scanned > sent else b"") + b"\n"
            sent = scanned
            beat_at = now + settings.heartbeat_seconds
            continue
        until = min(beat_at, check_at, grant.ends_at)
        await wait_first(until - now, ticket, access)


async def _step(
    runtime: FeedRuntime, grant: Grant, kinds: Sequence[str], scanned: int
) -> tuple[list[FeedEvent], int, int] | None:
    """One query step: the key checked and a page read in one snapshot (REPEATABLE READ),
    under the partner's turn and a shared slot. None when the grant no longer holds."""
    settings, source = runtime.settings, runtime.source
    async with (
        runtime.gate.step(grant.principal.partner_code),
        runtime.pool.acquire() as conn,
        conn.transaction(isolation="repeatable_read", readonly=True),
    ):
        if not await still_granted(conn, grant, runtime.clock.now()):
            return None
        head = await source.head(conn)
        upto = min(head, scanned + settings.scan_window)
        events = await source.fetch(
            conn,
            grant.principal,
            kinds=kinds,
            after_seq=scanned,
            upto_seq=upto,
            limit=settings.sse_page_size,
        )
    return events, head, upto


def _farewell(reason: bytes, scanned: int, sent: int) -> bytes:
    """The last block of a stream the hub ends: a comment saying why, and the cursor moved
    past rows scanned but not shown (so the reconnect does not scan them again)."""
    return b": " + reason + b"\n" + (b"id: %d\n" % scanned if scanned > sent else b"") + b"\n"


class _FeedResponse(StreamingResponse):
    """A stream that gives its partner's slot back however the response ends."""

    def __init__(self, content: AsyncIterator[bytes], release: Callable[[], None]) -> None:
        super().__init__(
            content,
            media_type="text/event-stream",
            headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
        )
        self._release = release

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        # From here the stream is bounded by the gate's caps, not the request bound.
        leave_in_flight(scope)
        try:
            await super().__call__(scope, receive, send)
        finally:
            self._release()


def sse_router() -> APIRouter:
    """The SSE route (mounted by feeds_router)."""
    router = APIRouter(tags=["feeds"])

    @router.get(
        "/v1/feed",
        response_class=StreamingResponse,
        responses={
            200: {"content": {"text/event-stream": {}}},
            **problems(
                {
                    **AUTH_PROBLEMS,
                    400: "A Last-Event-ID that is not a ledger sequence number",
                    403: "The caller's role receives no events (`feed_not_allowed`)",
                    410: "The cursor points before events retention removed (`cursor_expired`)",
                    422: INVALID_REQUEST,
                    429: "The partner holds the most streams allowed, or too many requests",
                    503: AUTH_PROBLEMS[503] + "; or the most streams of all partners are open",
                }
            ),
        },
    )
    async def feed(  # noqa: PLR0917 - FastAPI passes parameters by keyword
        request: Request,
        principal: FreshPrincipalDep,
        runtime: RuntimeDep,
        kinds: Annotated[
            str | None, Query(description="Comma-separated kinds: order, parcel, customs")
        ] = None,
        after: Annotated[
            int | None,
            Query(ge=0, le=MAX_SEQ, description="Start after this ledger sequence (default: now)"),
        ] = None,
        last_event_id: Annotated[str | None, Header(alias="Last-Event-ID")] = None,
    ) -> StreamingResponse:
        """Stream the events this partner may see, as they commit to the ledger.

        Each message has `id:` = ledger sequence, `event:` = kind, `data:` = the event as
        JSON (personal data only as masked forms). Reconnect with `Last-Event-ID` (browsers
        do it for you) to resume exactly after the last event received: no gap, no
        duplicate. Without a cursor the stream starts at the current end of the ledger;
        `?after=<seq>` starts after a given sequence. Comment lines (`: heartbeat`) keep
        idle connections alive.

        Opening a stream checks the key against the registry (not the API's short
        authentication cache): a key revoked or a partner disabled a moment ago gets 401.
        A stream lasts as long as its key: it ends (with a comment saying why) once the key
        is revoked or expires or the partner is disabled, and after at most
        `QUANHUB_FEEDS_SSE_MAX_LIFETIME_SECONDS`; reconnect with `Last-Event-ID`. A partner
        may hold `QUANHUB_FEEDS_SSE_STREAMS_PER_PARTNER` streams at once; more answer 429
        (and 503 beyond `QUANHUB_FEEDS_SSE_STREAMS_TOTAL` streams of all partners).
        """
        if not receives_events(principal):
            raise Problem(403, "feed_not_allowed", "this role reads aggregates only")
        wanted = parse_kinds(kinds)
        cursor = _cursor(last_event_id, after)
        async with runtime.pool.acquire() as conn:
            if cursor is None:
                cursor = await runtime.source.head(conn)
            elif cursor < (retired := await runtime.source.retired_through(conn)):
                raise cursor_expired(cursor, retired)
        grant = Grant(
            principal,
            request_key_id(request),
            time.monotonic() + runtime.settings.sse_max_lifetime_seconds,
        )
        try:
            release = runtime.gate.admit(principal.partner_code)
        except TooManyStreams as exc:
            raise Problem(429, exc.code, exc.message, headers={"Retry-After": "5"}) from exc
        except StreamsFull as exc:
            raise Problem(503, exc.code, exc.message, headers={"Retry-After": "5"}) from exc
        return _FeedResponse(stream(runtime, grant, wanted, cursor), release)

    return router
