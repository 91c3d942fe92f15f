"""The `shards` stage: S shards' ledger lanes on one PostgreSQL, together and each alone, in
events/s, CPU, WAL, storage and lock time per event (the figures docs/scaling.md sizes from).

A shard is one writer lane (`write_batch` under its `ledger_appended` row) and one projector
lane (`project` under its `ledger_visible` row and, from part-way through each step, the
global `ledger_sequence`), each on a connection of its own, as the ledger consumer runs
them (quanhub.ledger.consumer.service): a canonical partition p belongs to shard p mod S,
and every shard's writer appends its part of each batch side by side with the others.
Lock time is timed here, around the calls that hold the lock from their first statement to
their commit (a BEGIN's round trip more); the services' code is not instrumented. CPU is
process time from /proc (this process: the lanes' client side; each lane's backend; the
PostgreSQL server's whole tree), never wall time: the machine is shared, and waiting costs
no CPU. Only one instance is measured here: S shards on two servers are not.
"""

from __future__ import annotations

import asyncio
import time
import zlib
from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, datetime

import asyncpg
from rich.console import Console
from rich.progress import Progress

from quanhub.bench.measure import Measure
from quanhub.bench.rows import CANONICAL_TOPIC, canonical_records
from quanhub.bench.shard_costs import (
    GROUP,
    Lane,
    Ledger,
    Run,
    figures,
    settings,
    storage,
    timed,
    wal_bytes,
)
from quanhub.bench.workload import Send
from quanhub.ledger.decode import decode
from quanhub.ledger.store.projector import MAX_STEP_EVENTS, Projected, project_all
from quanhub.ledger.store.rows import LedgerRow
from quanhub.ledger.store.shards import MAX_SHARDS, ensure_shards, shard_of
from quanhub.ledger.store.writer import Position, compress_with_lz4, prepare, write_batch

#: Canonical partitions the stage's rows are spread over: enough that 1, 2, 4, 8, 16 ... 48
#: shards each own the same number (docs/ledger.md "Shards").
PARTITIONS = 48
_GROUP_ID = "bench-shards"
console = Console(stderr=True)


def rows_by_key(sends: Iterable[Send], partitions: int = PARTITIONS) -> list[LedgerRow]:
    """The ledger rows of these sends, each on the partition its key hashes to (one object's
    events on one partition, so in one shard, as Kafka's key rule keeps them), with
    consecutive offsets per partition."""
    now = datetime.now(UTC)
    offsets = [0] * partitions
    out = []
    for key, value in canonical_records(sends):
        partition = zlib.crc32(key) % partitions
        out.append(
            decode(
                value,
                topic=CANONICAL_TOPIC,
                partition=partition,
                offset=offsets[partition],
                recorded_at=now,
            )
        )
        offsets[partition] += 1
    return out


def split(rows: Sequence[LedgerRow], shards: int) -> list[list[LedgerRow]]:
    """The rows by the shard their partition belongs to, in their order."""
    parts: list[list[LedgerRow]] = [[] for _ in range(shards)]
    for r in rows:
        parts[shard_of(r.kafka_partition, shards)].append(r)
    return parts


async def _lane(ledger: Ledger, url: str, name: str, shard: int) -> None:
    conn = await asyncpg.connect(url, server_settings={"application_name": f"bench-{name}-{shard}"})
    await (prepare(conn) if name == "projector" else compress_with_lz4(conn))
    ledger.lanes[f"{name} {shard}"] = conn
    ledger.backends[f"{name} {shard}"] = int(await conn.fetchval("SELECT pg_backend_pid()"))


def _positions(chunk: Sequence[LedgerRow]) -> list[Position]:
    """The next offset per partition after the chunk, as the consumer stores them."""
    last: dict[tuple[str, int], int] = {}
    for r in chunk:
        key = (r.kafka_topic, r.kafka_partition)
        last[key] = max(last.get(key, -1), r.kafka_offset)
    return [Position(t, p, o + 1) for (t, p), o in last.items()]


async def _append(
    conn: asyncpg.Connection,
    rows: Sequence[LedgerRow],
    batch: int,
    lane: Lane,
    after: Callable[[int], None],
) -> None:
    """One shard's writer lane: write_batch per batch, each call timed (it holds the shard's
    ledger_appended row from its first statement to its commit)."""
    for i in range(0, len(rows), batch):
        chunk = rows[i : i + batch]
        started = time.perf_counter()
        await write_batch(
            conn,
            chunk,
            group_id=_GROUP_ID,
            positions=_positions(chunk),
            now=datetime.now(UTC),
            shard=lane.shard,
        )
        lane.timed(time.perf_counter() - started, len(chunk))
        after(len(chunk))
        await asyncio.sleep(0)  # let the other shards' lanes take their turn


class _Projector:
    """One shard's projector lane as the consumer runs it beside the writer (kicked after
    each batch, kicks during a step folding into the next), each step timed: `project`
    holds the shard's ledger_visible row from its first statement to its commit."""

    def __init__(self, conn: asyncpg.Connection, lane: Lane) -> None:
        self._conn, self._lane = conn, lane
        self._kicked = asyncio.Event()
        self._halt = False

    def kick(self) -> None:
        """Something was appended: project it soon."""
        self._kicked.set()

    def stop(self) -> None:
        """One last catch-up, then return."""
        self._halt = True
        self._kicked.set()

    async def run(self, max_events: int = MAX_STEP_EVENTS) -> None:
        """Step after each kick until `stop`."""
        while True:
            await self._kicked.wait()
            self._kicked.clear()
            stopping = self._halt
            await project_all(
                self._conn, max_events=max_events, on_step=self._timed, shard=self._lane.shard
            )
            if stopping:
                return

    def _timed(self, step: Projected, seconds: float) -> None:
        self._lane.timed(seconds, step.events)


def _lanes(name: str, shards: int) -> tuple[Lane, ...]:
    return tuple(Lane(name, k) for k in range(shards))


async def lanes_together(
    ledger: Ledger,
    parts: Sequence[Sequence[LedgerRow]],
    batch: int,
    progress: Progress,
    *,
    checkpoint: bool = False,
) -> Run:
    """Every shard's writer appending while its projector steps beside it; the run ends
    when the last event of every shard is visible. With `checkpoint`, right after a
    CHECKPOINT: every page is then logged whole at its first change (the WAL a run pays at
    the start of each checkpoint cycle)."""
    label = "writer and projector together" + (
        ", straight after a CHECKPOINT" if checkpoint else ""
    )
    if checkpoint:
        await ledger.control.execute("CHECKPOINT")
    events = sum(map(len, parts))
    task = progress.add_task(label, total=events)
    writers, projectors = _lanes("writer", len(parts)), _lanes("projector", len(parts))

    async def shard(k: int) -> None:
        lane = _Projector(ledger.lanes[f"projector {k}"], projectors[k])
        stepping = asyncio.create_task(lane.run())

        def appended(n: int) -> None:
            lane.kick()
            progress.advance(task, n)

        try:
            await _append(ledger.lanes[f"writer {k}"], parts[k], batch, writers[k], appended)
        finally:
            lane.stop()
            await stepping

    async def body() -> None:
        await asyncio.gather(*(shard(k) for k in range(len(parts))))

    return await timed(ledger, label, events, (*writers, *projectors), body())


async def writer_alone(
    ledger: Ledger, parts: Sequence[Sequence[LedgerRow]], batch: int, progress: Progress
) -> Run:
    """Every shard's writer lane with nothing projecting: the ceiling, and a backlog for the
    next."""
    events = sum(map(len, parts))
    task = progress.add_task("writer alone", total=events)
    writers = _lanes("writer", len(parts))

    async def body() -> None:
        await asyncio.gather(
            *(
                _append(
                    ledger.lanes[f"writer {k}"],
                    parts[k],
                    batch,
                    writers[k],
                    lambda n: progress.advance(task, n),
                )
                for k in range(len(parts))
            )
        )

    return await timed(ledger, "writer alone", events, writers, body())


async def projector_alone(ledger: Ledger, backlog: int, shards: int, progress: Progress) -> Run:
    """Every shard's projector lane draining its appended backlog in steps of
    MAX_STEP_EVENTS (the consumer's default): the ceiling."""
    task = progress.add_task("projector alone (backlog)", total=backlog)
    projectors = _lanes("projector", shards)

    def stepper(lane: Lane) -> Callable[[Projected, float], None]:
        def step(s: Projected, seconds: float) -> None:
            lane.timed(seconds, s.events)
            progress.advance(task, s.events)

        return step

    async def body() -> None:
        await asyncio.gather(
            *(
                project_all(
                    ledger.lanes[f"projector {lane.shard}"], on_step=stepper(lane), shard=lane.shard
                )
                for lane in projectors
            )
        )

    return await timed(ledger, "projector alone, on a backlog", backlog, projectors, body())


async def sharded(
    url: str, rows: Sequence[LedgerRow], batch: int, shards: int, *, with_storage: bool = True
) -> list[Measure]:
    """S shards on one server: a third of the rows through every shard's lanes together, a
    third the same way straight after a CHECKPOINT, the last third through the writers
    alone, then that backlog through the projectors alone; each third split by shard, each
    shard writing batch / S rows per transaction (the consumer's batch of `batch` rows split
    by shard). `with_storage`: also the bytes per row (they do not depend on S)."""
    ledger = Ledger(await asyncpg.connect(url))
    try:
        await ensure_shards(ledger.control, range(shards))
        for k in range(shards):
            await _lane(ledger, url, "writer", k)
            await _lane(ledger, url, "projector", k)
            # nothing left over before the clock
            await project_all(ledger.lanes[f"projector {k}"], shard=k)
        conditions = await settings(ledger.control)
        third = len(rows) // 3
        thirds = [rows[:third], rows[third : 2 * third], rows[2 * third :]]
        together, after_checkpoint, backlog = (split(t, shards) for t in thirds)
        sizes, start_rows = await ledger.sizes(), await ledger.rows()
        # The consumer splits each batch it reads by shard: a shard's transaction holds its part.
        batch = max(1, batch // shards)
        with Progress(console=console) as progress:
            runs = [
                await lanes_together(ledger, together, batch, progress),
                await lanes_together(ledger, after_checkpoint, batch, progress, checkpoint=True),
                await writer_alone(ledger, backlog, batch, progress),
                await projector_alone(ledger, len(thirds[2]), shards, progress),
            ]
        out: list[Measure] = []
        for run in runs:
            out += figures(run, shards, await wal_bytes(ledger, run), conditions)
        end_rows = await ledger.rows()
        if with_storage:
            out += storage(sizes, await ledger.sizes(), end_rows - start_rows, end_rows)
        return out
    finally:
        for conn in (*ledger.lanes.values(), ledger.control):
            await conn.close()


async def measure(
    url: str, rows: Callable[[int], Sequence[LedgerRow]], batch: int, shards: Sequence[int]
) -> list[Measure]:
    """Every shard count asked for, one after the other on the same ledger, each with fresh
    rows (`rows(count)`); a count the ledger cannot have is noted, not measured."""
    out: list[Measure] = []
    stored = False
    for count in shards:
        if not 1 <= count <= MAX_SHARDS:
            out.append(
                Measure(
                    f"S={count}: not measured",
                    None,
                    "",
                    GROUP,
                    note=f"a ledger has 1 to {MAX_SHARDS} shards",
                )
            )
            continue
        out += await sharded(url, rows(count), batch, count, with_storage=not stored)
        stored = True
    return out
