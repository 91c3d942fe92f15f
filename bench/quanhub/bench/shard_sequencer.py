"""The shards stage's sequencer on two instances: the consumer's loop (quanhub.ledger.consumer
.sequencer: a pass after every NOTIFY of a step off home, and every poll interval anyway),
with what it costs and how late it publishes: the home's global lock held per pass, and
each off-home step's lag from visible (its NOTIFY heard) to published (the pass committed).
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import cast

import asyncpg

from quanhub.bench.lock_timing import Locks, TimedConnection
from quanhub.ledger.store.sequencer import covered, sequence
from quanhub.ledger.store.shards import SHARD_VISIBLE_CHANNEL

#: The consumer's default projector_poll_seconds: a pass at least this often.
POLL_SECONDS = 1.0


def heard(payload: str) -> tuple[int, int]:
    """(shard, visible seq) of a step's NOTIFY payload, `shard:seq`."""
    shard, _, seq = payload.partition(":")
    return int(shard), int(seq)


@dataclass(slots=True)
class Sequencer:
    """One sequencer: `home` takes the global lock, `instances` (shard → its instance's
    connection, LISTENing) are read."""

    home: asyncpg.Connection
    instances: Mapping[int, asyncpg.Connection]
    locks: Locks = field(default_factory=Locks)
    #: Seconds of every pass, BEGIN to COMMIT returned.
    passing: float = 0.0
    passes: int = 0
    published: int = 0
    #: Each heard step's lag, visible → published, in seconds.
    lags: list[float] = field(default_factory=list)
    _waiting: dict[int, list[tuple[int, float]]] = field(default_factory=dict)
    _kicked: asyncio.Event = field(default_factory=asyncio.Event)
    _halt: bool = False

    async def listen(self) -> None:
        """LISTEN on each instance connection, as the consumer's loop does."""
        for conn in {id(c): c for c in self.instances.values()}.values():
            await conn.add_listener(SHARD_VISIBLE_CHANNEL, self._notified)

    def _notified(self, _conn: object, _pid: int, _channel: str, payload: object) -> None:
        shard, seq = heard(str(payload))
        self._waiting.setdefault(shard, []).append((seq, time.perf_counter()))
        self._kicked.set()

    @property
    def held(self) -> float:
        """Seconds the passes held the home's global lock: each pass's time less its wait
        (server clock) for the lock, its first statement."""
        return self.passing - self.locks.global_waited

    async def catch_up(self) -> int:
        """One pass, its lock times and each heard step it published noted."""
        started = time.perf_counter()
        home = cast("asyncpg.Connection", TimedConnection(self.home, self.locks))
        events = await sequence(home, self.instances)
        now = time.perf_counter()
        self.passing += now - started
        self.passes += 1
        self.published += events
        for shard, steps in self._waiting.items():
            reach = await covered(self.home, shard)
            self.lags += [now - at for seq, at in steps if seq <= reach]
            steps[:] = [(seq, at) for seq, at in steps if seq > reach]
        return events

    def stop(self) -> None:
        """Make `run` do one last pass and return (after the lanes' last steps: that pass
        publishes everything, as the consumer's does on a clean shutdown)."""
        self._halt = True
        self._kicked.set()

    async def run(self) -> None:
        """A pass after each NOTIFY (those heard during a pass fold into the next) and
        every POLL_SECONDS, until `stop`."""
        while True:
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(POLL_SECONDS):
                    await self._kicked.wait()
            self._kicked.clear()
            stopping = self._halt
            await self.catch_up()
            if stopping:
                return
