"""Workers run their event loop on uvloop."""

from __future__ import annotations

import asyncio

import uvloop

from quanhub.common import runtime


def test_run_uses_uvloop_and_returns_the_result() -> None:
    async def main() -> tuple[type, int]:
        await asyncio.sleep(0)
        return type(asyncio.get_running_loop()), 42

    loop_type, value = runtime.run(main())
    assert issubclass(loop_type, uvloop.Loop)
    assert value == 42
