"""The delivery-time model: each factor of the table moves a parcel's pickup-to-delivery time
the way it says, and the load stretches it."""

from __future__ import annotations

import random
import statistics
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from quanhub.simulator import timing
from quanhub.simulator.catalog import CARRIERS, ORIGINS, Origin
from quanhub.simulator.conditions import DOUBLE11, Load
from quanhub.simulator.config import Mix, SimulationConfig
from quanhub.simulator.generator import generate
from quanhub.simulator.journey import Journey, Outcome, first_mile, last_mile
from quanhub.simulator.milestones import Milestone
from quanhub.simulator.model import Parcel
from quanhub.simulator.summary import summarize

_CARRIER = {c.partner: c for c in CARRIERS}
_ORIGIN = {o.district_code: o for o in ORIGINS}
#: No mishaps: only the model's own factors move the times.
_QUIET = Mix(
    attempt_failed=0,
    transit_exception=0,
    refused=0,
    lost=0,
    stalled=0,
    uncollected=0,
)
#: A Tuesday, 10:00 CST.
_TUESDAY_10 = datetime(2026, 11, 3, 2, tzinfo=UTC)


def _parcel(carrier: str = "ZTO", district: str = "370102", point: str = "DOOR") -> Parcel:
    return Parcel(
        carrier=_CARRIER[carrier],
        waybill_no="T1",
        district_code=district,
        e_waybill=True,
        transit_bag="RECYCLABLE",
        weight_grams=1000,
        vehicle_no="鲁A00000",
        delivery_point=point,
        delivery_point_id="" if point == "DOOR" else f"{point[0]}{district}001",
    )


def _median_hours(
    *,
    carrier: str = "ZTO",
    origin: Origin = _ORIGIN["330110"],
    district: str = "370102",
    point: str = "DOOR",
    pickup: datetime = _TUESDAY_10,
    load: Load | None = None,
    until: str = "DELIVERED",
    draws: int = 300,
) -> float:
    """Median hours from pickup to the first scan of status `until` (delivery) over `draws`
    journeys of one kind of parcel."""
    parcel = _parcel(carrier, district, point)
    spans = []
    for seed in range(draws):
        journey = Journey(parcel.carrier, random.Random(seed), pickup, load or Load())
        first_mile(journey, origin.hub, origin.district_code, origin.line_haul_hours)
        assert last_mile(journey, _QUIET, parcel, proxy=False) is Outcome.DELIVERED
        delivered = next(leg.at for leg in journey.legs if until in leg.milestone.value)
        spans.append((delivered - pickup) / timedelta(hours=1))
    return statistics.median(spans)


def test_a_faster_carrier_delivers_sooner() -> None:
    assert _median_hours(carrier="SF") < 0.9 * _median_hours(carrier="CHINAPOST")


def test_a_longer_lane_takes_longer() -> None:
    near, far = _ORIGIN["371302"], _ORIGIN["440111"]  # Linyi, Guangzhou
    assert _median_hours(origin=far) > _median_hours(origin=near) + 20


def test_a_county_destination_takes_longer_than_the_centre() -> None:
    # Picked up in Jinan at 10:00: the centre's station gets it in time for an afternoon
    # round; the county's is further and its last round leaves earlier.
    local = _ORIGIN["370112"]
    centre = _median_hours(origin=local, district="370102")
    assert _median_hours(origin=local, district="370126") > centre + 8


def test_a_station_parcel_counts_its_collection() -> None:
    door, station = _median_hours(point="DOOR"), _median_hours(point="STATION")
    assert station > door + 2


def test_an_evening_pickup_waits_for_the_next_line_haul() -> None:
    # From Linyi (4 h away), 18:00 CST: ready around 20:30, catches the 22:00 truck and the
    # next morning's round; 20:30 CST: ready near 23:00, waits for the next day's noon truck.
    linyi = _ORIGIN["371302"]
    early = _median_hours(origin=linyi, pickup=_TUESDAY_10 + timedelta(hours=8))
    late = _median_hours(origin=linyi, pickup=_TUESDAY_10 + timedelta(hours=10, minutes=30))
    assert late > early + 12


def test_sundays_are_slower() -> None:
    local = _ORIGIN["370112"]  # Jinan itself: the whole way falls on the pickup day
    sunday = _TUESDAY_10 + timedelta(days=5)
    assert sunday.astimezone(UTC).weekday() == 6
    assert _median_hours(origin=local, pickup=sunday) > _median_hours(origin=local) * 1.1


def test_double11_stretches_the_network_segments() -> None:
    # Pickup to the district station: network segments only, no schedule to absorb them.
    local, until = _ORIGIN["370112"], "ARRIVED_IN_DELIVERY_CITY"
    normal = _median_hours(origin=local, until=until)
    busy = _median_hours(origin=local, until=until, load=DOUBLE11)
    assert busy == pytest.approx(normal * DOUBLE11.stretch, rel=0.08)


def test_segments_spread_log_normally_with_a_few_heavy_tails() -> None:
    rng = random.Random(1)
    at = _TUESDAY_10
    values = sorted(timing.draw(rng, "hub_sort", at=at) / timedelta(hours=1) for _ in range(4000))
    median = statistics.median(values)
    assert median == pytest.approx(timing.SEGMENTS["hub_sort"].median_hours, rel=0.1)
    assert values[int(0.99 * len(values))] > 2.5 * median  # the right tail is long
    assert values[0] > median / 5  # but nothing is instant


def test_collection_stays_under_48_hours_unless_deliberate() -> None:
    rng = random.Random(2)
    longest = max(
        timing.draw(rng, name, at=_TUESDAY_10) / timedelta(hours=1)
        for name in ("locker_collect", "station_collect")
        for _ in range(5000)
    )
    assert longest < 48 < timing.UNCOLLECTED_HOURS[0]


def test_pickups_happen_in_pickup_hours() -> None:
    rng = random.Random(3)
    for minutes in range(0, 24 * 60, 17):
        ready = _TUESDAY_10 + timedelta(minutes=minutes)
        picked = timing.pickup_time(rng, ready)
        assert picked >= ready
        assert timing.PICKUP_HOURS[0] <= (picked + timing.CST).hour < timing.PICKUP_HOURS[1]


def test_double11_multiplies_the_orders_and_stretches_the_run() -> None:
    normal = SimulationConfig(orders=400, seed=5, cross_border_share=0.0)
    busy = replace(normal, load=DOUBLE11)
    assert busy.order_count == 680
    normal_run, busy_run = generate(normal), generate(busy)
    assert len(busy_run.stories) == 680
    plain = summarize(normal_run)["post_bureau"]["overall"]
    peak = summarize(busy_run)["post_bureau"]["overall"]
    assert peak["mean_hours"] > 1.15 * plain["mean_hours"]
    assert peak["on_time_48h"]["value"] < plain["on_time_48h"]["value"]


def test_scans_carry_the_lane_districts(busy_run) -> None:  # type: ignore[no-untyped-def]
    """Pickup in the origin's district, delivery in the destination's."""
    origins = {o.district_code for o in ORIGINS} | {"370105"}
    for story in busy_run.stories:
        for step in story.steps:
            scan = getattr(step.body, "milestone", None)
            if scan is Milestone.PICKED_UP and story.order.trade_mode != "9610":
                assert step.body.district_code in origins  # type: ignore[union-attr]
            if isinstance(scan, Milestone) and scan.status == "DELIVERED":
                assert step.body.district_code == story.parcel.district_code  # type: ignore[union-attr]


def test_the_docs_table_is_the_code_table() -> None:
    """docs/simulator.md prints SEGMENTS; a change to one must change the other."""
    import re
    from pathlib import Path

    doc = Path(__file__).resolve().parents[3] / "docs" / "simulator.md"
    rows = re.findall(r"^\| `(\w+)` \| ([\d.]+) \| ([\d.]+) \|", doc.read_text(), re.MULTILINE)
    documented = {name: (float(median), float(sigma)) for name, median, sigma in rows}
    assert documented == {
        name: (segment.median_hours, segment.sigma) for name, segment in timing.SEGMENTS.items()
    }
