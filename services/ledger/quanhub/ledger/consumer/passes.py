"""The wake-or-poll loop under the projector, the sequencer and the link relay."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable


class Passes:
    """Runs a pass after every `kick` and every `poll_seconds` anyway (a wake-up sent while
    a connection was down is lost; the next poll finds its work), one at start, and one
    last pass after `stop` so a clean shutdown leaves nothing behind."""

    def __init__(self) -> None:
        self._kicked = asyncio.Event()
        self._kicked.set()  # a pass at start: what a crash or another process left
        self._halt = asyncio.Event()

    def kick(self) -> None:
        """There is new work: pass soon."""
        self._kicked.set()

    def stop(self) -> None:
        """Make `run` do one last pass and return."""
        self._halt.set()
        self._kicked.set()

    def stopping(self) -> bool:
        """`stop` was called (a retrying pass gives up on it)."""
        return self._halt.is_set()

    async def run(self, poll_seconds: float, one_pass: Callable[[], Awaitable[object]]) -> None:
        """Pass until `stop`, then once more and return."""
        while True:
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(poll_seconds):
                    await self._kicked.wait()
            self._kicked.clear()
            stopping = self._halt.is_set()
            await one_pass()
            if stopping:
                return
