"""The ledger writer alone against raw COPY of the same rows into a ledger-shaped table."""

# Table names are module constants. ruff: noqa: S608
from __future__ import annotations

import re
import time
from collections.abc import Sequence
from dataclasses import astuple

import asyncpg

from quanhub.bench.ledger_consumer import write_pipelined
from quanhub.bench.measure import Measure
from quanhub.ledger.store.projector import step_script
from quanhub.ledger.store.rows import COLUMNS, LedgerRow
from quanhub.ledger.store.writer import append, prepare

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


async def measure(url: str, rows: Sequence[LedgerRow], batch: int) -> list[Measure]:
    """Raw COPY first (empty table), then the writer into the warm migrated ledger."""
    conn = await asyncpg.connect(url)
    try:
        copy_rate = await raw_copy(conn, rows, batch)
    finally:
        await conn.close()
    writer_rate, append_rate = await write_pipelined(url, rows[: len(rows) - batch], batch)
    steps = await breakdown(url, rows[len(rows) - batch :])
    note = f"{len(rows):,} simulated events, batches of {batch}"
    return [
        Measure(
            "raw COPY into ledger-shaped table", copy_rate, "events/s", BASELINE_GROUP, note=note
        ),
        Measure(
            "ledger writer (append + projections, until visible)",
            writer_rate,
            "events/s",
            STAGE_GROUP,
            baseline=copy_rate,
            baseline_name="raw COPY",
            target=0.5,
            target_on="ratio",
            note=note + "; write_batch on one connection, the projector beside it on "
            "another, as the consumer runs them; the clock stops when the last event "
            "is visible",
        ),
        Measure(
            "ledger writer: append rate (write_batch, projector beside it)",
            append_rate,
            "events/s",
            STAGE_GROUP,
            baseline=copy_rate,
            baseline_name="raw COPY",
            note=note + "; events over the time the appends took, the projector stepping "
            "beside them on the same cores",
        ),
        *steps,
    ]


def _label(statement: str, seen: dict[str, int]) -> str:
    text = " ".join(statement.split())
    match = re.search(r"\b(INSERT INTO|UPDATE|ANALYZE|DELETE FROM)\s+(\w+)", text)
    label = f"{match.group(1).split()[0].lower()} {match.group(2)}" if match else text[:40]
    seen[label] = seen.get(label, 0) + 1
    return label if seen[label] == 1 else f"{label} #{seen[label]}"


async def breakdown(url: str, rows: Sequence[LedgerRow]) -> list[Measure]:
    """Milliseconds of the append and of each statement of the projector's step for one
    batch (rolled back): where a batch's time goes inside PostgreSQL."""
    conn = await asyncpg.connect(url)
    out: list[Measure] = []
    seen: dict[str, int] = {}
    try:
        await prepare(conn)
        transaction = conn.transaction()
        await transaction.start()
        try:
            started = time.perf_counter()
            appended, last_seq = await append(conn, rows)
            elapsed = (time.perf_counter() - started) * 1000
            out.append(
                Measure(
                    "writer: append (COPY, move ledger_appended)", elapsed, "ms", BREAKDOWN_GROUP
                )
            )
            script = step_script(last_seq + 1, last_seq + appended)
            for statement in (s for s in script.split(";\n") if s.strip()):
                started = time.perf_counter()
                await conn.execute(statement)
                elapsed = (time.perf_counter() - started) * 1000
                label = _label(statement, seen)
                out.append(Measure(f"projector step: {label}", elapsed, "ms", BREAKDOWN_GROUP))
        finally:
            await transaction.rollback()
    finally:
        await conn.close()
    note = f"one batch of {len(rows):,} events on the warm ledger, rolled back"
    for m in out:
        m.note = note
    return out
