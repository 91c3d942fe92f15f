"""The shards stage's runs of the ledger's lanes on one PostgreSQL: every shard's writer and
projector together (as fast as they go, or paced at a fixed offered rate), the writers
alone, then the projectors alone on the backlog; each lane on its own connection, its
locks timed exactly (quanhub.bench.lock_timing)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from typing import cast

import asyncpg
from rich.progress import Progress

from quanhub.bench.lock_timing import TimedConnection
from quanhub.bench.shard_costs import Lane, Ledger, Run, timed
from quanhub.ledger.store.projector import MAX_STEP_EVENTS, Projected, project_all
from quanhub.ledger.store.rows import LedgerRow
from quanhub.ledger.store.writer import Position, write_batch

GROUP_ID = "bench-shards"
#: A paced run's time between one shard's writes.
PACED_TICK = 0.2


def positions(chunk: Sequence[LedgerRow]) -> list[Position]:
    """The next offset per partition after the chunk, as the consumer stores them."""
    last: dict[tuple[str, int], int] = {}
    for r in chunk:
        key = (r.kafka_topic, r.kafka_partition)
        last[key] = max(last.get(key, -1), r.kafka_offset)
    return [Position(t, p, o + 1) for (t, p), o in last.items()]


def on(conn: asyncpg.Connection, lane: Lane) -> asyncpg.Connection:
    """The lane's connection, its locks timed into the lane."""
    return cast("asyncpg.Connection", TimedConnection(conn, lane.locks))


async def append(
    conn: asyncpg.Connection,
    rows: Sequence[LedgerRow],
    batch: int,
    lane: Lane,
    after: Callable[[int], None],
    *,
    interval: float | None = None,
) -> None:
    """One shard's writer lane: write_batch per batch of `batch` rows, back to back or,
    with `interval`, one batch every `interval` seconds (a paced offer: a late batch is
    sent at once, and the schedule is kept from the start, not from the last batch)."""
    timed_conn = on(conn, lane)
    start = time.perf_counter()
    for n, i in enumerate(range(0, len(rows), batch)):
        if interval is not None:
            await asyncio.sleep(max(0.0, start + n * interval - time.perf_counter()))
        chunk = rows[i : i + batch]
        await write_batch(
            timed_conn,
            chunk,
            group_id=GROUP_ID,
            positions=positions(chunk),
            now=datetime.now(UTC),
            shard=lane.shard,
        )
        lane.events += len(chunk)
        after(len(chunk))
        await asyncio.sleep(0)  # let the other shards' lanes take their turn


class Projector:
    """One shard's projector lane as the consumer runs it beside the writer (kicked after
    each batch, kicks during a step folding into the next). `publish` False: the shard is
    off the home instance, and the sequencer publishes its steps."""

    def __init__(self, conn: asyncpg.Connection, lane: Lane, *, publish: bool = True) -> None:
        self._conn, self._lane = on(conn, lane), lane
        self._publish = publish
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
                self._conn,
                max_events=max_events,
                on_step=self._count,
                shard=self._lane.shard,
                publish=self._publish,
            )
            if stopping:
                return

    def _count(self, step: Projected, _seconds: float) -> None:
        self._lane.events += step.events


def lanes(name: str, shards: Sequence[int]) -> tuple[Lane, ...]:
    """Fresh records of these shards' lanes of one kind."""
    return tuple(Lane(name, k) for k in shards)


async def shard_together(
    writer: asyncpg.Connection,
    projector: asyncpg.Connection,
    rows: Sequence[LedgerRow],
    batch: int,
    lanes: tuple[Lane, Lane],
    *,
    after: Callable[[int], None],
    interval: float | None = None,
    publish: bool = True,
) -> None:
    """One shard's writer appending its rows while its projector steps beside it, until
    its last row is visible (on its instance; `publish` False: the sequencer numbers it)."""
    lane = Projector(projector, lanes[1], publish=publish)
    stepping = asyncio.create_task(lane.run())

    def appended(n: int) -> None:
        lane.kick()
        after(n)

    try:
        await append(writer, rows, batch, lanes[0], appended, interval=interval)
    finally:
        lane.stop()
        await stepping


async def together(
    ledger: Ledger,
    parts: Sequence[Sequence[LedgerRow]],
    batch: int,
    progress: Progress,
    *,
    checkpoint: bool = False,
    rate: float | None = None,
    label: str | None = None,
) -> Run:
    """Every shard's writer appending while its projector steps beside it; the run ends
    when the last event of every shard is visible. With `checkpoint`, right after a
    CHECKPOINT (every page is then logged whole at its first change: the WAL a run pays at
    the start of each checkpoint cycle). With `rate`, paced: every PACED_TICK seconds each
    shard writes what arrived for it meanwhile (rate * PACED_TICK / S rows, not `batch`),
    as a consumer offered less than it can take writes what each poll brings. `label`
    names the run instead of the default."""
    label = label or (
        f"paced at {rate:,.0f} events/s"
        if rate
        else "writer and projector together"
        + (", straight after a CHECKPOINT" if checkpoint else "")
    )
    if checkpoint:
        await ledger.control.execute("CHECKPOINT")
    events = sum(map(len, parts))
    task = progress.add_task(label, total=events)
    shards = range(len(parts))
    writers, projectors = lanes("writer", shards), lanes("projector", shards)
    interval = PACED_TICK if rate else None
    if rate:
        batch = max(1, round(rate * PACED_TICK / len(parts)))

    async def body() -> None:
        await asyncio.gather(
            *(
                shard_together(
                    ledger.lanes[f"writer {k}"],
                    ledger.lanes[f"projector {k}"],
                    parts[k],
                    batch,
                    (writers[k], projectors[k]),
                    after=lambda n: progress.advance(task, n),
                    interval=interval,
                )
                for k in shards
            )
        )

    return await timed(ledger, label, events, (*writers, *projectors), body())


async def writers_alone(
    ledger: Ledger,
    parts: Sequence[Sequence[LedgerRow]],
    batch: int,
    progress: Progress,
    shards: Sequence[int] | None = None,
) -> Run:
    """The writer lanes of `shards` (default: all) with nothing projecting: the ceiling,
    and a backlog for the next run."""
    mine = list(range(len(parts)) if shards is None else shards)
    events = sum(len(parts[k]) for k in mine)
    label = "writer alone" if shards is None else f"shard {mine[0]}'s writer lane alone"
    task = progress.add_task(label, total=events)
    writers = lanes("writer", mine)

    async def body() -> None:
        await asyncio.gather(
            *(
                append(
                    ledger.lanes[f"writer {lane.shard}"],
                    parts[lane.shard],
                    batch,
                    lane,
                    lambda n: progress.advance(task, n),
                )
                for lane in writers
            )
        )

    return await timed(ledger, label, events, writers, body())


async def projectors_alone(
    ledger: Ledger, backlog: int, shards: Sequence[int], progress: Progress, *, one: bool = False
) -> Run:
    """The projector lanes of `shards` draining their appended backlog in steps of
    MAX_STEP_EVENTS (the consumer's default): the ceiling. `one`: a single shard's lane,
    the others idle."""
    label = (
        f"shard {shards[0]}'s projector lane alone, on a backlog"
        if one
        else "projector alone, on a backlog"
    )
    task = progress.add_task(label, total=backlog)
    projectors = lanes("projector", shards)

    def stepper(lane: Lane) -> Callable[[Projected, float], None]:
        def step(s: Projected, _seconds: float) -> None:
            lane.events += s.events
            progress.advance(task, s.events)

        return step

    async def body() -> None:
        await asyncio.gather(
            *(
                project_all(
                    on(ledger.lanes[f"projector {lane.shard}"], lane),
                    on_step=stepper(lane),
                    shard=lane.shard,
                )
                for lane in projectors
            )
        )

    return await timed(ledger, label, backlog, projectors, body())
