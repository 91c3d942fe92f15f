"""How every long-running process runs its event loop: on uvloop (libuv), the loop uvicorn
also picks for the HTTP services. asyncpg and aiokafka spend much of their time in loop
callbacks and socket reads, which uvloop does in C."""

from __future__ import annotations

from collections.abc import Coroutine
from typing import Any, TypeVar

import uvloop

T = TypeVar("T")


def run(main: Coroutine[Any, Any, T]) -> T:
    """Run `main` to completion on a new uvloop event loop (as asyncio.run does)."""
    return uvloop.run(main)
