"""The wake-or-poll loop: a pass at start, one per kick, one last after stop."""

from __future__ import annotations

import asyncio

from quanhub.ledger.consumer.passes import Passes


async def test_passes_at_start_on_kick_and_once_after_stop() -> None:
    passes = Passes()
    ran: list[int] = []
    ran_once = asyncio.Event()

    async def one_pass() -> None:
        ran.append(len(ran))
        ran_once.set()

    task = asyncio.create_task(passes.run(60.0, one_pass))
    async with asyncio.timeout(5):
        await ran_once.wait()  # the pass at start, without a kick
        ran_once.clear()
        passes.kick()
        await ran_once.wait()
        passes.stop()
        await task
    assert len(ran) == 3
    assert passes.stopping()


async def test_polls_without_kicks() -> None:
    passes = Passes()
    ran = 0

    async def one_pass() -> None:
        nonlocal ran
        ran += 1
        if ran == 3:
            passes.stop()

    async with asyncio.timeout(5):
        await passes.run(0.01, one_pass)
    assert ran == 4  # two polls, the pass that stopped, the last pass
