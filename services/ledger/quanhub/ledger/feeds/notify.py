"""Wakes feed readers when the ledger commits: LISTEN on one dedicated connection.

The ledger's projector runs `NOTIFY quanhub_ledger, '<visible seq>'` after each step.
Readers never trust a notification for data (they query from their cursor); it only tells
them to look now instead of at their next heartbeat, so a lost notification costs latency,
never an event. If the listening connection drops it reconnects (quanhub.common.listen),
and wakes everyone once.
"""

from __future__ import annotations

import asyncio
import contextlib

from quanhub.common.listen import ChannelListener
from quanhub.ledger.store.projector import NOTIFY_CHANNEL as CHANNEL


class LedgerNotifier:
    """Latest committed sequence number seen, and a way to wait for a newer one."""

    def __init__(self, dsn: str, *, channel: str = CHANNEL, reconnect_delay: float = 1.0) -> None:
        self._head = 0
        self._changed = asyncio.Event()
        self._listener = ChannelListener(
            dsn,
            channel,
            on_notify=self._on_notify,
            on_state=self._on_state,
            name="ledger",
            min_backoff=reconnect_delay,
            max_backoff=reconnect_delay,
        )

    @property
    def head(self) -> int:
        """The highest sequence number announced so far (0 before the first)."""
        return self._head

    @property
    def connected(self) -> bool:
        """Whether the LISTEN connection is up (for readiness)."""
        return self._listener.connected

    async def start(self, *, wait: float = 10.0) -> None:
        """Start listening; returns once connected (or after `wait` seconds, still trying)."""
        await self._listener.start(wait=wait)

    async def close(self) -> None:
        """Stop listening and close the connection."""
        await self._listener.close()

    def ticket(self) -> asyncio.Event:
        """Take before reading the ledger; pass to `wait` after, so an announcement made
        while reading is not missed (the returned event is set by the next announcement)."""
        return self._changed

    async def wait(self, seconds: float, ticket: asyncio.Event | None = None) -> None:
        """Return at the next announcement after `ticket` was taken (now, if none given),
        or after `seconds`, whichever comes first."""
        changed = ticket or self._changed
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(changed.wait(), seconds)

    def wake(self, seq: int | None = None) -> None:
        """Wake every waiter (and raise the head to `seq`)."""
        if seq is not None and seq > self._head:
            self._head = seq
        changed, self._changed = self._changed, asyncio.Event()
        changed.set()

    def _on_notify(self, payload: str) -> None:
        try:
            seq = int(payload)
        except ValueError:
            seq = None
        self.wake(seq)

    def _on_state(self, listening: bool) -> None:
        if listening:
            self.wake()  # we may have missed announcements while disconnected


class AccessWake:
    """Wakes open SSE streams to re-authorise when partners or API keys change.

    An `AccessCache` (quanhub.common.access.listener): the process's one `AccessListener`
    on `quanhub_access` drives it, at every announced change and at every (re)connection,
    since changes made while nobody listened were not announced.
    """

    def __init__(self) -> None:
        self._changed = asyncio.Event()

    def ticket(self) -> asyncio.Event:
        """Take before checking a grant; it is set by the next change after."""
        return self._changed

    def forget(self) -> None:
        """The registry changed: wake every stream holding a ticket."""
        changed, self._changed = self._changed, asyncio.Event()
        changed.set()

    def set_listening(self, listening: bool) -> None:
        """Changes are heard again (True): some may have been missed meanwhile."""
        if listening:
            self.forget()


async def wait_first(seconds: float, *events: asyncio.Event) -> None:
    """Return when any of `events` is set, or after `seconds`, whichever comes first."""
    if any(event.is_set() for event in events) or seconds <= 0:
        return
    waiters = [asyncio.ensure_future(event.wait()) for event in events]
    try:
        await asyncio.wait(waiters, timeout=seconds, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for waiter in waiters:
            waiter.cancel()
