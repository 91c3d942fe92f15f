"""The sequencer: gives the visible events of shards on other instances their global seqs
on the home instance (docs/ledger.md "Shards").

A shard on the home instance publishes each projector step itself, under the global lock,
in the step's transaction. A shard elsewhere cannot take the home's lock in its step, so
one pass of the sequencer does it afterwards: under the home's global lock it reads, for
each such shard, how far the shard's ranges reach (home, locked) and how far the shard is
visible (its instance, committed), and appends a range for the difference, then commits.

Derived only from committed state, so a crash anywhere leaves the pass for the next one,
and two sequencers take turns on the global lock: each event gets one global seq, in its
shard's order, and the global sequence stays gap-free. A shard's visible seq never goes
back, so what a pass publishes is visible on the shard's instance for good.
"""

from __future__ import annotations

from collections.abc import Mapping

from quanhub.ledger.store.projector import NOTIFY_CHANNEL
from quanhub.ledger.store.shards import LOCK_GLOBAL, base, publish_sql
from quanhub.ledger.store.writer import AnyConnection

#: The last of shard $1's seqs the global sequence holds (none: no row).
_COVERED = (
    "SELECT first_seq + events - 1 FROM ledger_global_ranges WHERE shard = $1 "
    "ORDER BY first_seq DESC LIMIT 1"
)
_VISIBLE = "SELECT last_seq FROM ledger_visible WHERE shard = $1"


async def covered(home: AnyConnection, shard: int) -> int:
    """The highest of the shard's seqs with a global seq (its base when none has one)."""
    value = await home.fetchval(_COVERED, shard)
    return base(shard) if value is None else int(value)


async def sequence(home: AnyConnection, instances: Mapping[int, AnyConnection]) -> int:
    """One pass: publish every shard's visible events not in the global sequence yet, in
    one transaction on `home`; returns how many got global seqs.

    `instances` maps each shard not on the home instance to a connection to its instance
    (shards of one instance may share one). The home connection must not be in a
    transaction; the others are read outside any, so each read sees what is committed.
    """
    published = 0
    async with home.transaction():
        await home.execute(LOCK_GLOBAL)
        for shard in sorted(instances):
            tail = await covered(home, shard)
            visible = await instances[shard].fetchval(_VISIBLE, shard)
            if visible is None or int(visible) <= tail:
                continue
            events = int(visible) - tail
            await home.execute(publish_sql(shard, tail + 1, events, NOTIFY_CHANNEL))
            published += events
    return published
