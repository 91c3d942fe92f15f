"""The writer's projection SQL against a plain reference formulation, on the simulator's
traffic: the body-derived columns (orders.detail, the declarations' body fields and
content) come out byte for byte as the straightforward per-field aggregates over
ledger_events give them, rebuild reproduces every projection byte for byte, and the append
numbers new events gap-free whatever the batch repeats."""

from __future__ import annotations

import random
from collections.abc import Awaitable, Callable
from dataclasses import replace
from datetime import UTC, datetime

import asyncpg
import pytest

from quanhub.bench.rows import ledger_rows
from quanhub.bench.synthetic import parcel_event
from quanhub.bench.workload import Workload
from quanhub.common.settings import DatabaseSettings
from quanhub.ledger.decode import decode
from quanhub.ledger.store.projections import ORDER_DETAIL_FIELDS
from quanhub.ledger.store.projector import project
from quanhub.ledger.store.rebuild import PROJECTION_TABLES, rebuild
from quanhub.ledger.store.rows import LedgerRow
from quanhub.ledger.store.writer import Position, prepare, write_batch

pytestmark = pytest.mark.integration

NOW = datetime(2026, 11, 28, 12, tzinfo=UTC)
_LATEST = "ORDER BY status_time DESC, event_id DESC"


def _body_field(field: str) -> str:
    return f"(array_agg(body -> '{field}' {_LATEST}) FILTER (WHERE body ? '{field}'))[1]"


def _body_text(field: str) -> str:
    return (
        f"coalesce((array_agg(body ->> '{field}' {_LATEST}) "
        f"FILTER (WHERE coalesce(body ->> '{field}', '') <> ''))[1], '')"
    )


#: Each order's detail straight from its events: per field, the latest event carrying it.
REFERENCE_ORDERS = f"""
SELECT platform_code, order_no,
       jsonb_strip_nulls(jsonb_build_object(
           {", ".join(f"'{f}', {_body_field(f)}" for f in ORDER_DETAIL_FIELDS)}))::text AS detail
FROM ledger_events WHERE kind = 'order' GROUP BY platform_code, order_no
"""  # noqa: S608 - built from ORDER_DETAIL_FIELDS

_DECLARATION_TEXTS = (
    "invt_no",
    "ebp_code",
    "ebc_code",
    "logistics_code",
    "logistics_no",
    "agent_code",
    "customs_code",
)

REFERENCE_DECLARATIONS = f"""
SELECT declaration_id,
       {", ".join(f"{_body_text(f)} AS {f}" for f in _DECLARATION_TEXTS)},
       coalesce((array_agg(body {_LATEST}) FILTER (WHERE NOT is_receipt))[1], '{{}}')::text
           AS content
FROM ledger_events WHERE kind = 'customs' GROUP BY declaration_id
"""  # noqa: S608 - built from _DECLARATION_TEXTS


async def _write(conn: asyncpg.Connection, rows: list[LedgerRow], batch: int) -> int:
    await prepare(conn)
    appended = 0
    for start in range(0, len(rows), batch):
        chunk = rows[start : start + batch]
        last = max(r.kafka_offset for r in chunk)
        result = await write_batch(
            conn, chunk, group_id="g", positions=[Position("t", 0, last + 1)], now=NOW
        )
        appended += result.appended
        await project(conn)
    return appended


async def _texts(conn: asyncpg.Connection, table: str) -> list[str]:
    """Every row of a table as PostgreSQL prints it (byte for byte, jsonb included)."""
    query = f"SELECT t::text FROM {table} t"  # noqa: S608 - one of PROJECTION_TABLES
    return sorted(r[0] for r in await conn.fetch(query))


async def test_projections_match_the_reference_formulation_on_simulated_traffic(
    new_database: Callable[[], Awaitable[DatabaseSettings]],
) -> None:
    workload = Workload(200)
    rows = [*ledger_rows(workload.round(0, "ref")), *ledger_rows(workload.round(1, "ref"))]
    rows = [replace(r, kafka_offset=i) for i, r in enumerate(rows)]
    rng = random.Random(7)
    # Objects refreshed across batches, later events arriving first, some events twice.
    arrivals = rows + rng.sample(rows, len(rows) // 10)
    rng.shuffle(arrivals)
    arrivals = [replace(r, kafka_partition=0, kafka_offset=i) for i, r in enumerate(arrivals)]

    conn = await asyncpg.connect((await new_database()).url)
    try:
        assert await _write(conn, arrivals, batch=700) == len(rows)

        live = {
            (r["platform_code"], r["order_no"]): (r["detail"], r["buyer_id_token"])
            for r in await conn.fetch(
                "SELECT platform_code, order_no, detail::text AS detail, buyer_id_token FROM orders"
            )
        }
        reference = {
            (r["platform_code"], r["order_no"]): r["detail"]
            for r in await conn.fetch(REFERENCE_ORDERS)
        }
        assert {k: v[0] for k, v in live.items()} == reference
        # The traffic exercises what the detail merges: parties from one event, the
        # waybill from a later one.
        assert sum('"buyer"' in d and '"waybill_no"' in d for d in reference.values()) > 50
        tokens = {
            (r["platform_code"], r["order_no"]): r["token"]
            for r in await conn.fetch(
                "SELECT platform_code, order_no, "
                "coalesce(detail -> 'buyer' ->> 'id_token', '') AS token FROM orders"
            )
        }
        assert {k: v[1] for k, v in live.items()} == tokens
        assert sum(1 for t in tokens.values() if t) > 50

        columns = ", ".join((*_DECLARATION_TEXTS, "content::text AS content"))
        live_declarations = sorted(
            tuple(r)
            for r in await conn.fetch(
                f"SELECT declaration_id, {columns} FROM declarations"  # noqa: S608 - fixed columns
            )
        )
        reference_declarations = sorted(tuple(r) for r in await conn.fetch(REFERENCE_DECLARATIONS))
        assert live_declarations == reference_declarations
        assert sum(1 for r in reference_declarations if r[-1] != "{}") > 20

        # A rebuild recomputes every projection to the same bytes.
        before = {t: await _texts(conn, t) for t in PROJECTION_TABLES}
        await rebuild(conn)
        assert {t: await _texts(conn, t) for t in PROJECTION_TABLES} == before
    finally:
        await conn.close()


def _scan(i: int, offset: int) -> LedgerRow:
    event = parcel_event(f"scan-{i}", waybill_no=f"W{i % 7}", status="IN_TRANSIT", occurred_at=NOW)
    return decode(event.SerializeToString(), topic="t", partition=0, offset=offset, recorded_at=NOW)


async def test_append_skips_known_and_repeated_events_and_numbers_the_rest_gap_free(
    ledger_database: DatabaseSettings,
) -> None:
    conn = await asyncpg.connect(ledger_database.url)
    try:
        assert await _write(conn, [_scan(i, i) for i in range(100)], batch=100) == 100
        # Half known, half new; ten of the new ones again at later offsets, and the batch
        # handed over out of order.
        batch = [_scan(i, 1000 + i) for i in range(50, 150)]
        batch += [_scan(i, 2000 + i) for i in range(120, 130)]
        random.Random(3).shuffle(batch)
        assert await _write(conn, batch, batch=len(batch)) == 50
        stored = await conn.fetch(
            "SELECT seq, source_event_id, kafka_offset FROM ledger_events WHERE seq > 100 "
            "ORDER BY seq"
        )
        # Gap-free after the first batch, in arrival (offset) order, first occurrence kept.
        assert [r["seq"] for r in stored] == list(range(101, 151))
        assert [r["kafka_offset"] for r in stored] == [1000 + i for i in range(100, 150)]
        assert [r["source_event_id"] for r in stored] == [f"scan-{i}" for i in range(100, 150)]
        assert await conn.fetchval("SELECT last_seq FROM ledger_sequence") == 150
        # The same batch again is a replay: nothing appended, nothing moved.
        projections = {t: await _texts(conn, t) for t in PROJECTION_TABLES}
        assert await _write(conn, batch, batch=len(batch)) == 0
        assert await conn.fetchval("SELECT last_seq FROM ledger_sequence") == 150
        assert {t: await _texts(conn, t) for t in PROJECTION_TABLES} == projections
    finally:
        await conn.close()
