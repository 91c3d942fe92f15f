"""What SSE streams may hold and take: caps on open streams (per partner, and over all
partners of the process), and turns for their catch-up queries, so one partner's streams
cannot starve other partners or routes.

Open streams do not count toward the HTTP server's request in-flight bound (they leave it
once streaming: quanhub.common.server.leave_in_flight), so the process-wide cap here is
what bounds them: sockets and coroutines held by idle streams, however many partners open
them.

A stream queries the ledger in steps (one page). A step takes its partner's turn first
(one step per partner at a time, so twenty streams of one partner queue behind each other,
not in front of everyone), then one of the shared query slots (fewer than the feed pool's
connections, so the subscription routes always find one). Rendering a page happens inside
the step, so at most `query_slots` pages are being rendered at once.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager

from quanhub.ledger.feeds.errors import StreamsFull, TooManyStreams


class StreamGate:
    """Admission and query turns for the SSE streams of one API process."""

    def __init__(self, *, per_partner: int, query_slots: int, total: int) -> None:
        self._per_partner = per_partner
        self._total = total
        self._count = 0
        self._open: dict[str, int] = {}
        self._turns: dict[str, asyncio.Lock] = {}
        self._slots = asyncio.Semaphore(query_slots)

    @property
    def open_streams(self) -> int:
        """Streams open right now, all partners."""
        return self._count

    def admit(self, partner_code: str) -> Callable[[], None]:
        """Count a new stream of the partner; TooManyStreams at the partner's cap,
        StreamsFull at the process's. Returns the release (call it once when the stream
        ends; further calls do nothing)."""
        held = self._open.get(partner_code, 0)
        if held >= self._per_partner:
            msg = f"a partner may hold {self._per_partner} open feed streams"
            raise TooManyStreams(msg)
        if self._count >= self._total:
            msg = f"this process holds {self._total} open feed streams; retry shortly"
            raise StreamsFull(msg)
        self._open[partner_code] = held + 1
        self._count += 1
        released = False

        def release() -> None:
            nonlocal released
            if released:
                return
            released = True
            self._count -= 1
            left = self._open[partner_code] - 1
            if left:
                self._open[partner_code] = left
            else:
                del self._open[partner_code]
                self._turns.pop(partner_code, None)

        return release

    @asynccontextmanager
    async def step(self, partner_code: str) -> AsyncIterator[None]:
        """Hold the partner's turn and a shared query slot for one query step."""
        turn = self._turns.setdefault(partner_code, asyncio.Lock())
        async with turn, self._slots:
            yield
