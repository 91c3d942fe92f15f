"""Waiting between retries: one doubling backoff, and the retry loop built on it.

Every retry in the services waits the same way: from `initial` seconds, doubling up to
`cap`; with jitter when many processes retry the same dependency at once (after a database
restart, they do not all come back in the same instant).
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import Awaitable, Callable, Iterator
from typing import TypeVar

_T = TypeVar("_T")


def backoff(
    initial: float, cap: float, *, factor: float = 2.0, jitter: bool = False
) -> Iterator[float]:
    """The pauses between attempts: `initial`, then `factor` times more each time, never
    above `cap`. With `jitter`, each pause is drawn from its upper half (the doubling goes
    on undisturbed). Start a new iterator to start again from `initial`."""
    delay = initial
    while True:
        yield delay * random.uniform(0.5, 1.0) if jitter else delay  # noqa: S311 - not crypto
        delay = min(delay * factor, cap)


class GaveUp(Exception):
    """The retries were given up (the process is stopping); the last failure is the cause."""


async def retrying(
    work: Callable[[], Awaitable[_T]],
    *,
    retriable: Callable[[BaseException], bool],
    delays: Iterator[float],
    failed: Callable[[BaseException, float], Awaitable[None]],
    give_up: Callable[[], bool],
) -> _T:
    """`work`'s result, calling it again after each retriable failure: `failed` is told the
    error and the pause to come (to count, log and clean up), then, unless `give_up()`
    says to stop (GaveUp), the pause is waited out. A failure that is not retriable is
    raised as it is."""
    while True:
        try:
            return await work()
        except Exception as exc:
            if not retriable(exc):
                raise
            delay = next(delays)
            await failed(exc, delay)
            if give_up():
                raise GaveUp(str(exc)) from exc
            await asyncio.sleep(delay)
