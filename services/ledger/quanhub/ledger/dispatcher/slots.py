"""How long an attempt holds a dispatcher slot: a slow attempt is handed to the background.

A dispatcher runs `concurrency` loops; each claims a subscription and attempts a delivery.
Were a loop to wait for the attempt to end, receivers that answer slowly (up to the attempt's
wall-clock deadline) would hold every loop, and a partner with nothing in flight would wait
for one of them however fairly claims are ordered: each partner is capped, but enough
partners together fill every slot. So a loop waits for its attempt at most `hold_seconds`;
one still running then finishes in the background (still under its lease and its partner's
cap, and still within its deadline) and the loop goes back to claiming. The background is
bounded too (`max_background` attempts); beyond it a loop waits for its own attempt, as
before.
"""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from typing import Any

import structlog

log = structlog.get_logger(__name__)


class AttemptSlots:
    """The attempts of one dispatcher process: in a loop's slot, or in the background."""

    def __init__(self, *, hold_seconds: float, max_background: int) -> None:
        self._hold = hold_seconds
        self._max_background = max_background
        self._background: set[asyncio.Task[None]] = set()

    @property
    def background(self) -> int:
        """Attempts running in the background right now."""
        return len(self._background)

    async def run(self, attempt: Coroutine[Any, Any, None], *, name: str) -> bool:
        """Run `attempt`; return when it has ended (False; its exception is raised) or when,
        still running after `hold_seconds`, it was handed to the background (True). A
        cancelled caller cancels its attempt (a dying dispatcher leaves the lease to expire)."""
        task = asyncio.create_task(attempt, name=name)
        try:
            done, _ = await asyncio.wait({task}, timeout=self._hold)
            if not done and len(self._background) < self._max_background:
                self._background.add(task)
                task.add_done_callback(self._ended)
                return True
            await task
        except asyncio.CancelledError:
            task.cancel()
            raise
        return False

    def _ended(self, task: asyncio.Task[None]) -> None:
        self._background.discard(task)
        if task.cancelled():
            return
        exc = task.exception()
        if exc is not None:  # the lease expires and the delivery is retried under its id
            log.warning("dispatch_attempt_failed", error=type(exc).__name__, detail=str(exc))

    async def drain(self) -> None:
        """Wait for the background attempts (each ends by its deadline)."""
        await asyncio.gather(*self._background, return_exceptions=True)

    async def cancel(self) -> None:
        """Cancel the background attempts and wait until they have stopped."""
        for task in self._background:
            task.cancel()
        await asyncio.gather(*self._background, return_exceptions=True)
