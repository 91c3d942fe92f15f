"""The SSE stream gate: per-partner and process caps, idempotent release, one query turn
per partner."""

from __future__ import annotations

import asyncio

import pytest

from quanhub.ledger.feeds.errors import StreamsFull, TooManyStreams
from quanhub.ledger.feeds.streams import StreamGate


def test_the_cap_is_per_partner_and_a_release_frees_one_slot_once() -> None:
    gate = StreamGate(per_partner=2, query_slots=1, total=100)
    first, _second = gate.admit("A"), gate.admit("A")
    with pytest.raises(TooManyStreams):
        gate.admit("A")
    gate.admit("B")  # another partner is not affected
    first()
    first()  # a second release of the same stream frees nothing more
    gate.admit("A")
    with pytest.raises(TooManyStreams):
        gate.admit("A")
    assert gate.open_streams == 3


def test_the_process_cap_holds_over_all_partners_and_frees_on_release() -> None:
    gate = StreamGate(per_partner=1, query_slots=1, total=3)
    releases = [gate.admit("A"), gate.admit("B"), gate.admit("C")]
    with pytest.raises(StreamsFull):
        gate.admit("D")
    with pytest.raises(TooManyStreams):  # a partner's own cap is told first
        gate.admit("A")
    releases[1]()
    releases[1]()
    gate.admit("D")
    with pytest.raises(StreamsFull):
        gate.admit("E")
    assert gate.open_streams == 3


async def test_steps_of_one_partner_take_turns_while_another_partner_proceeds() -> None:
    gate = StreamGate(per_partner=10, query_slots=2, total=100)
    inside: dict[str, int] = {"A": 0, "B": 0}
    most: dict[str, int] = {"A": 0, "B": 0}

    async def step(partner: str) -> None:
        async with gate.step(partner):
            inside[partner] += 1
            most[partner] = max(most[partner], inside[partner])
            await asyncio.sleep(0.01)
            inside[partner] -= 1

    b_done = asyncio.Event()

    async def b_step() -> None:
        await step("B")
        b_done.set()

    a_steps = [asyncio.create_task(step("A")) for _ in range(20)]
    await asyncio.sleep(0)
    b = asyncio.create_task(b_step())
    await asyncio.wait_for(b_done.wait(), timeout=0.1)  # not behind A's twenty steps
    await asyncio.gather(*a_steps, b)
    assert most == {"A": 1, "B": 1}
