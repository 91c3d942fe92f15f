"""The Post Bureau's measures and exact percentiles on a real PostgreSQL: known pickup and
delivery pairs in, exact 48 h / 72 h rates and percentiles out of the API."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import asyncpg
import pytest
from ledger_scenarios import import_1210_consignment
from ledger_support import Api, append_and_project

from quanhub.bench.synthetic import parcel_event
from quanhub.canonical.v1 import canonical_pb2 as cpb
from quanhub.common.db import load_migrations
from quanhub.ledger.store.rebuild import verify

NOW = datetime(2026, 11, 28, 12, tzinfo=UTC)
PICKUP = datetime(2026, 11, 10, 0, 0, tzinfo=UTC)  # 08:00 in Jinan
H = timedelta(hours=1)
MINUTE = timedelta(minutes=1)
PERIOD = "from=2026-11-01&to=2026-11-30"
#: SF's lane 370102 -> 370112: 40 parcels taking i x 2 h + 17 min (0:17 .. 78:17) and one
#: taking exactly 48 h (the limit counts as on time).
SF_TIMES = [i * 2 * H + 17 * MINUTE for i in range(40)] + [48 * H]


def _parcel(
    carrier: str, waybill: str, took: timedelta | None, origin: str, destination: str
) -> list[cpb.CanonicalEvent]:
    """Pickup scan in `origin` (none when `took` is None), a transit scan and the delivery
    in `destination`."""
    delivered = PICKUP + (took if took is not None else 30 * H)
    events = [
        parcel_event(
            f"{waybill}-t",
            carrier_id=carrier,
            waybill_no=waybill,
            status="IN_TRANSIT",
            occurred_at=delivered - MINUTE,
            district_code=destination,
        ),
        parcel_event(
            f"{waybill}-d",
            carrier_id=carrier,
            waybill_no=waybill,
            status="DELIVERED",
            occurred_at=delivered,
            district_code=destination,
        ),
    ]
    if took is not None:
        events.append(
            parcel_event(
                f"{waybill}-p",
                carrier_id=carrier,
                waybill_no=waybill,
                status="PICKED_UP",
                occurred_at=PICKUP,
                district_code=origin,
            )
        )
    return events


def _traffic() -> list[cpb.CanonicalEvent]:
    events = []
    for i, took in enumerate(SF_TIMES):
        events += _parcel("SF", f"SFLANE{i:03d}", took, "370102", "370112")
    for i in range(5):
        events += _parcel("ZTO", f"ZTOLANE{i:03d}", (10 + i) * H, "370103", "370103")
    events += _parcel("SF", "SFNOPICKUP", None, "", "370112")
    return events


async def test_on_time_rates_and_percentiles_are_exact(
    ledger_pool: asyncpg.Pool, ledger_api: Api
) -> None:
    await append_and_project(ledger_pool, _traffic(), now=NOW)

    answer = await ledger_api.get(f"/v1/kpis/delivery-times?{PERIOD}&group_by=carrier", "ADMIN")
    assert answer.status_code == 200, answer.text
    report = answer.json()
    sf = next(g["measures"] for g in report["groups"] if g["carrier_id"] == "SF")
    zto = next(g["measures"] for g in report["groups"] if g["carrier_id"] == "ZTO")
    assert (sf["delivered"], sf["timed"]) == (42, 41)
    # 0:17 .. 46:17 (24 parcels) and 48:00 are within 48 h; up to 70:17 within 72 h.
    assert (sf["on_time_48h"]["within"], sf["on_time_48h"]["sample"]) == (25, 41)
    assert sf["on_time_48h"]["rate"] == pytest.approx(25 / 41)
    assert sf["on_time_72h"]["rate"] == pytest.approx(37 / 41)
    full = sf["full_delivery_time"]
    seconds = sum(t.total_seconds() for t in SF_TIMES)
    assert full["mean_hours"] == pytest.approx(seconds / 41 / 3600)
    # Nearest rank: 21st value 40:17 (bucket 40:10-40:20), 37th 70:17, 41st 78:17 (hourly).
    assert (full["p50_hours"], full["p90_hours"], full["p99_hours"]) == (40.25, 70.25, 78.5)
    assert (full["status"], full["sufficient"]) == ("ok", True)
    # Five parcels are too little data: counted, but no rate or time.
    assert (zto["timed"], zto["on_time_48h"]["within"], zto["on_time_48h"]["rate"]) == (5, 5, None)
    assert zto["on_time_48h"]["status"] == "too_little_data"
    assert zto["full_delivery_time"]["p50_hours"] is None
    assert report["overall"]["timed"] == 46
    assert report["overall"]["on_time_48h"]["within"] == 30
    assert report["minimum_sample"] == 30
    assert report["percentile_resolution"]["minutes_below_72h"] == 10

    lanes = (
        await ledger_api.get(f"/v1/kpis/delivery-times?{PERIOD}&group_by=lane", "ADMIN")
    ).json()
    keys = {
        (g["origin_district"], g["district_code"]): g["measures"]["timed"] for g in lanes["groups"]
    }
    assert keys == {("370102", "370112"): 41, ("370103", "370103"): 5, ("", "370112"): 0}

    one = (
        await ledger_api.get(f"/v1/kpis/delivery-times?{PERIOD}&lane=370102-370112", "ADMIN")
    ).json()
    assert one["groups"] == []
    assert one["overall"]["full_delivery_time"] == full
    # The deliveries fall on 10..13 November: read from daily rows only (no whole week),
    # from one whole week's row only, and from both (November above).
    for period in ("from=2026-11-10&to=2026-11-13", "from=2026-11-09&to=2026-11-15"):
        same = await ledger_api.get(f"/v1/kpis/delivery-times?{period}&lane=370102-370112", "ADMIN")
        assert same.json()["overall"]["full_delivery_time"] == full, period

    kpis = (await ledger_api.get(f"/v1/kpis?{PERIOD}", "ADMIN")).json()
    group = next(
        g["distribution"]
        for g in kpis["pickup_to_delivery"]["groups"]
        if (g["district_code"], g["carrier_id"]) == ("370112", "SF")
    )
    assert (group["p50_hours"], group["p90_hours"], group["p99_hours"]) == (40.25, 70.25, 78.5)
    assert (group["sample"], group["sufficient"]) == (41, True)

    async with ledger_pool.acquire() as conn:
        assert all(d.equal for d in await verify(conn))


async def test_the_1210_clearance_percentile_is_its_own_time(
    ledger_pool: asyncpg.Pool, ledger_api: Api
) -> None:
    """Declared 09:15, released 11:00: p50 1.75 h (the bucket 1:40-1:50), not the 6 h the
    12-hour bucket interpolation read; one declaration is too little data."""
    await append_and_project(ledger_pool, import_1210_consignment(), now=NOW)
    kpis = (await ledger_api.get(f"/v1/kpis?{PERIOD}", "ADMIN")).json()
    clearance = kpis["customs_clearance"]["overall"]
    assert clearance["mean_hours"] == pytest.approx(1.75)
    assert clearance["p50_hours"] == pytest.approx(1.75)
    assert (clearance["sample"], clearance["sufficient"]) == (1, False)


async def test_origin_is_the_earliest_pickup_that_names_a_district(
    ledger_pool: asyncpg.Pool,
) -> None:
    def scan(sid: str, status: str, hours: int, district: str) -> cpb.CanonicalEvent:
        return parcel_event(
            sid,
            waybill_no="SFORIGIN",
            status=status,
            occurred_at=PICKUP + hours * H,
            district_code=district,
        )

    # Out of order on purpose: the origin follows event time, not arrival.
    events = [
        scan("o-3", "PICKED_UP", 2, "370105"),
        scan("o-5", "DELIVERED", 20, "370112"),
        scan("o-1", "PICKED_UP", 0, ""),
        scan("o-2", "PICKED_UP", 1, "370104"),
        scan("o-4", "IN_TRANSIT", 3, "370102"),
    ]
    await append_and_project(ledger_pool, events, now=NOW)
    async with ledger_pool.acquire() as conn:
        row = await conn.fetchrow(
            "SELECT origin_district, district_code FROM parcels WHERE waybill_no = 'SFORIGIN'"
        )
    assert dict(row) == {"origin_district": "370104", "district_code": "370112"}


async def test_migration_0026_fills_a_ledger_that_had_events(
    ledger_pool: asyncpg.Pool,
) -> None:
    """A ledger projected before 0026 gets the origin and the five rollups filled by the
    migration itself, exactly as a rebuild would: verify holds with no rebuild."""
    await append_and_project(ledger_pool, _traffic() + import_1210_consignment(), now=NOW)
    (measures,) = [m for m in load_migrations() if m.version == 26]
    (by_shard,) = [m for m in load_migrations() if m.version == 43]
    async with ledger_pool.acquire() as conn:
        async with conn.transaction():  # back to the schema before 0026
            await conn.execute(
                "ALTER TABLE parcels DROP COLUMN origin_district; "
                "DROP TABLE kpi_lane_daily, kpi_delivery_hist, kpi_clearance_hist, "
                "kpi_delivery_hist_weekly, kpi_clearance_hist_weekly"
            )
        async with conn.transaction():
            await conn.execute(measures.sql)
            await conn.execute(by_shard.sql)  # and the schema since (rollups by shard)
        assert await conn.fetchval("SELECT sum(timed) FROM kpi_lane_daily") == 46 + 1  # + 1210
        assert await conn.fetchval("SELECT sum(released) FROM kpi_clearance_hist") == 1
        assert all(d.equal for d in await verify(conn))


@pytest.mark.parametrize(
    ("query", "status"),
    [
        ("period=7d", 200),
        ("period=7d&from=2026-11-01", 400),
        ("lane=370102-370112&district=370112", 400),
        ("group_by=carrier,lane", 200),
        ("group_by=weekday", 422),
        ("carrier=sf", 200),
    ],
)
async def test_delivery_times_parameters(ledger_api: Api, query: str, status: int) -> None:
    answer = await ledger_api.get(f"/v1/kpis/delivery-times?{query}", "JNCOMMERCE")
    assert answer.status_code == status, answer.text


async def test_delivery_times_are_for_city_readers(ledger_api: Api) -> None:
    answer = await ledger_api.get("/v1/kpis/delivery-times", "SF")
    assert answer.status_code == 403
