"""Predicted delivery on a real PostgreSQL: delivered parcels in, the rollup kept exact,
each parcel's window in the parcel and order views for whoever may read it, and the
evaluation's figures."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime, timedelta

import asyncpg
import pytest
from ledger_scenarios import door_delivery
from ledger_support import Api, append_and_project

from quanhub.bench.synthetic import order_event, parcel_event
from quanhub.canonical.v1 import canonical_pb2 as cpb
from quanhub.ledger.edd.accuracy_book import AccuracyBook
from quanhub.ledger.edd.evaluate import evaluate
from quanhub.ledger.edd.rollup import pickup_keys
from quanhub.ledger.edd.store import train
from quanhub.ledger.store.rebuild import verify

H = timedelta(hours=1)
NOW = datetime(2026, 11, 28, 12, tzinfo=UTC)  # the API's clock (conftest.CLOCK_AT)
TRAIN_PICKUP = datetime(2026, 11, 20, 1, 30, tzinfo=UTC)  # Friday 09:30 CST
PICKUP = datetime(2026, 11, 27, 1, 30, tzinfo=UTC)  # the next Friday, 09:30 CST
AS_OF = "2026-11-27T02:30:00Z"  # one hour after the pickup


def _delivered(carrier: str, waybill: str, took: timedelta) -> list[cpb.CanonicalEvent]:
    """Picked up in Hangzhou (330110), delivered at a door in 370102 `took` later."""
    done = TRAIN_PICKUP + took
    common = {"carrier_id": carrier, "waybill_no": waybill}
    return [
        parcel_event(
            f"{waybill}-p",
            **common,
            status="PICKED_UP",
            occurred_at=TRAIN_PICKUP,
            district_code="330110",
        ),
        parcel_event(
            f"{waybill}-o",
            **common,
            status="OUT_FOR_DELIVERY",
            occurred_at=done - H,
            district_code="370102",
        ),
        parcel_event(
            f"{waybill}-d",
            **common,
            status="DELIVERED",
            occurred_at=done,
            district_code="370102",
            delivery_point="DOOR",
        ),
    ]


def _training() -> list[cpb.CanonicalEvent]:
    events = []
    for i in range(40):  # SF: 20 h, 21 h, ... 59 h
        events += _delivered("SF", f"SFTRAIN{i:03d}", (20 + i) * H)
    for i in range(5):
        events += _delivered("ZTO", f"ZTOTRAIN{i:03d}", 10 * H)
    return events


def _in_flight() -> list[cpb.CanonicalEvent]:
    """SF's parcel of TMALL's order T1 (both sides name each other), on its way."""
    common = {"carrier_id": "SF", "waybill_no": "SFEDD0001"}
    return [
        order_event(
            "T1-s",
            platform_code="TMALL",
            order_no="T1",
            status="SHIPPED",
            occurred_at=PICKUP - H,
            carrier_id="SF",
            waybill_no="SFEDD0001",
        ),
        parcel_event(
            "SFEDD0001-p",
            **common,
            status="PICKED_UP",
            occurred_at=PICKUP,
            district_code="330110",
            platform_code="TMALL",
            order_no="T1",
        ),
        parcel_event(
            "SFEDD0001-t",
            **common,
            status="IN_TRANSIT",
            occurred_at=PICKUP + H / 2,
            district_code="370112",
        ),
    ]


def _arrives(took: timedelta = 45 * H) -> cpb.CanonicalEvent:
    """The in-flight parcel SFEDD0001 delivered to a door in 370102 `took` after pickup."""
    return parcel_event(
        "SFEDD0001-d",
        carrier_id="SF",
        waybill_no="SFEDD0001",
        status="DELIVERED",
        occurred_at=PICKUP + took,
        district_code="370102",
        delivery_point="DOOR",
    )


async def test_rollup_keeps_segments_exact_and_reads_pickups_in_cst(
    ledger_pool: asyncpg.Pool,
) -> None:
    await append_and_project(ledger_pool, _training(), now=NOW)
    async with ledger_pool.acquire() as conn:
        rows = await conn.fetch(
            "SELECT carrier_id, origin_district, district_code, delivery_point, weekday, "
            "hour_band, sum(parcels) AS n FROM kpi_edd_hist GROUP BY 1, 2, 3, 4, 5, 6"
        )
        assert {tuple(r) for r in rows} == {
            ("SF", "330110", "370102", "DOOR", *pickup_keys(TRAIN_PICKUP), 40),
            ("ZTO", "330110", "370102", "DOOR", *pickup_keys(TRAIN_PICKUP), 5),
        }
        assert pickup_keys(TRAIN_PICKUP) == (4, 3)  # Friday, 09:00-11:59 CST
        assert all(d.equal for d in await verify(conn))


async def test_views_show_the_window_to_whoever_may_read_the_parcel(
    ledger_pool: asyncpg.Pool, ledger_api: Api
) -> None:
    await append_and_project(ledger_pool, _training() + _in_flight(), now=NOW)

    answer = await ledger_api.get(f"/v1/parcels/SF/SFEDD0001?as_of={AS_OF}", "ADMIN")
    assert answer.status_code == 200, answer.text
    view = answer.json()
    assert view["origin_district"] == "330110"
    predicted = view["predicted_delivery"]
    # SF's 40 parcels of the segment (carrier, origin, Friday, 09:00 band; destination and
    # point not known in transit) all took longer than an hour: 20 h .. 59 h, one per
    # 10-minute bucket starting on the hour. The 20th (median) ends 39:10; 1st and 39th
    # of 40 are the 2.5 % and 97.5 % quantiles.
    assert predicted["segment_level"] == "segment"
    assert predicted["segment"] == ["carrier", "origin", "weekday", "hour_band"]
    assert predicted["sample"] == 40
    assert predicted["confidence"] == 0.95
    at = datetime.fromisoformat
    assert at(predicted["most_likely"]) == PICKUP + 39 * H + 10 * timedelta(minutes=1)
    assert at(predicted["earliest"]) == PICKUP + 20 * H + 10 * timedelta(minutes=1)
    assert at(predicted["latest"]) == PICKUP + 58 * H + 10 * timedelta(minutes=1)
    # Trained on the delivery days before the as_of's CST day.
    assert at(predicted["model_as_of"]) == datetime(2026, 11, 26, 16, tzinfo=UTC)

    own = (await ledger_api.get(f"/v1/parcels/SF/SFEDD0001?as_of={AS_OF}", "SF")).json()
    assert own["predicted_delivery"] == predicted
    # The order's platform sees the window, not the carrier's sample size.
    platform = (await ledger_api.get(f"/v1/parcels/SF/SFEDD0001?as_of={AS_OF}", "TMALL")).json()
    assert platform["predicted_delivery"] == predicted | {"sample": None}
    order = (await ledger_api.get(f"/v1/orders/TMALL/T1?as_of={AS_OF}", "TMALL")).json()
    assert [p["predicted_delivery"] for p in order["parcels"]] == [predicted | {"sample": None}]
    # A competitor and another platform learn nothing, not even that the parcel exists.
    for outsider in ("ZTO", "JD"):
        hidden = await ledger_api.get(f"/v1/parcels/SF/SFEDD0001?as_of={AS_OF}", outsider)
        assert hidden.status_code == 404
    assert (await ledger_api.get(f"/v1/orders/TMALL/T1?as_of={AS_OF}", "ZTO")).status_code == 404

    # At the API's clock (34.5 h after pickup) 25 parcels are left to come: fewer than 30
    # at every level, so the coarsest (the carrier) answers with what it has.
    later = (await ledger_api.get("/v1/parcels/SF/SFEDD0001", "ADMIN")).json()
    assert later["predicted_delivery"]["segment_level"] == "carrier"
    assert later["predicted_delivery"]["sample"] == 25
    assert at(later["predicted_delivery"]["as_of"]) == NOW

    # Delivered: nothing left to predict.
    done = _arrives()
    await append_and_project(ledger_pool, [done], now=NOW, topic="t2")
    delivered = (await ledger_api.get("/v1/parcels/SF/SFEDD0001", "ADMIN")).json()
    assert delivered["predicted_delivery"] is None


async def test_out_for_delivery_the_window_is_read_from_the_last_mile(
    ledger_pool: asyncpg.Pool, ledger_api: Api
) -> None:
    out = PICKUP + 30 * H
    going = parcel_event(
        "SFEDD0001-o",
        carrier_id="SF",
        waybill_no="SFEDD0001",
        status="OUT_FOR_DELIVERY",
        occurred_at=out,
        district_code="370102",
    )
    await append_and_project(ledger_pool, [*_training(), *_in_flight(), going], now=NOW)
    async with ledger_pool.acquire() as conn:
        assert all(d.equal for d in await verify(conn))  # the projected column included
    as_of = (out + timedelta(minutes=10)).strftime("%Y-%m-%dT%H:%M:%SZ")
    view = (await ledger_api.get(f"/v1/parcels/SF/SFEDD0001?as_of={as_of}", "ADMIN")).json()
    at = datetime.fromisoformat
    assert at(view["out_for_delivery_at"]) == out
    predicted = view["predicted_delivery"]
    # SF's 40 parcels each went out for delivery an hour before delivery (the 60-70 min
    # bucket): the window is read from there, not from the segment's 20-59 h since pickup.
    # No point named yet: carrier x destination.
    assert predicted["segment_level"] == "last_mile"
    assert predicted["segment"] == ["carrier", "destination"]
    assert predicted["sample"] == 40
    minute = timedelta(minutes=1)
    assert at(predicted["most_likely"]) == out + 65 * minute
    assert at(predicted["earliest"]) == out + 60 * minute + timedelta(seconds=15)
    assert at(predicted["latest"]) == out + 69 * minute + timedelta(seconds=45)


async def test_evaluation_trains_before_d_and_scores_pickups_from_d(
    ledger_pool: asyncpg.Pool,
) -> None:
    took = 45 * H
    done = _arrives(took)
    await append_and_project(ledger_pool, [*_training(), *_in_flight(), done], now=NOW)
    truth = {"P|SF|SFEDD0001": PICKUP + took}
    async with ledger_pool.acquire() as conn:
        report = await evaluate(conn, date(2026, 11, 27), date(2026, 11, 28), truth=truth)
    assert report["train"]["parcels"] == 45
    assert report["parcels"] == 1
    assert report["truth"] == {"equal": 1, "different": 0, "not_in_truth": 0}
    pickup = report["at_pickup"]
    assert (pickup["predictions"], pickup["delivered_by_latest"]) == (1, 1.0)
    # Most likely 39:10 against 45:00; the carrier's median is the same 40 parcels'.
    assert pickup["mae_hours"] == pytest.approx(45 - (39 + 10 / 60))
    assert pickup["mae_ratio"] == pytest.approx(1.0)
    # The transit scan half an hour later is the one later scan.
    assert report["at_scans"]["predictions"] == 1


async def test_training_counts_parcels_still_open_at_the_cut_as_censored(
    ledger_pool: asyncpg.Pool,
) -> None:
    late = _arrives()  # picked up before the cut, delivered after it: open at the cut
    returned = [  # going back to the sender: never delivered, not counted
        parcel_event(
            f"SFRET01-{s}",
            carrier_id="SF",
            waybill_no="SFRET01",
            status=s,
            occurred_at=PICKUP + i * H,
            district_code="330110",
        )
        for i, s in enumerate(("PICKED_UP", "RETURNING"))
    ]
    await append_and_project(ledger_pool, [*_training(), *_in_flight(), late, *returned], now=NOW)
    model = await train(ledger_pool, date(2026, 11, 28))
    assert (model.parcels, model.open_parcels) == (45, 1)
    # Before the cut (2026-11-28 00:00 CST) SFEDD0001 was 14.5 h on its way: at risk to
    # then, so it joins SF's 40 delivered parcels in the sample at pickup.
    known = ("SF", "330110", None, None, *pickup_keys(PICKUP))
    estimate = model.predict(known, 0.0)
    assert estimate is not None
    assert estimate.sample == 41
    assert model.open_parcels == 1
    later = await train(ledger_pool, date(2026, 11, 30))  # delivered by then: an event
    assert (later.parcels, later.open_parcels) == (46, 0)


def _scored(carrier: str, waybill: str, took: timedelta) -> list[cpb.CanonicalEvent]:
    """Picked up at PICKUP in 330110, delivered at a door in 370102 `took` later."""
    return door_delivery(carrier, waybill, PICKUP, took)


async def test_accuracy_scores_finished_days_by_the_pickup_days_model(
    ledger_pool: asyncpg.Pool, ledger_api: Api
) -> None:
    scored = (
        _scored("SF", "SFACC01", 30 * H)  # delivered 2026-11-28 15:30 CST
        + _scored("SF", "SFACC02", 45 * H)  # 2026-11-29 06:30 CST
        + _scored("SF", "SFACC03", 94 * H)  # 2026-12-01 07:30 CST: as_of's own day
        + _scored("ZTO", "ZTOACC01", 10 * H)
        + _scored("YTO", "YTOACC01", 20 * H)  # no YTO parcel delivered before: no model
    )
    await append_and_project(ledger_pool, _training() + scored, now=NOW)
    query = "/v1/edd/accuracy?from=2026-11-27&as_of=2026-12-01T00:00:00Z"

    answer = await ledger_api.get(query, "ADMIN")
    assert answer.status_code == 200, answer.text
    report = answer.json()
    assert report["period"]["to_date"] == "2026-12-01"
    assert report["period"]["through_date"] == "2026-11-30"  # finished days only
    overall = report["overall"]
    assert (overall["delivered"], overall["predicted"], overall["unpredicted"]) == (4, 3, 1)
    # SF at pickup (Friday 09:30 CST, from Hangzhou): its 40 training parcels took 20 h ..
    # 59 h: most likely 39:10, latest 58:10; the carrier's median is the same 39:10.
    sf = next(c for c in report["carriers"] if c["carrier_id"] == "SF")
    assert (sf["delivered"], sf["predicted"], sf["by_latest"]) == (2, 2, 2)
    assert sf["mae_hours"] == pytest.approx((9 + 10 / 60 + 5 + 50 / 60) / 2, abs=0.01)
    assert sf["mae_ratio"] == 1.0
    # Two predictions are too little data: no verdict on the targets.
    assert (sf["sample"], sf["sufficient"], sf["meets_latest_target"]) == (2, False, None)
    yto = next(c for c in report["carriers"] if c["carrier_id"] == "YTO")
    assert (yto["delivered"], yto["predicted"], yto["delivered_by_latest"]) == (1, 0, None)

    # Another district: nothing delivered there.
    other = (await ledger_api.get(query + "&district=370112", "ADMIN")).json()
    assert other["overall"]["delivered"] == 0
    assert other["overall"]["sufficient"] is None
    assert other["carriers"] == []

    # A carrier sees its own figures; asking for a competitor's answers as for nobody's.
    own = (await ledger_api.get(query, "SF")).json()
    assert [c["carrier_id"] for c in own["carriers"]] == ["SF"]
    assert own["overall"] == {k: v for k, v in sf.items() if k != "carrier_id"}
    spying = (await ledger_api.get(query + "&carrier=ZTO", "SF")).json()
    nobody = (await ledger_api.get(query + "&carrier=NOBODY", "SF")).json()
    assert spying == nobody
    assert spying["overall"]["delivered"] == 0
    assert (await ledger_api.get(query, "TMALL")).status_code == 403


async def test_accuracy_counts_late_deliveries_of_recent_days_after_a_refresh(
    ledger_pool: asyncpg.Pool,
) -> None:
    await append_and_project(ledger_pool, _training() + _scored("SF", "SFACC01", 30 * H), now=NOW)
    book = AccuracyBook(ledger_pool, refresh_seconds=0.0)
    today = date(2026, 12, 1)
    sf = ("SF", "370102")

    async def delivered() -> int:
        days = await book.figures(date(2026, 11, 27), date(2026, 11, 30), today)
        return sum(d[sf].delivered for d in days.values() if sf in d)

    assert await delivered() == 1
    # A delivery of 2026-11-28 (CST) arrives late: the held figures answer while a
    # background refresh of the recent days counts it.
    late = _scored("SF", "SFACC02", 31 * H)
    await append_and_project(ledger_pool, late, now=NOW, topic="t2")
    for _ in range(100):
        await asyncio.sleep(0.05)
        if await delivered() == 2:
            break
    assert await delivered() == 2
