"""GET /v1/feed: the partner's events as Server-Sent Events, resumable by ledger sequence."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Sequence
from typing import Annotated

from fastapi import APIRouter, Depends, Header, Query
from fastapi.responses import StreamingResponse

from quanhub.common.access.deps import PrincipalDep
from quanhub.common.access.model import Principal
from quanhub.common.http import Problem
from quanhub.ledger.feeds.model import FeedEvent
from quanhub.ledger.feeds.runtime import FeedRuntime, feed_runtime
from quanhub.ledger.feeds.schemas import MAX_SEQ, parse_seq
from quanhub.ledger.feeds.source import KINDS
from quanhub.ledger.feeds.visibility import receives_events

RuntimeDep = Annotated[FeedRuntime, Depends(feed_runtime)]
RECONNECT_MS = 2000


def parse_kinds(kinds: str | None) -> tuple[str, ...]:
    """`parcel,customs` -> ("parcel", "customs"); all kinds when absent; Problem when unknown."""
    if kinds is None or not kinds.strip():
        return KINDS
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


def frame(event: FeedEvent) -> bytes:
    """One SSE message: id = ledger sequence, event = kind, data = one line of JSON."""
    return b"id: %d\nevent: %s\ndata: %s\n\n" % (event.seq, event.kind.encode(), event.to_json())


async def stream(
    runtime: FeedRuntime, principal: Principal, kinds: Sequence[str], cursor: int
) -> AsyncIterator[bytes]:
    """Catch up from `cursor` in bounded pages, then follow the ledger as it commits.

    `sent` is the last sequence the client holds (its Last-Event-ID). Rows scanned past it
    that this partner may not see are acknowledged with an `id:` line and no data, which
    moves the client's Last-Event-ID without dispatching an event (per the SSE spec), so a
    reconnect does not scan them again.
    """
    runtime.open_streams += 1
    try:
        async for chunk in _follow(runtime, principal, kinds, cursor):
            yield chunk
    finally:
        runtime.open_streams -= 1


async def _follow(
    runtime: FeedRuntime, principal: Principal, kinds: Sequence[str], cursor: int
) -> AsyncIterator[bytes]:
    settings, source = runtime.settings, runtime.source
    sent = scanned = cursor
    yield b"retry: %d\n: quanhub feed from %d\n\n" % (RECONNECT_MS, cursor)
    beat_at = time.monotonic() + settings.heartbeat_seconds
    while True:
        ticket = runtime.notifier.ticket()
        async with runtime.pool.acquire() as conn:
            head = await source.head(conn)
            upto = min(head, scanned + settings.scan_window)
            events = await source.fetch(
                conn,
                principal,
                kinds=kinds,
                after_seq=scanned,
                upto_seq=upto,
                limit=settings.sse_page_size,
            )
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
        await runtime.notifier.wait(beat_at - now, ticket)


def sse_router() -> APIRouter:
    """The SSE route (mounted by feeds_router)."""
    router = APIRouter(tags=["feeds"])

    @router.get(
        "/v1/feed",
        response_class=StreamingResponse,
        responses={200: {"content": {"text/event-stream": {}}}},
    )
    async def feed(
        principal: PrincipalDep,
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
        """
        if not receives_events(principal):
            raise Problem(403, "feed_not_allowed", "this role reads aggregates only")
        wanted = parse_kinds(kinds)
        cursor = _cursor(last_event_id, after)
        if cursor is None:
            async with runtime.pool.acquire() as conn:
                cursor = await runtime.source.head(conn)
        return StreamingResponse(
            stream(runtime, principal, wanted, cursor),
            media_type="text/event-stream",
            headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
        )

    return router
