"""AttemptSlots: a slot waits for its attempt a bounded time, then hands it off."""

from __future__ import annotations

import asyncio
import time

import pytest

from quanhub.ledger.dispatcher.slots import AttemptSlots


async def _sleep(seconds: float, done: list[float]) -> None:
    await asyncio.sleep(seconds)
    done.append(seconds)


async def test_a_fast_attempt_is_awaited_in_the_slot() -> None:
    slots = AttemptSlots(hold_seconds=1.0, max_background=4)
    done: list[float] = []
    assert await slots.run(_sleep(0.01, done), name="fast") is False
    assert done == [0.01]
    assert slots.background == 0


async def test_a_slow_attempt_goes_to_the_background_after_the_hold() -> None:
    slots = AttemptSlots(hold_seconds=0.05, max_background=4)
    done: list[float] = []
    started = time.monotonic()
    assert await slots.run(_sleep(0.5, done), name="slow") is True
    assert time.monotonic() - started < 0.3
    assert (done, slots.background) == ([], 1)
    await slots.drain()
    assert (done, slots.background) == ([0.5], 0)


async def test_beyond_the_background_bound_the_slot_waits() -> None:
    slots = AttemptSlots(hold_seconds=0.02, max_background=1)
    done: list[float] = []
    assert await slots.run(_sleep(0.3, done), name="first") is True
    assert await slots.run(_sleep(0.1, done), name="second") is False
    assert 0.1 in done
    await slots.drain()


async def test_a_cancelled_slot_cancels_its_attempt() -> None:
    slots = AttemptSlots(hold_seconds=5.0, max_background=1)
    done: list[float] = []
    caller = asyncio.create_task(slots.run(_sleep(0.2, done), name="doomed"))
    await asyncio.sleep(0.05)
    caller.cancel()
    with pytest.raises(asyncio.CancelledError):
        await caller
    await asyncio.sleep(0.3)
    assert done == []


async def test_an_attempts_error_reaches_the_slot_that_waited_for_it() -> None:
    async def broken() -> None:
        raise OSError("database gone")

    slots = AttemptSlots(hold_seconds=1.0, max_background=1)
    with pytest.raises(OSError, match="database gone"):
        await slots.run(broken(), name="broken")


async def test_cancel_stops_background_attempts() -> None:
    slots = AttemptSlots(hold_seconds=0.01, max_background=2)
    done: list[float] = []
    assert await slots.run(_sleep(5.0, done), name="slow") is True
    await slots.cancel()
    assert (done, slots.background) == ([], 0)
