"""What S shards' ledger lanes cost per event: rates, CPU of the client, of the lanes'
backends and of the PostgreSQL server (from /proc, never wall time), WAL, storage per row,
as measures of the `shards` stage (its lock figures: quanhub.bench.shard_locks)."""

# Relation names come from the catalogue, never from input. ruff: noqa: S608
from __future__ import annotations

import os
import time
from collections.abc import Awaitable
from dataclasses import dataclass, field

import asyncpg

from quanhub.bench.lock_timing import Locks
from quanhub.bench.measure import Measure
from quanhub.bench.services import cpu_seconds, own_cpu_seconds, parent_pid, tree_cpu_seconds
from quanhub.ledger.store.shards import SEQ_BITS

GROUP = "Ledger lanes per shard (docs/scaling.md)"
_SETTINGS = (
    "shared_buffers",
    "synchronous_commit",
    "full_page_writes",
    "wal_compression",
    "max_wal_size",
    "checkpoint_timeout",
)
# Summed over ledger_events' partitions (migration 0041: the parent and its partitioned
# indexes hold no bytes), each index named by its parent index; and the id table.
_RELATIONS = """
WITH parts AS (SELECT relid FROM pg_partition_tree('ledger_events') WHERE isleaf)
SELECT 'heap' AS part, sum(pg_relation_size(relid)) AS bytes FROM parts
UNION ALL
SELECT 'toast', coalesce(sum(pg_total_relation_size(c.reltoastrelid)), 0)
FROM parts p JOIN pg_class c ON c.oid = p.relid WHERE c.reltoastrelid <> 0
UNION ALL
SELECT i.indexrelid::regclass::text,
       (SELECT sum(pg_relation_size(t.relid)) FROM pg_partition_tree(i.indexrelid) t
        WHERE t.isleaf)
FROM pg_index i WHERE i.indrelid = 'ledger_events'::regclass
UNION ALL
SELECT 'ledger_event_ids (heap and key)', pg_total_relation_size('ledger_event_ids')
UNION ALL
SELECT 'whole database', pg_database_size(current_database())
"""


@dataclass(slots=True)
class Lane:
    """One shard's lane (`writer` or `projector`): the events it moved and the time it held
    its locks (quanhub.bench.lock_timing)."""

    name: str
    shard: int = 0
    events: int = 0
    locks: Locks = field(default_factory=Locks)

    @property
    def key(self) -> str:
        """The lane's name in Ledger.lanes and Ledger.backends."""
        return f"{self.name} {self.shard}"


@dataclass(slots=True)
class Sample:
    """What the server and this process had used at one instant."""

    wall: float
    client_cpu: float
    backend_cpu: dict[str, float]
    server_cpu: float | None
    wal_lsn: str
    wal_fpi: int
    loadavg: tuple[float, float, float]


@dataclass(slots=True)
class Ledger:
    """The connections of the shards' lanes (keyed `writer 0`, `projector 0`, ...), and one
    to look at the server with."""

    control: asyncpg.Connection
    lanes: dict[str, asyncpg.Connection] = field(default_factory=dict)
    backends: dict[str, int] = field(default_factory=dict)

    async def sample(self) -> Sample:
        """CPU, WAL position and load now (the lanes' WAL statistics flushed first: a
        backend reports them at most once a second otherwise)."""
        for conn in self.lanes.values():
            await conn.execute("SELECT pg_stat_force_next_flush()")
        postmaster = parent_pid(int(await self.control.fetchval("SELECT pg_backend_pid()")))
        row = await self.control.fetchrow(
            "SELECT pg_current_wal_lsn()::text AS lsn, wal_fpi FROM pg_stat_wal"
        )
        assert row is not None  # noqa: S101 - pg_stat_wal always has its one row
        return Sample(
            wall=time.perf_counter(),
            client_cpu=own_cpu_seconds(),
            backend_cpu={k: cpu_seconds(pid) or 0.0 for k, pid in self.backends.items()},
            server_cpu=tree_cpu_seconds(postmaster) if postmaster else None,
            wal_lsn=row["lsn"],
            wal_fpi=int(row["wal_fpi"]),
            loadavg=os.getloadavg(),
        )

    async def sizes(self) -> dict[str, int]:
        """Bytes of ledger_events' heap, TOAST and each index, and of the whole database."""
        return {r["part"]: int(r["bytes"]) for r in await self.control.fetch(_RELATIONS)}

    async def rows(self) -> int:
        """Events appended so far over every shard (each shard's seq is gap-free from its
        base, so its highest less its base is its count)."""
        return int(
            await self.control.fetchval(
                "SELECT coalesce(sum(last_seq - (shard::bigint << $1::int)), 0) "
                "FROM ledger_appended",
                SEQ_BITS,
            )
        )


@dataclass(frozen=True, slots=True)
class Run:
    """One timed run: events made visible (or appended), over what it used."""

    label: str
    events: int
    before: Sample
    after: Sample
    lanes: tuple[Lane, ...]


async def timed(
    ledger: Ledger, label: str, events: int, lanes: tuple[Lane, ...], body: Awaitable[None]
) -> Run:
    """Run `body`, sampling CPU and WAL around it."""
    before = await ledger.sample()
    await body
    after = await ledger.sample()
    return Run(label, events, before, after, lanes)


def _load(run: Run) -> str:
    return f"load average {run.before.loadavg[0]:.2f} → {run.after.loadavg[0]:.2f}"


async def wal_bytes(ledger: Ledger, run: Run) -> float:
    """WAL written over the run (pg_current_wal_lsn difference)."""
    return float(
        await ledger.control.fetchval(
            "SELECT pg_wal_lsn_diff($1::text::pg_lsn, $2::text::pg_lsn)",
            run.after.wal_lsn,
            run.before.wal_lsn,
        )
    )


def _delta(run: Run, keys: list[str]) -> float:
    return sum(run.after.backend_cpu[k] - run.before.backend_cpu[k] for k in keys)


#: The rate of all shards together at which each shard's lock demand is stated.
LOCK_RATE = 10_000


def figures(run: Run, shards: int, wal: float, conditions: str) -> list[Measure]:
    """A run's rate, CPU and WAL figures per event, overall and per shard."""
    wall = run.after.wall - run.before.wall
    n = max(run.events, 1)
    name = f"S={shards}, {run.label}"
    note = f"{run.events:,} events in {wall:.2f} s; {_load(run)}"

    def per_event(label: str, seconds: float | None, what: str) -> Measure:
        value = None if seconds is None else seconds * 1e6 / n
        return Measure(f"{name}: CPU, {label}", value, "µs/event", GROUP, note=what)

    client = run.after.client_cpu - run.before.client_cpu
    server = (
        run.after.server_cpu - run.before.server_cpu
        if run.after.server_cpu is not None and run.before.server_cpu is not None
        else None
    )
    kinds = sorted({lane.name for lane in run.lanes}, key=lambda k: k != "writer")
    out = [Measure(f"{name}: events/s", run.events / wall, "events/s", GROUP, note=note)]
    if shards > 1:
        for lane in run.lanes:
            if lane.name == kinds[-1]:  # the events that ended the run: visible, or appended
                out.append(
                    Measure(
                        f"{name}: shard {lane.shard} events/s",
                        lane.events / wall,
                        "events/s",
                        GROUP,
                        note=f"{lane.events:,} events of its partitions",
                    )
                )
    out.append(per_event("lanes' client side (this process)", client, "user + system, os.times()"))
    for kind in kinds:
        keys = [lane.key for lane in run.lanes if lane.name == kind]
        cpu = _delta(run, keys)
        out.append(
            per_event(
                f"{kind} backends" if shards > 1 else f"{kind} backend",
                cpu,
                f"/proc/<pid>/stat of its backend{'s, summed' if shards > 1 else ''}",
            )
        )
        out.append(
            Measure(
                f"{name}: {kind} CPU under each shard's lock, per {LOCK_RATE:,} events/s",
                cpu * LOCK_RATE / n / shards,
                "CPU s per wall s",
                GROUP,
                note=f"its backends' CPU per event x {LOCK_RATE:,} / S: a {kind} transaction "
                "takes its shard's lock first, so this is the lock time a shard needs at that "
                "rate of all shards together, on a core of its own (falls as 1/S)",
            )
        )
    out += [
        per_event(
            "PostgreSQL server (all processes)",
            server,
            "the server's process tree: backends, WAL writer, checkpointer, autovacuum",
        ),
        per_event(
            "client + server",
            None if server is None else client + server,
            "what the shards' ledger costs the machine per event",
        ),
        Measure(
            f"{name}: WAL",
            wal / n,
            "bytes/event",
            GROUP,
            note=f"pg_current_wal_lsn() difference over the run; {conditions}",
        ),
        Measure(
            f"{name}: WAL full-page images",
            (run.after.wal_fpi - run.before.wal_fpi) * 1000 / n,
            "per 1,000 events",
            GROUP,
            note="pg_stat_wal.wal_fpi: pages logged whole, first touch after a checkpoint",
        ),
    ]
    if len(kinds) == 1:  # the client's CPU is this lane kind's alone
        used = client + _delta(run, [lane.key for lane in run.lanes])
        out.append(
            Measure(
                f"{name}: {kinds[0]} lanes, events per CPU-second",
                run.events / used if used > 0 else None,
                "events/s",
                GROUP,
                note="client + the lanes' backends: what the lanes make of a core's time, "
                "the ceiling per core where each holds its lock only while it computes",
            )
        )
    return out


def storage(before: dict[str, int], after: dict[str, int], added: int, rows: int) -> list[Measure]:
    """Bytes per ledger_events row of each part: grown per appended row, and in total."""
    out = []
    for part, size in after.items():
        grown = (size - before.get(part, 0)) / max(added, 1)
        out.append(
            Measure(
                f"storage per appended event: {part}",
                grown,
                "bytes/event",
                GROUP,
                note=f"growth over {added:,} events appended live",
            )
        )
        if part != "whole database":
            out.append(
                Measure(
                    f"storage per ledger_events row: {part}",
                    size / max(rows, 1),
                    "bytes/row",
                    GROUP,
                    note=f"{rows:,} rows (a seeded warm ledger and the runs' appends)",
                )
            )
    return out


async def settings(conn: asyncpg.Connection) -> str:
    """The server settings WAL per event depends on, as `name=value, ...`."""
    values = [f"{n}={await conn.fetchval(f'SHOW {n}')}" for n in _SETTINGS]
    return ", ".join(values)
