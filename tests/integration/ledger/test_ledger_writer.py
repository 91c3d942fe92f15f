"""The batch writer and the projector against PostgreSQL: arrival order, batching,
duplicates and how far the projector lags never change the projections; late stale events
never move a status back; seq is gap-free; appended events stay invisible until projected;
feeds are notified; rebuild reproduces the projections."""

from __future__ import annotations

import asyncio
import random
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime, timedelta

import asyncpg
import pytest
from ledger_scenarios import ORDER_NO, T0, WAYBILL, import_1210_consignment, random_traffic

from quanhub.bench.synthetic import order_event, parcel_event
from quanhub.canonical.v1 import canonical_pb2 as cpb
from quanhub.common.settings import DatabaseSettings
from quanhub.ledger.decode import decode
from quanhub.ledger.store.projector import NOTIFY_CHANNEL, _quarantine, project, project_all
from quanhub.ledger.store.rebuild import ALL_TABLES, rebuild, verify
from quanhub.ledger.store.rollups import COUNT_COLUMN
from quanhub.ledger.store.rows import LedgerRow
from quanhub.ledger.store.writer import (
    Position,
    Reject,
    prepare,
    stored_offsets,
    write_batch,
    write_isolating,
)

pytestmark = pytest.mark.integration

NOW = datetime(2026, 11, 28, 12, tzinfo=UTC)


@pytest.fixture
async def conn(ledger_database: DatabaseSettings) -> AsyncIterator[asyncpg.Connection]:
    """A plain connection to the test's ledger database, closed afterwards."""
    connection = await asyncpg.connect(ledger_database.url)
    try:
        yield connection
    finally:
        await connection.close()


async def _write(
    conn: asyncpg.Connection,
    events: list[cpb.CanonicalEvent],
    *,
    batch: int,
    offset: int = 0,
    project_every: int = 1,
) -> int:
    """Write events in batches the way the consumer does, projecting after every
    `project_every` batches and after the last; returns how many were new."""
    await prepare(conn)
    appended = 0
    for number, start in enumerate(range(0, len(events), batch), start=1):
        chunk = events[start : start + batch]
        rows = [_row(e, offset=offset + start + i) for i, e in enumerate(chunk)]
        position = Position("t", 0, offset + start + len(chunk))
        result = await write_batch(conn, rows, group_id="g", positions=[position], now=NOW)
        appended += result.appended
        if number % project_every == 0:
            await project(conn)
    await project_all(conn)
    return appended


def _row(event: cpb.CanonicalEvent, *, offset: int, partition: int = 0) -> LedgerRow:
    """The event as the consumer decodes it off topic "t"."""
    return decode(
        event.SerializeToString(), topic="t", partition=partition, offset=offset, recorded_at=NOW
    )


async def _snapshot(
    conn: asyncpg.Connection, *, without: tuple[str, ...] = ()
) -> dict[str, list[tuple[object, ...]]]:
    """Every projection and rollup table's rows (zero rollup rows are inert), sorted."""
    out = {}
    for table in ALL_TABLES:
        rows = await conn.fetch(f"SELECT * FROM {table}")  # noqa: S608 - fixed names
        if table in COUNT_COLUMN:
            rows = [r for r in rows if r[COUNT_COLUMN[table]] != 0]
        values = [tuple(v for k, v in r.items() if k not in without) for r in rows]
        out[table] = sorted(values, key=repr)
    return out


async def test_arrival_order_batches_and_duplicates_do_not_change_projections(
    new_database: Callable[[], Awaitable[DatabaseSettings]],
) -> None:
    events = import_1210_consignment() + random_traffic(3_000, seed=5, parcels=300)
    ordered = sorted(events, key=lambda e: (e.occurred_at.ToDatetime(), e.event_id))
    rng = random.Random(99)
    scrambled = events + rng.sample(events, 500)
    rng.shuffle(scrambled)

    calm = await asyncpg.connect((await new_database()).url)
    storm = await asyncpg.connect((await new_database()).url)
    try:
        assert await _write(calm, ordered, batch=len(ordered)) == len(events)
        # The storm's projector lags four batches at a time, as a busy one does.
        assert await _write(storm, scrambled, batch=37, project_every=4) == len(events)
        # Everything but last_seq, which numbers arrival and so differs by design.
        arrival = ("last_seq",)
        assert await _snapshot(storm, without=arrival) == await _snapshot(calm, without=arrival)
        assert all(d.equal for d in await verify(storm))
        stats = await storm.fetchrow("SELECT count(*) AS n, max(seq) AS hi FROM ledger_events")
        assert stats is not None
        assert (stats["n"], stats["hi"]) == (len(events), len(events))
        # Writing everything again adds nothing and touches no projection.
        before = await _snapshot(storm)
        assert await _write(storm, scrambled, batch=500, offset=len(scrambled)) == 0
        assert await _snapshot(storm) == before
    finally:
        await calm.close()
        await storm.close()


async def _visible(conn: asyncpg.Connection) -> tuple[int, int]:
    """(appended, visible) seqs."""
    row = await conn.fetchrow(
        "SELECT a.last_seq AS appended, s.last_seq AS visible "
        "FROM ledger_appended a, ledger_sequence s"
    )
    assert row is not None
    return row["appended"], row["visible"]


async def test_appended_events_stay_invisible_until_projected(conn: asyncpg.Connection) -> None:
    await prepare(conn)
    scan = {"waybill_no": "VIS1", "carrier_id": "ZTO"}
    first = [_row(parcel_event("v1", status="PICKED_UP", occurred_at=T0, **scan), offset=0)]
    result = await write_batch(conn, first, group_id="g", positions=[], now=NOW)
    assert (result.appended, result.last_seq) == (1, 1)
    assert await _visible(conn) == (1, 0)
    assert await conn.fetchval("SELECT count(*) FROM parcels") == 0
    assert await conn.fetchval("SELECT count(*) FROM kpi_parcel_daily") == 0
    step = await project(conn)
    assert (step.events, step.last_seq, step.behind) == (1, 1, 0)
    assert await _visible(conn) == (1, 1)
    assert await conn.fetchval("SELECT status FROM parcels WHERE waybill_no = 'VIS1'") == (
        "PICKED_UP"
    )
    # Nothing left: a step does nothing and says so.
    assert await project(conn) == type(step)(0, 1, 0)


async def test_projector_steps_through_a_backlog_and_projectors_never_double_count(
    new_database: Callable[[], Awaitable[DatabaseSettings]],
) -> None:
    """A backlog of batches projected in small steps by two projectors racing each other
    ends exactly where one batch-by-batch projector does (rollups counted once)."""
    events = import_1210_consignment() + random_traffic(1_500, seed=21, parcels=150)
    reference = await asyncpg.connect((await new_database()).url)
    url = (await new_database()).url
    writer, left, right = [await asyncpg.connect(url) for _ in range(3)]
    try:
        await _write(reference, events, batch=50)
        await prepare(writer)
        for start in range(0, len(events), 50):
            rows = [_row(e, offset=start + i) for i, e in enumerate(events[start : start + 50])]
            await write_batch(writer, rows, group_id="g", positions=[], now=NOW)
        assert await _visible(writer) == (len(events), 0)
        await prepare(left)
        await prepare(right)
        ends = await asyncio.gather(
            project_all(left, max_events=97), project_all(right, max_events=97)
        )
        assert ends == [len(events), len(events)]
        assert await _visible(writer) == (len(events), len(events))
        arrival = ("last_seq",)
        assert await _snapshot(writer, without=arrival) == await _snapshot(
            reference, without=arrival
        )
        assert all(d.equal for d in await verify(writer))
    finally:
        for c in (reference, writer, left, right):
            await c.close()


async def test_verify_projects_what_is_pending_and_changes_nothing(
    conn: asyncpg.Connection,
) -> None:
    events = import_1210_consignment()
    await _write(conn, events[:4], batch=4)
    rows = [_row(e, offset=4 + i) for i, e in enumerate(events[4:])]
    await write_batch(conn, rows, group_id="g", positions=[], now=NOW)
    before = await _snapshot(conn)
    assert await _visible(conn) == (len(events), 4)
    assert all(d.equal for d in await verify(conn))
    assert await _visible(conn) == (len(events), 4)
    assert await _snapshot(conn) == before
    # Rebuild projects everything appended and makes it visible.
    assert await rebuild(conn) == len(events)
    assert await _visible(conn) == (len(events), len(events))


async def test_an_event_no_step_can_project_is_quarantined_and_the_ledger_moves_on(
    conn: asyncpg.Connection,
) -> None:
    """A projection PostgreSQL refuses for one event (here a constraint only the test adds)
    neither stops visibility nor takes other events down with it."""
    await conn.execute(
        "ALTER TABLE parcels ADD CONSTRAINT test_poison CHECK (district_code <> '999999')"
    )
    h = timedelta(hours=1)
    events = [
        parcel_event(
            "q1", waybill_no="Q1", status="PICKED_UP", occurred_at=T0, district_code="370102"
        ),
        parcel_event(
            "q2", waybill_no="Q2", status="PICKED_UP", occurred_at=T0, district_code="370102"
        ),
        parcel_event(
            "q3", waybill_no="Q2", status="IN_TRANSIT", occurred_at=T0 + h, district_code="999999"
        ),
        parcel_event(
            "q4", waybill_no="Q3", status="DELIVERED", occurred_at=T0, district_code="370103"
        ),
    ]
    await _write(conn, events, batch=4)
    assert await _visible(conn) == (4, 4)
    [quarantined] = await conn.fetch("SELECT * FROM ledger_quarantine")
    assert (quarantined["seq"], quarantined["error_code"]) == (3, "refused_by_database")
    assert quarantined["error_message"].startswith("CheckViolationError")
    parcels = await conn.fetch("SELECT waybill_no, status, event_count FROM parcels")
    assert sorted(tuple(r.values()) for r in parcels) == [
        ("Q1", "PICKED_UP", 1),
        ("Q2", "PICKED_UP", 1),
        ("Q3", "DELIVERED", 1),
    ]
    assert all(d.equal for d in await verify(conn))
    # Later events of the same parcel project as usual; the quarantined one stays out.
    later = parcel_event(
        "q5", waybill_no="Q2", status="DELIVERED", occurred_at=T0 + 2 * h, district_code="370102"
    )
    await _write(conn, [later], batch=1, offset=4)
    row = await conn.fetchrow("SELECT status, event_count FROM parcels WHERE waybill_no = 'Q2'")
    assert tuple(row.values()) == ("DELIVERED", 2)
    assert await conn.fetchval("SELECT count(*) FROM ledger_quarantine") == 1
    assert await rebuild(conn) == 5
    assert all(d.equal for d in await verify(conn))


async def test_a_quarantine_another_projector_already_got_past_does_nothing(
    conn: asyncpg.Connection,
) -> None:
    """Two projectors refused on the same event: the second one's quarantine finds the
    event already visible and must not quarantine the next one instead."""
    events = [
        parcel_event(f"r{i}", waybill_no=f"R{i}", status="PICKED_UP", occurred_at=T0)
        for i in range(3)
    ]
    await _write(conn, events[:1], batch=1)
    await write_batch(
        conn,
        [_row(e, offset=1 + i) for i, e in enumerate(events[1:])],
        group_id="g",
        positions=[],
        now=NOW,
    )
    step = await _quarantine(conn, 1, RuntimeError("stale"), shard=0, publish=True)
    assert (step.events, step.last_seq, step.behind, step.quarantined) == (0, 1, 2, 0)
    assert await conn.fetchval("SELECT count(*) FROM ledger_quarantine") == 0
    assert await _visible(conn) == (3, 1)


async def test_late_stale_scan_does_not_move_delivered_back(
    conn: asyncpg.Connection,
) -> None:
    h = timedelta(hours=1)
    scan = {"waybill_no": "ZT900", "carrier_id": "ZTO"}
    await _write(
        conn,
        [
            parcel_event("a", status="PICKED_UP", occurred_at=T0, **scan),
            parcel_event(
                "b", status="DELIVERED", occurred_at=T0 + 10 * h, delivery_point="STATION", **scan
            ),
        ],
        batch=10,
    )
    # A scan from before delivery arrives late; one stamped after delivery (clock skew).
    await _write(
        conn,
        [parcel_event("c", status="IN_TRANSIT", occurred_at=T0 + 5 * h, **scan)],
        batch=1,
        offset=2,
    )
    skewed = parcel_event("d", status="OUT_FOR_DELIVERY", occurred_at=T0 + 11 * h, **scan)
    await _write(conn, [skewed], batch=1, offset=3)
    row = await conn.fetchrow("SELECT * FROM parcels WHERE waybill_no = 'ZT900'")
    assert row is not None
    assert (row["status"], row["status_at"], row["event_count"]) == (
        "DELIVERED",
        T0 + 10 * h,
        4,
    )
    assert row["delivered_at"] == T0 + 10 * h
    # A later phase (a return after delivery) does move it on.
    await _write(
        conn,
        [parcel_event("e", status="RETURNING", occurred_at=T0 + 30 * h, **scan)],
        batch=1,
        offset=4,
    )
    assert await conn.fetchval("SELECT status FROM parcels WHERE waybill_no = 'ZT900'") == (
        "RETURNING"
    )


async def test_parcel_before_its_order_links_when_the_order_arrives(
    conn: asyncpg.Connection,
) -> None:
    await _write(
        conn,
        [
            parcel_event(
                "p1", waybill_no="YT1", carrier_id="YTO", status="PICKED_UP", occurred_at=T0
            )
        ],
        batch=1,
    )
    assert await conn.fetchval("SELECT count(*) FROM orders") == 0
    await _write(
        conn,
        [
            order_event(
                "o1",
                platform_code="JD",
                order_no="JD1",
                status="SHIPPED",
                occurred_at=T0,
                carrier_id="YTO",
                waybill_no="yt1",
            )
        ],
        batch=1,
        offset=1,
    )
    link = await conn.fetchrow("SELECT * FROM order_parcels")
    assert link is not None
    key = (link["platform_code"], link["order_no"], link["carrier_id"], link["waybill_no"])
    assert key == ("JD", "JD1", "YTO", "YT1")
    assert (link["from_order"], link["from_parcel"]) == (True, False)


async def test_commit_notifies_feeds_with_the_highest_seq(
    ledger_database: DatabaseSettings,
) -> None:
    listener = await asyncpg.connect(ledger_database.url)
    writer = await asyncpg.connect(ledger_database.url)
    payloads: asyncio.Queue[str] = asyncio.Queue()
    await listener.add_listener(NOTIFY_CHANNEL, lambda *args: payloads.put_nowait(args[3]))
    try:
        events = import_1210_consignment()
        await _write(writer, events[:5], batch=5)
        assert await asyncio.wait_for(payloads.get(), timeout=10) == "5"
        await _write(writer, events[:5], batch=5, offset=5)  # only duplicates: no notice
        await _write(writer, events[5:8], batch=3, offset=10)
        assert await asyncio.wait_for(payloads.get(), timeout=10) == "8"
        assert payloads.empty()
    finally:
        await listener.close()
        await writer.close()


async def test_rebuild_reproduces_the_live_projections(conn: asyncpg.Connection) -> None:
    events = import_1210_consignment() + random_traffic(2_000, seed=11)
    rng = random.Random(3)
    rng.shuffle(events)
    await _write(conn, events, batch=64)
    live = await _snapshot(conn)
    for table in ("parcels", "orders", "declarations", "kpi_parcel_daily"):
        assert live[table], table
    assert live["kpi_clearance_daily"]
    assert await rebuild(conn) == len(events)
    assert await _snapshot(conn) == live
    order = await conn.fetchrow("SELECT status FROM orders WHERE order_no = $1", ORDER_NO)
    parcel = await conn.fetchrow("SELECT status FROM parcels WHERE waybill_no = $1", WAYBILL)
    assert (order["status"], parcel["status"]) == ("COMPLETED", "DELIVERED")
    # A damaged projection is detected by verify and repaired by rebuild.
    await conn.execute("UPDATE parcels SET status = 'IN_TRANSIT' WHERE waybill_no = $1", WAYBILL)
    await conn.execute("UPDATE kpi_parcel_daily SET parcels = parcels + 1")
    broken = {d.table for d in await verify(conn) if not d.equal}
    assert broken == {"parcels", "kpi_parcel_daily"}
    await rebuild(conn)
    assert await _snapshot(conn) == live


async def test_rejects_and_offsets_commit_with_the_rows(conn: asyncpg.Connection) -> None:
    await prepare(conn)
    event = parcel_event("ok", waybill_no="W1", status="IN_TRANSIT", occurred_at=T0)
    row = _row(event, partition=3, offset=8)
    bad = Reject("t", 3, 9, "undecodable_event", "not a CanonicalEvent")
    position = Position("t", 3, 10)
    await write_batch(conn, [row], group_id="g", positions=[position], rejects=[bad], now=NOW)
    assert await conn.fetchval("SELECT count(*) FROM ledger_events") == 1
    stored = await conn.fetch("SELECT topic, partition, kafka_offset FROM ledger_rejects")
    assert [tuple(r.values()) for r in stored] == [("t", 3, 9)]
    # Offsets never move backwards, even if an old owner of the partition commits late.
    await write_batch(conn, [], group_id="g", positions=[Position("t", 3, 4)], now=NOW)
    assert await stored_offsets(conn, "g", "t") == {3: 10}
    # A failed transaction leaves neither rows nor offsets behind.
    other = parcel_event("ok2", waybill_no="W1", status="DELIVERED", occurred_at=T0)
    broken = _row(other, partition=3, offset=10)
    broken.kind = "spaceship"  # violates the kind CHECK constraint
    with pytest.raises(asyncpg.CheckViolationError):
        await write_batch(conn, [broken], group_id="g", positions=[Position("t", 3, 11)], now=NOW)
    assert await stored_offsets(conn, "g", "t") == {3: 10}
    assert await conn.fetchval("SELECT last_seq FROM ledger_appended") == 1


async def test_a_row_the_database_refuses_is_isolated_not_retried_forever(
    conn: asyncpg.Connection,
) -> None:
    await prepare(conn)
    events = [
        parcel_event(f"iso{i}", waybill_no=f"W{i}", status="IN_TRANSIT", occurred_at=T0)
        for i in range(7)
    ]
    rows = [_row(e, offset=i) for i, e in enumerate(events)]
    rows[4].kind = "spaceship"  # violates the kind CHECK constraint
    result = await write_isolating(
        conn, rows, group_id="g", positions=[Position("t", 0, 7)], now=NOW
    )
    assert (result.received, result.appended, result.last_seq) == (7, 6, 6)
    await project(conn)
    refused = await conn.fetch("SELECT kafka_offset, error_code FROM ledger_rejects")
    assert [tuple(r.values()) for r in refused] == [(4, "refused_by_database")]
    assert await stored_offsets(conn, "g", "t") == {0: 7}
    stored = await conn.fetchval("SELECT array_agg(waybill_no) FROM parcels")
    assert sorted(stored) == ["W0", "W1", "W2", "W3", "W5", "W6"]
    assert all(d.equal for d in await verify(conn))


async def test_wide_rows_are_compressed_with_lz4_and_read_back_unchanged(
    conn: asyncpg.Connection,
) -> None:
    """prepare() makes the writer's session compress with lz4 (cheaper than pglz on the hot
    path); what the ledger holds reads back exactly as written."""
    lines = [(i, f"ITEM-{i:04d}-" + "x" * 40, i, f"{i}.00") for i in range(1, 80)]
    event = order_event(
        "lz4-wide-1",
        platform_code="PLAT",
        order_no="LZ4-ORDER-1",
        status="CREATED",
        occurred_at=T0,
        buyer="lz4",
        actual_paid="99.00",
        lines=lines,
    )
    await _write(conn, [event], batch=1)
    assert await conn.fetchval("SHOW default_toast_compression") == "lz4"
    row = await conn.fetchrow(
        "SELECT pg_column_compression(body) AS method, canonical, body::text AS body "
        "FROM ledger_events WHERE order_no = 'LZ4-ORDER-1'"
    )
    assert row["method"] == "lz4"
    assert row["canonical"] == event.SerializeToString()
    expected = _row(event, offset=0).body
    assert expected is not None
    assert await conn.fetchval("SELECT $1::jsonb = $2::jsonb", row["body"], expected)
