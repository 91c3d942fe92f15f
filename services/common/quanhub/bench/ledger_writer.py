"""The ledger writer alone against raw COPY of the same rows into a ledger-shaped table."""

# Table names are module constants. ruff: noqa: S608
from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import astuple
from datetime import UTC, datetime

import asyncpg

from quanhub.bench.measure import Measure
from quanhub.ledger.store.rows import COLUMNS, LedgerRow
from quanhub.ledger.store.writer import Position, prepare, write_batch

BASELINE_GROUP = "Baselines: Kafka and PostgreSQL alone"
STAGE_GROUP = "Stages against their baselines"
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
        writer_rate = await writer(conn, rows, batch)
    finally:
        await conn.close()
    note = f"{len(rows):,} simulated events, batches of {batch}"
    return [
        Measure("raw COPY into ledger-shaped table", copy_rate, "events/s", BASELINE_GROUP,
                note=note),
        Measure("ledger writer (write_batch)", writer_rate, "events/s", STAGE_GROUP,
                baseline=copy_rate, baseline_name="raw COPY", target=0.5, target_on="ratio",
                note=note),
    ]  # fmt: skip
