"""How long a lane holds its locks, timed exactly on the connection the ledger's own code
runs on: its shard's lock from the moment it is granted to the moment COMMIT returns, and
the global lock (ledger_sequence) from the moment the server grants it to that COMMIT.

The services' code is not changed. `TimedConnection` stands in for the lane's asyncpg
connection: it notes when the statement that takes the shard's lock (`LOCK_APPENDED`,
`LOCK_VISIBLE`) was sent and when it returned, and it marks the projector's one-script
step with the server's clock just before and just after `LOCK_GLOBAL` and at the script's
end (three `set_config` calls, a few µs in a step of milliseconds): the global lock is
taken part-way through a single round trip, where no client clock can see it.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from types import TracebackType
from typing import Any

import asyncpg

from quanhub.ledger.store.projector import LOCK_VISIBLE
from quanhub.ledger.store.shards import LOCK_GLOBAL
from quanhub.ledger.store.writer import LOCK_APPENDED

_SHARD_LOCKS = frozenset({LOCK_APPENDED, LOCK_VISIBLE})
_MARK = (
    "SELECT set_config('quanhub_bench.{name}', "
    "extract(epoch FROM clock_timestamp())::text, false);\n"
)
#: The marks (session settings: they outlive the step's commit) read after it.
_MARKS = (
    "SELECT current_setting('quanhub_bench.asked')::float8 AS asked, "
    "current_setting('quanhub_bench.locked')::float8 AS locked, "
    "current_setting('quanhub_bench.done')::float8 AS done"
)


def instrument(script: str) -> str:
    """The script with the server's clock noted before and after its `LOCK_GLOBAL`
    statement and at its end (the script unchanged when it takes no global lock)."""
    start = script.find(LOCK_GLOBAL)
    if start < 0:
        return script
    # The sequencer sends the lock alone, without its semicolon.
    end = script.find(";", start) + 1 or len(script)
    return "".join(
        (
            script[:start],
            _MARK.format(name="asked"),
            script[start:end],
            "" if script[start:end].endswith(";") else ";",
            "\n",
            _MARK.format(name="locked"),
            script[end:],
            "\n",
            _MARK.format(name="done"),
        )
    )


@dataclass(slots=True)
class Locks:
    """What one lane's locks were held for, over a run."""

    #: Seconds its shard's lock was held: granted → COMMIT returned.
    held: float = 0.0
    #: Seconds spent asking for it until it was granted (one round trip included).
    taking: float = 0.0
    #: Transactions that took it.
    turns: int = 0
    #: Seconds the global lock was held: granted (server clock) → COMMIT returned.
    global_held: float = 0.0
    #: Seconds waited for the global lock (server clock).
    global_waited: float = 0.0
    global_turns: int = 0

    def add(self, other: Locks) -> None:
        """Add another record's times to this one."""
        self.held += other.held
        self.taking += other.taking
        self.turns += other.turns
        self.global_held += other.global_held
        self.global_waited += other.global_waited
        self.global_turns += other.global_turns


def global_times(asked: float, locked: float, done: float, commit: float) -> tuple[float, float]:
    """(held, waited) of the global lock from the server's marks and the COMMIT's seconds:
    held from its grant to the end of the script, then through the COMMIT."""
    return done - locked + commit, locked - asked


class _Transaction:
    """The connection's transaction; the outermost one closes a turn on exit."""

    def __init__(self, owner: TimedConnection, inner: Any) -> None:
        self._owner, self._inner = owner, inner

    async def __aenter__(self) -> _Transaction:
        self._owner.begin()
        await self._inner.__aenter__()
        return self

    async def __aexit__(
        self,
        kind: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        started = time.perf_counter()
        try:
            await self._inner.__aexit__(kind, exc, tb)
        finally:
            await self._owner.end(started, committed=kind is None)


class TimedConnection:
    """An asyncpg connection that records in `locks` what the ledger's lanes hold on it
    (see the module's docstring); everything else goes straight to the connection."""

    def __init__(self, conn: asyncpg.Connection, locks: Locks) -> None:
        self.conn, self.locks = conn, locks
        self._depth = 0
        self._asked = self._granted = 0.0
        self._global = False

    def __getattr__(self, name: str) -> Any:
        return getattr(self.conn, name)

    def transaction(self, **kwargs: Any) -> _Transaction:
        """The connection's transaction (or savepoint, when nested), timed at its end."""
        return _Transaction(self, self.conn.transaction(**kwargs))

    async def fetchval(self, query: str, *args: Any, **kwargs: Any) -> Any:
        """`fetchval`, noting when a shard's lock was asked for and granted."""
        if query not in _SHARD_LOCKS:
            return await self.conn.fetchval(query, *args, **kwargs)
        asked = time.perf_counter()
        value = await self.conn.fetchval(query, *args, **kwargs)
        self._asked, self._granted = asked, time.perf_counter()
        return value

    async def execute(self, query: str, *args: Any, **kwargs: Any) -> str:
        """`execute`, a script that takes the global lock marked with the server's clock."""
        if not args and LOCK_GLOBAL in query:
            self._global = True
            query = instrument(query)
        result: str = await self.conn.execute(query, *args, **kwargs)
        return result

    def begin(self) -> None:
        """A transaction starts (a savepoint when one is open)."""
        if self._depth == 0:
            self._asked = self._granted = 0.0
            self._global = False
        self._depth += 1

    async def end(self, committing: float, *, committed: bool) -> None:
        """A transaction ended; the outermost one's COMMIT began at `committing`."""
        self._depth -= 1
        if self._depth:
            return
        now = time.perf_counter()
        if self._granted:
            self.locks.held += now - self._granted
            self.locks.taking += self._granted - self._asked
            self.locks.turns += 1
        if self._global and committed:
            row = await self.conn.fetchrow(_MARKS)
            assert row is not None  # noqa: S101 - a SELECT without FROM has its one row
            held, waited = global_times(row["asked"], row["locked"], row["done"], now - committing)
            self.locks.global_held += held
            self.locks.global_waited += waited
            self.locks.global_turns += 1
