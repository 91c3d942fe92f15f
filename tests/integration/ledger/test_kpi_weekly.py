"""The weekly twins of kpi_parcel_daily and kpi_delivery_daily (migration 0035) and of
kpi_lane_daily (0036) on a real PostgreSQL: kept by the projector equal to their days
summed by week, covered by verify, filled by the migrations on a ledger that had events,
and reports read from whole weeks and edge days equal to the same reports read from the
days alone."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import asyncpg
import pytest
from ledger_support import Api, append_and_project

from quanhub.bench.synthetic import parcel_event
from quanhub.canonical.v1 import canonical_pb2 as cpb
from quanhub.common.db import load_migrations
from quanhub.ledger.kpis import compute
from quanhub.ledger.kpis.delivery_times import delivery_times
from quanhub.ledger.kpis.fine import NO_WEEKS
from quanhub.ledger.kpis.models import KpiReport
from quanhub.ledger.store.rebuild import verify

NOW = datetime(2026, 12, 20, tzinfo=UTC)
#: Monday 2 November 2026, 10:00 in Jinan.
MONDAY = datetime(2026, 11, 2, 2, tzinfo=UTC)
TWINS = {
    "kpi_parcel_weekly": ("kpi_parcel_daily", "parcels"),
    "kpi_delivery_weekly": ("kpi_delivery_daily", "delivered"),
    "kpi_lane_weekly": ("kpi_lane_daily", "delivered"),
}


def _traffic() -> list[cpb.CanonicalEvent]:
    """Over four weeks, each day: parcels of SF and ZTO in two districts picked up, and
    delivered i hours later (some the next week), one in three without a pickup scan."""
    events = []
    for day in range(28):
        for i in range(day % 5 + 1):
            carrier, district = ("SF", "370112") if i % 2 else ("ZTO", "370102")
            waybill = f"{carrier}W{day:02d}{i}"
            picked = MONDAY + timedelta(days=day, hours=i)
            if i % 3 != 2:
                events.append(
                    parcel_event(
                        f"{waybill}-p",
                        carrier_id=carrier,
                        waybill_no=waybill,
                        status="PICKED_UP",
                        occurred_at=picked,
                        district_code=district,
                    )
                )
            events.append(
                parcel_event(
                    f"{waybill}-d",
                    carrier_id=carrier,
                    waybill_no=waybill,
                    status="DELIVERED",
                    occurred_at=picked + timedelta(hours=12 + 9 * i),
                    district_code=district,
                )
            )
    return events


async def _by_week_of_days(conn: asyncpg.Connection, weekly: str) -> set[tuple[object, ...]]:
    daily, count = TWINS[weekly]
    rows = await conn.fetch(
        f"SELECT * FROM {daily} WHERE {count} <> 0"  # noqa: S608 - the module's names
    )
    sums: dict[tuple[object, ...], list[int]] = {}
    for row in rows:
        day: date = row["day"]
        # Key columns are text, summed ones integers, in the twins' column order.
        names = [c for c, v in row.items() if isinstance(v, str)]
        key = (day - timedelta(days=day.weekday()), *(row[c] for c in names))
        values = [v for v in row.values() if isinstance(v, int)]
        sums[key] = [a + b for a, b in zip(sums.get(key, [0] * len(values)), values, strict=True)]
    return {(*k, *v) for k, v in sums.items()}


async def _weekly_rows(conn: asyncpg.Connection, weekly: str) -> set[tuple[object, ...]]:
    _, count = TWINS[weekly]
    rows = await conn.fetch(
        f"SELECT * FROM {weekly} WHERE {count} <> 0"  # noqa: S608 - the module's names
    )
    return {tuple(row.values()) for row in rows}


async def test_the_weekly_twins_are_their_days_summed_by_week(
    ledger_pool: asyncpg.Pool,
) -> None:
    # Two batches, the later weeks first: a parcel's delivery and its pickup may come in
    # either, so rows are retracted and added again.
    events = _traffic()
    await append_and_project(ledger_pool, events[len(events) // 2 :], now=NOW, topic="a")
    await append_and_project(ledger_pool, events[: len(events) // 2], now=NOW, topic="b")
    async with ledger_pool.acquire() as conn:
        for weekly in TWINS:
            rows = await _weekly_rows(conn, weekly)
            assert len(rows) > 4, weekly
            assert rows == await _by_week_of_days(conn, weekly), weekly
        assert all(d.equal for d in await verify(conn))
        tables = {d.table for d in await verify(conn)}
        assert set(TWINS) <= tables


@pytest.mark.parametrize(
    ("start", "end"),
    [
        ("2026-11-02", "2026-11-29"),  # four whole weeks
        ("2026-11-04", "2026-11-27"),  # edge days on both sides of two weeks
        ("2026-11-03", "2026-11-08"),  # no whole week
        ("2026-11-01", "2026-12-05"),  # beyond the traffic
    ],
)
async def test_a_report_from_weeks_is_the_report_from_days(
    ledger_pool: asyncpg.Pool, ledger_api: Api, start: str, end: str
) -> None:
    await append_and_project(ledger_pool, _traffic(), now=NOW)
    for district in (None, "370112"):
        query = f"/v1/kpis?from={start}&to={end}" + (f"&district={district}" if district else "")
        answer = await ledger_api.get(query, "ADMIN")
        assert answer.status_code == 200, answer.text

        first, last = date.fromisoformat(start), date.fromisoformat(end)
        args: list[object] = [first, last] if district is None else [first, last, district]
        async with ledger_pool.acquire() as conn:
            # The same statement with no whole week: every row from the daily rollups.
            row = await conn.fetchrow(compute.report_sql(district), *args, *NO_WEEKS)
        assert row is not None
        days_only = KpiReport.model_validate(compute.report_figures(row, first, last, district))
        assert answer.json() == days_only.model_dump(mode="json"), (query, district)


class _DaysOnly:
    """A connection whose statements get NO_WEEKS for their last two parameters (the
    period's week bounds): every row from the daily rollups."""

    def __init__(self, conn: asyncpg.Connection) -> None:
        self.conn = conn

    async def fetchrow(self, sql: str, *args: object) -> asyncpg.Record | None:
        return await self.conn.fetchrow(sql, *args[:-2], *NO_WEEKS)


@pytest.mark.parametrize(
    "query",
    [
        "group_by=carrier",
        "group_by=lane&carrier=SF",
        "group_by=district&district=3701",
        "group_by=origin,carrier&origin=370102",
    ],
)
async def test_delivery_times_from_weeks_are_the_ones_from_days(
    ledger_pool: asyncpg.Pool, ledger_api: Api, query: str
) -> None:
    await append_and_project(ledger_pool, _traffic(), now=NOW)
    params = dict(p.split("=") for p in query.split("&"))
    for start, end in (("2026-11-04", "2026-11-27"), ("2026-11-02", "2026-11-29")):
        answer = await ledger_api.get(
            f"/v1/kpis/delivery-times?from={start}&to={end}&{query}", "ADMIN"
        )
        assert answer.status_code == 200, answer.text
        async with ledger_pool.acquire() as conn:
            days_only = await delivery_times(
                _DaysOnly(conn),  # type: ignore[arg-type]  # fetchrow is all it reads
                date.fromisoformat(start),
                date.fromisoformat(end),
                carrier=params.get("carrier"),
                origin=params.get("origin"),
                district=params.get("district"),
                group_by=params["group_by"].split(","),
            )
        assert answer.json() == days_only.model_dump(mode="json"), (query, start)
        assert answer.json()["overall"]["delivered"] > 0


async def test_migration_0036_fills_a_ledger_that_had_events(ledger_pool: asyncpg.Pool) -> None:
    await append_and_project(ledger_pool, _traffic(), now=NOW)
    (weekly,) = [m for m in load_migrations() if m.version == 36]
    (by_shard,) = [m for m in load_migrations() if m.version == 43]
    async with ledger_pool.acquire() as conn:
        expected = await _weekly_rows(conn, "kpi_lane_weekly")
        async with conn.transaction():  # back to the schema before 0036
            await conn.execute("DROP TABLE kpi_lane_weekly")
        async with conn.transaction():
            await conn.execute(weekly.sql)
            await conn.execute(by_shard.sql)  # and the schema since (rollups by shard)
        assert await _weekly_rows(conn, "kpi_lane_weekly") == expected
        assert all(d.equal for d in await verify(conn))


async def test_migration_0035_fills_a_ledger_that_had_events(ledger_pool: asyncpg.Pool) -> None:
    await append_and_project(ledger_pool, _traffic(), now=NOW)
    (weekly,) = [m for m in load_migrations() if m.version == 35]
    (by_shard,) = [m for m in load_migrations() if m.version == 43]
    async with ledger_pool.acquire() as conn:
        expected = {t: await _weekly_rows(conn, t) for t in TWINS if t != "kpi_lane_weekly"}
        async with conn.transaction():  # back to the schema before 0035
            await conn.execute("DROP TABLE kpi_parcel_weekly, kpi_delivery_weekly")
        async with conn.transaction():
            await conn.execute(weekly.sql)
            await conn.execute(by_shard.sql)  # and the schema since (rollups by shard)
        for table, rows in expected.items():
            assert await _weekly_rows(conn, table) == rows, table
        assert all(d.equal for d in await verify(conn))
