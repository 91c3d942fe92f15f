"""Deferred projections seen from outside: the query API shows only projected events; a
ledger consumer that starts with appended but unprojected events (a crash between the two
transactions) makes them visible without any new record arriving; and a projector whose
connection is killed reconnects and carries on."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import asyncpg
import pytest
from ledger_scenarios import T0
from ledger_support import VISIBLE_EVENTS, Api, consumer_settings, wait_for
from prometheus_client import generate_latest

from quanhub.bench.synthetic import parcel_event
from quanhub.canonical.v1 import canonical_pb2 as cpb
from quanhub.common.clock import SystemClock
from quanhub.common.settings import DatabaseSettings, KafkaSettings
from quanhub.ledger.consumer.metrics import ConsumerMetrics
from quanhub.ledger.consumer.projector import APPLICATION_NAME as PROJECTOR
from quanhub.ledger.consumer.service import LedgerConsumer
from quanhub.ledger.decode import decode
from quanhub.ledger.store.projector import project
from quanhub.ledger.store.writer import AnyConnection, prepare, write_batch

pytestmark = pytest.mark.integration

NOW = datetime(2026, 11, 28, 12, tzinfo=UTC)
WAYBILL = "SF7000000001"


async def _append(conn: AnyConnection, events: list[cpb.CanonicalEvent], *, offset: int) -> None:
    """Append without projecting: the writer's transaction alone."""
    rows = [
        decode(e.SerializeToString(), topic="t", partition=0, offset=offset + i, recorded_at=NOW)
        for i, e in enumerate(events)
    ]
    await prepare(conn)
    await write_batch(conn, rows, group_id="g", positions=[], now=NOW)


def _scan(n: int, status: str) -> cpb.CanonicalEvent:
    return parcel_event(
        f"vis-{n}",
        waybill_no=WAYBILL,
        carrier_id="SF",
        status=status,
        occurred_at=T0 + timedelta(hours=n),
    )


async def test_the_api_shows_a_parcel_as_far_as_it_is_projected(
    ledger_pool: asyncpg.Pool, ledger_api: Api
) -> None:
    async with ledger_pool.acquire() as conn:
        await _append(conn, [_scan(0, "PICKED_UP"), _scan(1, "IN_TRANSIT")], offset=0)
        missing = await ledger_api.get(f"/v1/parcels/SF/{WAYBILL}", "SF")
        assert missing.status_code == 404, "an unprojected parcel is not there yet"
        await project(conn)
        await _append(conn, [_scan(2, "DELIVERED")], offset=2)
        seen = (await ledger_api.get(f"/v1/parcels/SF/{WAYBILL}", "SF")).json()
        # The appended DELIVERED scan is neither the status nor in the timeline yet.
        assert seen["status"] == "IN_TRANSIT"
        assert [e["status"] for e in seen["timeline"]] == ["PICKED_UP", "IN_TRANSIT"]
        await project(conn)
    seen = (await ledger_api.get(f"/v1/parcels/SF/{WAYBILL}", "SF")).json()
    assert seen["status"] == "DELIVERED"
    assert [e["status"] for e in seen["timeline"]] == ["PICKED_UP", "IN_TRANSIT", "DELIVERED"]


_PROJECTOR_PID = (
    "SELECT pid FROM pg_stat_activity WHERE application_name = $1 AND datname = current_database()"
)


def _consumer(
    kafka: KafkaSettings, database: DatabaseSettings, pool: asyncpg.Pool, metrics: ConsumerMetrics
) -> LedgerConsumer:
    settings = consumer_settings(kafka, database, retry_initial_seconds=0.05)
    return LedgerConsumer(settings, pool, clock=SystemClock(), metrics=metrics)


async def _visible_count(pool: asyncpg.Pool, wanted: int, what: str) -> None:
    async def reached() -> bool:
        return bool(await pool.fetchval(VISIBLE_EVENTS) == wanted)

    await wait_for(reached, timeout=30, what=what)


async def test_a_starting_consumer_projects_what_a_crash_left_appended(
    ledger_kafka: KafkaSettings, ledger_database: DatabaseSettings, ledger_pool: asyncpg.Pool
) -> None:
    async with ledger_pool.acquire() as conn:
        await _append(conn, [_scan(n, "IN_TRANSIT") for n in range(5)], offset=0)
        assert await conn.fetchval(VISIBLE_EVENTS) == 0
    consumer = _consumer(ledger_kafka, ledger_database, ledger_pool, ConsumerMetrics())
    stop = asyncio.Event()
    task = asyncio.create_task(consumer.run(stop))
    try:
        await _visible_count(ledger_pool, 5, "the projector's catch-up at start")
        count = await ledger_pool.fetchval(
            "SELECT event_count FROM parcels WHERE waybill_no = $1", WAYBILL
        )
        assert count == 5
    finally:
        stop.set()
        await asyncio.wait_for(task, timeout=30)


async def test_a_projector_whose_connection_dies_reconnects_and_carries_on(
    ledger_kafka: KafkaSettings, ledger_database: DatabaseSettings, ledger_pool: asyncpg.Pool
) -> None:
    metrics = ConsumerMetrics()
    consumer = _consumer(ledger_kafka, ledger_database, ledger_pool, metrics)
    stop = asyncio.Event()
    task = asyncio.create_task(consumer.run(stop))
    try:
        async with ledger_pool.acquire() as conn:
            await _append(conn, [_scan(0, "PICKED_UP")], offset=0)
            await _visible_count(ledger_pool, 1, "the first event projected")
            before = await conn.fetchval(_PROJECTOR_PID, PROJECTOR)
            assert await conn.fetchval("SELECT pg_terminate_backend($1)", before)
            # Appended by another writer: the projector finds it on its next look, on a
            # dead connection, and must reconnect rather than stop.
            await _append(conn, [_scan(1, "IN_TRANSIT"), _scan(2, "DELIVERED")], offset=1)
        await _visible_count(ledger_pool, 3, "the projector back after losing its connection")
        after = await ledger_pool.fetchval(_PROJECTOR_PID, PROJECTOR)
        assert after is not None
        assert after != before, "a new connection, not the killed one"
        assert not task.done()
        exported = generate_latest(metrics.registry).decode()
        assert "quanhub_ledger_projection_lag_events 0.0" in exported
        status = await ledger_pool.fetchval(
            "SELECT status FROM parcels WHERE waybill_no = $1", WAYBILL
        )
        assert status == "DELIVERED"
    finally:
        stop.set()
        await asyncio.wait_for(task, timeout=30)
