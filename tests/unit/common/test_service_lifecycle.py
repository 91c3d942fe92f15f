"""One lifecycle for every process: parts run side by side until a signal, a stop or the
end of one of them; then all are halted, and a part's failure is the process's."""

from __future__ import annotations

import asyncio
import os
import signal

import pytest

from quanhub.common.service import run_until_signalled


class Part:
    """A part that runs until halted, or fails when told to."""

    def __init__(self, *, fail_after: float | None = None) -> None:
        self.halted = asyncio.Event()
        self.fail_after = fail_after
        self.finished = False

    async def run(self) -> None:
        if self.fail_after is not None:
            await asyncio.sleep(self.fail_after)
            raise RuntimeError("part crashed")
        await self.halted.wait()
        self.finished = True


def _halt(*parts: Part) -> None:
    for part in parts:
        part.halted.set()


async def test_a_stop_halts_every_part_and_waits_for_them() -> None:
    a, b = Part(), Part()
    stopping = asyncio.Event()
    running = asyncio.create_task(
        run_until_signalled({"a": a.run(), "b": b.run()}, lambda: _halt(a, b), stopping=stopping)
    )
    await asyncio.sleep(0.01)
    assert not running.done()
    stopping.set()
    await asyncio.wait_for(running, 5)
    assert a.finished
    assert b.finished


async def test_sigterm_halts_every_part() -> None:
    a = Part()
    running = asyncio.create_task(run_until_signalled({"a": a.run()}, lambda: _halt(a)))
    await asyncio.sleep(0.01)
    os.kill(os.getpid(), signal.SIGTERM)
    await asyncio.wait_for(running, 5)
    assert a.finished


async def test_a_crashed_part_halts_the_others_and_its_failure_is_raised() -> None:
    crashing, other = Part(fail_after=0.01), Part()
    with pytest.raises(RuntimeError, match="part crashed"):
        await asyncio.wait_for(
            run_until_signalled(
                {"crashing": crashing.run(), "other": other.run()}, lambda: _halt(other)
            ),
            5,
        )
    assert other.finished


async def test_cancelled_it_cancels_the_parts_instead_of_halting_them() -> None:
    a = Part()
    halts: list[str] = []
    running = asyncio.create_task(run_until_signalled({"a": a.run()}, lambda: halts.append("x")))
    await asyncio.sleep(0.01)
    running.cancel()
    with pytest.raises(asyncio.CancelledError):
        await running
    assert halts == []
    assert not a.finished


async def test_signal_handlers_are_removed_afterwards() -> None:
    stopping = asyncio.Event()
    stopping.set()
    await run_until_signalled({"a": asyncio.sleep(0)}, lambda: None, stopping=stopping)
    assert not asyncio.get_running_loop().remove_signal_handler(signal.SIGTERM)
