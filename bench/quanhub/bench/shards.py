"""The `shards` stage: each shard's two ledger lanes, together and each alone, in events/s,
CPU, WAL, storage and lock time per event (the figures docs/scaling.md sizes from).

A shard is one writer lane (`write_batch` under the `ledger_appended` lock) and one
projector lane (`project` under `ledger_sequence`). Lock time is timed here, around the
calls that hold the lock from their first statement to their commit (a BEGIN's round trip
more); the services' code is not instrumented. CPU is process time from /proc (this
process: the lanes' client side; each lane's backend; the PostgreSQL server's whole tree),
never wall time: the machine is shared, and waiting costs no CPU.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime

import asyncpg
from rich.console import Console
from rich.progress import Progress

from quanhub.bench.measure import Measure
from quanhub.bench.shard_costs import GROUP, Lane, Ledger, Run, figures, settings, storage, timed
from quanhub.ledger.store.projector import MAX_STEP_EVENTS, Projected, project_all
from quanhub.ledger.store.rows import LedgerRow
from quanhub.ledger.store.writer import Position, compress_with_lz4, prepare, write_batch

#: Shard counts this code runs: one writer lane and one projector lane per ledger until the
#: ledger can be split into shards. Any other count asked for is reported as not measured.
SUPPORTED = (1,)
_GROUP_ID = "bench-shards"
console = Console(stderr=True)


async def _lane(ledger: Ledger, url: str, name: str) -> asyncpg.Connection:
    conn = await asyncpg.connect(url, server_settings={"application_name": f"bench-{name}"})
    await (prepare(conn) if name == "projector" else compress_with_lz4(conn))
    ledger.lanes[name] = conn
    ledger.backends[name] = int(await conn.fetchval("SELECT pg_backend_pid()"))
    return conn


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
    """The writer lane: write_batch per batch, each call timed (it holds ledger_appended
    from its first statement to its commit)."""
    for i in range(0, len(rows), batch):
        chunk = rows[i : i + batch]
        started = time.perf_counter()
        await write_batch(
            conn, chunk, group_id=_GROUP_ID, positions=_positions(chunk), now=datetime.now(UTC)
        )
        lane.timed(time.perf_counter() - started)
        after(len(chunk))


class _Projector:
    """The projector lane as the consumer runs it beside the writer (kicked after each
    batch, kicks during a step folding into the next), each step timed: `project` holds
    ledger_sequence from its first statement to its commit."""

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
            await project_all(self._conn, max_events=max_events, on_step=self._timed)
            if stopping:
                return

    def _timed(self, _step: Projected, seconds: float) -> None:
        self._lane.timed(seconds)


async def lanes_together(
    ledger: Ledger,
    rows: Sequence[LedgerRow],
    batch: int,
    progress: Progress,
    *,
    checkpoint: bool = False,
) -> Run:
    """The writer appending while the projector steps beside it; the run ends when the
    last event is visible. With `checkpoint`, right after a CHECKPOINT: every page is
    then logged whole at its first change (the WAL a run pays at the start of each
    checkpoint cycle)."""
    label = "writer and projector together" + (
        ", straight after a CHECKPOINT" if checkpoint else ""
    )
    if checkpoint:
        await ledger.control.execute("CHECKPOINT")
    task = progress.add_task(label, total=len(rows))
    writer, projector = Lane("writer"), Lane("projector")
    lane = _Projector(ledger.lanes["projector"], projector)

    async def body() -> None:
        stepping = asyncio.create_task(lane.run())

        def appended(n: int) -> None:
            lane.kick()
            progress.advance(task, n)

        try:
            await _append(ledger.lanes["writer"], rows, batch, writer, appended)
        finally:
            lane.stop()
            await stepping

    return await timed(ledger, label, len(rows), (writer, projector), body())


async def writer_alone(
    ledger: Ledger, rows: Sequence[LedgerRow], batch: int, progress: Progress
) -> Run:
    """The writer lane with nothing projecting: its ceiling, and a backlog for the next."""
    task = progress.add_task("writer alone", total=len(rows))
    writer = Lane("writer")
    body = _append(ledger.lanes["writer"], rows, batch, writer, lambda n: progress.advance(task, n))
    return await timed(ledger, "writer alone", len(rows), (writer,), body)


async def projector_alone(ledger: Ledger, backlog: int, progress: Progress) -> Run:
    """The projector lane draining an appended backlog in steps of MAX_STEP_EVENTS (the
    consumer's default): its ceiling."""
    task = progress.add_task("projector alone (backlog)", total=backlog)
    projector = Lane("projector")

    def step(s: Projected, seconds: float) -> None:
        projector.timed(seconds)
        progress.advance(task, s.events)

    async def body() -> None:
        await project_all(ledger.lanes["projector"], on_step=step)

    return await timed(ledger, "projector alone, on a backlog", backlog, (projector,), body())


async def one_shard(url: str, rows: Sequence[LedgerRow], batch: int) -> list[Measure]:
    """Today's ledger (one shard): a third of the rows through both lanes together, a
    third the same way straight after a CHECKPOINT, the last third through the writer
    alone, then that backlog through the projector alone."""
    ledger = Ledger(await asyncpg.connect(url))
    try:
        await _lane(ledger, url, "writer")
        await _lane(ledger, url, "projector")
        await project_all(ledger.lanes["projector"])  # nothing left over before the clock
        conditions = await settings(ledger.control)
        third = len(rows) // 3
        sizes, start_rows = await ledger.sizes(), await ledger.rows()
        with Progress(console=console) as progress:
            runs = [
                await lanes_together(ledger, rows[:third], batch, progress),
                await lanes_together(
                    ledger, rows[third : 2 * third], batch, progress, checkpoint=True
                ),
                await writer_alone(ledger, rows[2 * third :], batch, progress),
                await projector_alone(ledger, len(rows) - 2 * third, progress),
            ]
        out: list[Measure] = []
        for run in runs:
            out += await figures(ledger, 1, run, conditions)
        end_rows = await ledger.rows()
        out += storage(sizes, await ledger.sizes(), end_rows - start_rows, end_rows)
        return out
    finally:
        for conn in (*ledger.lanes.values(), ledger.control):
            await conn.close()


async def measure(
    url: str, rows: Sequence[LedgerRow], batch: int, shards: Sequence[int]
) -> list[Measure]:
    """Every shard count asked for that this code runs; the others noted, not measured."""
    out: list[Measure] = []
    for count in shards:
        if count not in SUPPORTED:
            out.append(
                Measure(
                    f"S={count}: not measured",
                    None,
                    "",
                    GROUP,
                    note="this ledger runs one shard (one writer lane, one projector lane); "
                    f"shard counts it runs: {', '.join(map(str, SUPPORTED))}",
                )
            )
            continue
        out += await one_shard(url, rows, batch)
    return out
