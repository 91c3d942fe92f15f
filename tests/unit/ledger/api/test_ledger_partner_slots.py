"""A partner's request slots in the query API (quanhub.ledger.api.fairness.PartnerSlots):
its own queue, bounded in depth and wait, never another partner's."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import AbstractAsyncContextManager, AsyncExitStack

import pytest

from quanhub.ledger.api.fairness import PartnerBusy, PartnerSlots


async def _held(stack: AsyncExitStack, slot: AbstractAsyncContextManager[None]) -> None:
    await stack.enter_async_context(slot)


async def _hold_until(
    slot: AbstractAsyncContextManager[None], done: asyncio.Event, entered: asyncio.Event
) -> str:
    async with slot:
        entered.set()
        await done.wait()
    return "served"


@pytest.fixture
async def stack() -> AsyncIterator[AsyncExitStack]:
    async with AsyncExitStack() as stack:
        yield stack


async def test_beyond_its_slots_a_partner_waits_in_its_own_queue(stack: AsyncExitStack) -> None:
    slots = PartnerSlots(limit=2, queue=1, wait_seconds=5)
    await _held(stack, slots.hold("SF"))
    release = asyncio.Event()
    second = asyncio.create_task(_hold_until(slots.hold("SF"), release, asyncio.Event()))
    await asyncio.sleep(0)
    entered = asyncio.Event()
    waiting = asyncio.create_task(_hold_until(slots.hold("SF"), asyncio.Event(), entered))
    await asyncio.sleep(0.01)
    assert not entered.is_set(), "the third request of SF waits for one of SF's slots"
    with pytest.raises(PartnerBusy):  # the queue (1) is full: refused at once
        async with slots.hold("SF"):
            pass
    # Another partner is never behind SF's queue.
    async with asyncio.timeout(0.5), slots.hold("ZTO"), slots.hold("ZTO"):
        pass
    release.set()
    assert await second == "served"
    async with asyncio.timeout(0.5):
        await entered.wait()  # the waiter now holds the freed slot
    waiting.cancel()


async def test_a_waiter_gives_up_after_its_wait(stack: AsyncExitStack) -> None:
    slots = PartnerSlots(limit=1, queue=4, wait_seconds=0.05)
    await _held(stack, slots.hold("SF"))
    loop = asyncio.get_running_loop()
    start = loop.time()
    with pytest.raises(PartnerBusy):
        async with slots.hold("SF"):
            pass
    assert 0.04 <= loop.time() - start < 1


async def test_slots_are_given_back_whatever_the_request_did() -> None:
    slots = PartnerSlots(limit=1, queue=0, wait_seconds=0)
    with pytest.raises(RuntimeError):
        async with slots.hold("SF"):
            raise RuntimeError
    async with asyncio.timeout(0.5), slots.hold("SF"):
        pass  # the failed request's slot was released
