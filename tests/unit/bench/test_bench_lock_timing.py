"""The shards stage's lock timing: where it marks the projector's script, and what it
counts per transaction on a stand-in connection (no database: the timing's own logic)."""

from __future__ import annotations

from typing import Any

import pytest

from quanhub.bench import lock_timing
from quanhub.bench.lock_timing import Locks, TimedConnection, global_times, instrument
from quanhub.ledger.store.projector import LOCK_VISIBLE, step_script
from quanhub.ledger.store.shards import LOCK_GLOBAL
from quanhub.ledger.store.writer import LOCK_APPENDED


def test_the_step_script_is_marked_around_the_global_lock_and_at_its_end() -> None:
    script = step_script(1, 10, 2)
    marked = instrument(script)
    asked, locked, done = (
        marked.index(f"'quanhub_bench.{n}'") for n in ("asked", "locked", "done")
    )
    assert asked < marked.index(LOCK_GLOBAL) < locked < done
    assert marked.rstrip().endswith("false);")
    # Nothing else changes: the marks out, the script is the same statements.
    for mark in ("asked", "locked", "done"):
        marked = marked.replace(lock_timing._MARK.format(name=mark), "")
    assert marked.split() == script.split()


def test_the_sequencer_s_lone_lock_statement_is_marked_as_its_own_statement() -> None:
    marked = instrument(LOCK_GLOBAL)
    for mark in ("asked", "locked", "done"):
        marked = marked.replace(lock_timing._MARK.format(name=mark), "")
    assert marked.split() == f"{LOCK_GLOBAL};".split()


def test_a_script_without_the_global_lock_is_left_alone() -> None:
    assert instrument("SELECT 1;") == "SELECT 1;"


def test_the_global_lock_is_held_from_its_grant_through_the_commit() -> None:
    assert global_times(asked=100.0, locked=100.25, done=100.75, commit=0.125) == (0.625, 0.25)


class _Transaction:
    def __init__(self, log: list[str]) -> None:
        self._log = log

    async def __aenter__(self) -> None:
        self._log.append("begin")

    async def __aexit__(self, *exc: object) -> None:
        self._log.append("end")


class _Connection:
    """Answers the lanes' statements; the marks say the server granted the global lock
    0.25 s after it was asked for and the script ended 0.5 s later."""

    def __init__(self) -> None:
        self.log: list[str] = []

    def transaction(self, **_kwargs: Any) -> _Transaction:
        return _Transaction(self.log)

    async def fetchval(self, query: str, *_args: Any) -> int:
        self.log.append(query)
        return 0

    async def execute(self, query: str, *_args: Any) -> str:
        self.log.append(query)
        return "OK"

    async def fetchrow(self, query: str) -> dict[str, float]:
        self.log.append(query)
        return {"asked": 10.0, "locked": 10.25, "done": 10.75}


async def test_a_writer_turn_counts_once_whatever_its_savepoints() -> None:
    conn, locks = _Connection(), Locks()
    timed = TimedConnection(conn, locks)  # type: ignore[arg-type]
    async with timed.transaction():
        await timed.fetchval(LOCK_APPENDED, 0)
        async with timed.transaction():  # the COPY's savepoint
            await timed.execute("INSERT")
        await timed.execute("UPDATE ledger_appended")
    assert locks.turns == 1
    assert locks.held > 0
    assert locks.global_turns == 0
    assert not any("quanhub_bench" in q for q in conn.log)


async def test_a_projector_step_counts_its_lock_and_the_global_lock() -> None:
    conn, locks = _Connection(), Locks()
    timed = TimedConnection(conn, locks)  # type: ignore[arg-type]
    for _ in range(2):
        async with timed.transaction():
            await timed.fetchval(LOCK_VISIBLE, 1)
            await timed.execute(step_script(1, 10, 1))
    assert (locks.turns, locks.global_turns) == (2, 2)
    assert locks.global_waited == pytest.approx(0.5)
    assert locks.global_held == pytest.approx(1.0, abs=0.01)  # 2 x 0.5 s + two COMMITs
    assert sum("set_config('quanhub_bench.locked'" in q for q in conn.log) == 2


async def test_a_step_that_fails_adds_no_global_time() -> None:
    conn, locks = _Connection(), Locks()
    timed = TimedConnection(conn, locks)  # type: ignore[arg-type]

    async def failing_step() -> None:
        async with timed.transaction():
            await timed.fetchval(LOCK_VISIBLE, 0)
            await timed.execute(step_script(1, 10, 0))
            raise RuntimeError

    with pytest.raises(RuntimeError):
        await failing_step()
    assert (locks.turns, locks.global_turns) == (1, 0)
