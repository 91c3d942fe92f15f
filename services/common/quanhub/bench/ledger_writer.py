"""The ledger writer alone against raw COPY of the same rows into a ledger-shaped table."""

# Table names are module constants. ruff: noqa: S608
from __future__ import annotations

import re
import time
from collections.abc import Sequence
from dataclasses import astuple
from datetime import UTC, datetime

import asyncpg

from quanhub.bench.measure import Measure
from quanhub.ledger.store.rows import COLUMNS, LedgerRow
from quanhub.ledger.store.writer import WRITE_SCRIPT, Position, append, prepare, write_batch

BASELINE_GROUP = "Baselines: Kafka and PostgreSQL alone"
STAGE_GROUP = "Stages against their baselines"
BREAKDOWN_GROUP = "Where a ledger batch spends its time (PostgreSQL)"
_RAW_TABLE = "bench_raw_events"


async def raw_copy(conn: asyncpg.Connection, rows: Sequence[LedgerRow], batch: int) -> float:
    """Rows/s of plain COPY into a table like ledger_events (same columns and indexes),
    one transaction per batch, the seq numbered by the client."""
    await conn.execute(f"DROP TABLE IF EXISTS {_RAW_TABLE}")
    await conn.execute(f"CREATE TABLE {_RAW_TABLE} (LIKE ledger_events INCLUDING ALL)")
    columns = ("seq", *COLUMNS)
    records = [(i + 1, *astuple(r)) for i, r in enumerate(rows)]
    started = time.perf_counter()
    for i in range(0, len(records), batch):
        async with conn.transaction():
            await conn.copy_records_to_table(
                _RAW_TABLE, records=records[i : i + batch], columns=columns
            )
    elapsed = time.perf_counter() - started
    await conn.execute(f"DROP TABLE {_RAW_TABLE}")
    return len(records) / elapsed


async def writer(conn: asyncpg.Connection, rows: Sequence[LedgerRow], batch: int) -> float:
    """Rows/s through quanhub.ledger.store.writer.write_batch (events, projections, rollups,
    offsets and NOTIFY in one transaction per batch), as the consumer calls it."""
    await prepare(conn)
    started = time.perf_counter()
    for i in range(0, len(rows), batch):
        chunk = rows[i : i + batch]
        last = chunk[-1]
        await write_batch(
            conn,
            chunk,
            group_id="bench",
            positions=[Position(last.kafka_topic, last.kafka_partition, last.kafka_offset + 1)],
            now=datetime.now(UTC),
        )
    return len(rows) / (time.perf_counter() - started)


async def measure(url: str, rows: Sequence[LedgerRow], batch: int) -> list[Measure]:
    """Raw COPY first (empty table), then the writer into the empty migrated ledger."""
    conn = await asyncpg.connect(url)
    try:
        copy_rate = await raw_copy(conn, rows, batch)
        writer_rate = await writer(conn, rows[: len(rows) - batch], batch)
    finally:
        await conn.close()
    steps = await breakdown(url, rows[len(rows) - batch :])
    note = f"{len(rows):,} simulated events, batches of {batch}"
    return [
        Measure("raw COPY into ledger-shaped table", copy_rate, "events/s", BASELINE_GROUP,
                note=note),
        Measure("ledger writer (write_batch)", writer_rate, "events/s", STAGE_GROUP,
                baseline=copy_rate, baseline_name="raw COPY", target=0.5, target_on="ratio",
                note=note),
        *steps,
    ]  # fmt: skip


def _label(statement: str, seen: dict[str, int]) -> str:
    text = " ".join(statement.split())
    match = re.search(r"\b(INSERT INTO|UPDATE|ANALYZE|DELETE FROM)\s+(\w+)", text)
    label = f"{match.group(1).split()[0].lower()} {match.group(2)}" if match else text[:40]
    seen[label] = seen.get(label, 0) + 1
    return label if seen[label] == 1 else f"{label} #{seen[label]}"


async def breakdown(url: str, rows: Sequence[LedgerRow]) -> list[Measure]:
    """Milliseconds of each statement of the writer's script for one batch (rolled back):
    where a batch's time goes inside PostgreSQL."""
    conn = await asyncpg.connect(url)
    out: list[Measure] = []
    seen: dict[str, int] = {}
    try:
        await prepare(conn)
        transaction = conn.transaction()
        await transaction.start()
        try:
            started = time.perf_counter()
            await append(conn, rows)
            elapsed = (time.perf_counter() - started) * 1000
            out.append(
                Measure("writer step: append (COPY into ledger_events)", elapsed, "ms",
                        BREAKDOWN_GROUP)
            )  # fmt: skip
            for statement in (s for s in WRITE_SCRIPT.split(";\n") if s.strip()):
                started = time.perf_counter()
                await conn.execute(statement)
                elapsed = (time.perf_counter() - started) * 1000
                label = _label(statement, seen)
                out.append(Measure(f"writer step: {label}", elapsed, "ms", BREAKDOWN_GROUP))
        finally:
            await transaction.rollback()
    finally:
        await conn.close()
    note = f"one batch of {len(rows):,} events on the warm ledger, rolled back"
    for m in out:
        m.note = note
    return out
