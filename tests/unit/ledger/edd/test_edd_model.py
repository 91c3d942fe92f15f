"""The EDD model: conditional quantiles of fine histograms, the fallback chain, pickup keys."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from quanhub.ledger.edd.features import known_segment
from quanhub.ledger.edd.model import EddModel, Histogram
from quanhub.ledger.edd.rollup import pickup_keys
from quanhub.ledger.store.histogram import fine_bucket

H = 3600


def _model(min_sample: int = 30) -> EddModel:
    return EddModel(first_day=date(2026, 11, 1), end_day=date(2026, 11, 29), min_sample=min_sample)


def _add(model: EddModel, key: tuple[str | int, ...], hours: list[float]) -> None:
    for h in hours:
        model.add(key, fine_bucket(int(h * H)), 1)


def test_quantiles_read_inside_the_bucket_and_condition_on_elapsed() -> None:
    # 10 parcels per 10-minute bucket from 10:00 to 19:59 (one bucket per hour's first 10 min).
    counts = {fine_bucket(h * H): 10 for h in range(10, 20)}
    hist = Histogram.of(counts)
    assert hist.total == 100
    assert hist.below(10 * H) == 0
    assert hist.below(10 * H + 300) == pytest.approx(5)  # half of the 10:00-10:10 bucket
    # The median is reached inside the 14:00 bucket's end (50 of 100).
    assert hist.quantile(0.5, 0) == pytest.approx(14 * H + 600)
    # Having already taken 15 h: 50 of the 100 remain; their 25th is the middle of 17:00.
    assert hist.quantile(0.5, 15 * H) == pytest.approx(17 * H + 300)
    # Nothing earlier than the time already taken.
    assert hist.quantile(0.0, 15 * H) == pytest.approx(15 * H)


def test_a_thin_segment_falls_back_to_a_level_with_enough_parcels() -> None:
    model = _model()
    full = ("SF", "330110", "370102", "DOOR", 2, 3)
    _add(model, full, [20.0] * 10)  # 10 parcels: too few
    _add(model, ("SF", "330110", "370102", "DOOR", 4, 6), [30.0] * 25)
    known = known_segment(
        carrier_id="SF",
        origin_district="330110",
        district_code="370102",
        delivery_point="DOOR",
        status="OUT_FOR_DELIVERY",
        sub_status="",
        picked_up_at=datetime(2026, 11, 25, 1, 30, tzinfo=UTC),  # Wed 09:30 CST
    )
    assert known == full
    estimate = model.predict(known, 0)
    assert estimate is not None
    # Weekday level (2) has the same 10 parcels; the lane with its point has 35.
    assert (estimate.level, estimate.sample) == ("lane_point", 35)
    assert estimate.features == ("carrier", "origin", "destination", "point")
    # The most likely time leans to the thin finer levels' 20 h: 30 h blended with the
    # weekday's 20 h (10 parcels against SHRINK 3), then the segment's the same way.
    lane = 30 * H + 300
    weekday = (10 * (20 * H + 300) + 3 * lane) / 13
    assert estimate.most_likely == pytest.approx((10 * (20 * H + 300) + 3 * weekday) / 13, abs=60)
    assert estimate.earliest <= estimate.most_likely <= estimate.latest
    # Without the blend, the level's own median.
    model.shrink = 0
    assert model.predict(known, 0).most_likely == pytest.approx(lane, abs=600)  # type: ignore[union-attr]

    # With 10 parcels needed, the segment itself answers.
    model.min_sample = 10
    assert model.predict(known, 0).level == "segment"  # type: ignore[union-attr]


def test_unknown_features_are_summed_over_and_the_level_named_by_what_it_keeps() -> None:
    model = _model(min_sample=5)
    _add(model, ("YTO", "370112", "370102", "DOOR", 0, 3), [10.0] * 5)
    _add(model, ("YTO", "370112", "370116", "SMART_LOCKER", 1, 4), [30.0] * 5)
    # At pickup only the carrier, origin, weekday and hour band are known: weekday 2 and
    # band 5 have no parcel, so the origin's ten answer (destination and point summed over).
    at_pickup = ("YTO", "370112", None, None, 2, 5)
    estimate = model.predict(at_pickup, 0)
    assert estimate is not None
    assert (estimate.level, estimate.features, estimate.sample) == (
        "origin",
        ("carrier", "origin"),
        10,
    )
    # After 12 h only the five slow ones are left to come.
    later = model.predict(at_pickup, 12 * H)
    assert later is not None
    assert later.sample == 5
    assert later.most_likely == pytest.approx(30 * H + 300)


def test_no_estimate_once_a_parcel_took_longer_than_any_of_its_carrier() -> None:
    model = _model(min_sample=1)
    _add(model, ("JT", "", "370102", "DOOR", 0, 3), [10.0, 20.0])
    assert model.predict(("JT", "", None, None, 0, 3), 19 * H) is not None
    assert model.predict(("JT", "", None, None, 0, 3), 21 * H) is None
    assert model.predict(("SF", "", None, None, 0, 3), 0) is None


def test_the_destination_is_known_from_the_last_mile_and_the_point_once_named() -> None:
    picked = datetime(2026, 11, 14, 16, 30, tzinfo=UTC)  # Sunday 00:30 CST
    assert pickup_keys(picked) == (6, 0)
    common = {"carrier_id": "SF", "origin_district": "370112", "picked_up_at": picked}
    in_transit = known_segment(
        **common, district_code="370112", delivery_point="", status="IN_TRANSIT", sub_status=""
    )
    assert in_transit == ("SF", "370112", None, None, 6, 0)
    arrived = known_segment(
        **common,
        district_code="370116",
        delivery_point="",
        status="IN_TRANSIT",
        sub_status="ARRIVED_IN_DELIVERY_CITY",
    )
    assert arrived == ("SF", "370112", "370116", None, 6, 0)
    in_locker = known_segment(
        **common,
        district_code="370116",
        delivery_point="SMART_LOCKER",
        status="AVAILABLE_FOR_PICKUP",
        sub_status="",
    )
    assert in_locker == ("SF", "370112", "370116", "SMART_LOCKER", 6, 0)


def _last_mile_model() -> EddModel:
    """Parcels of one segment took 20-60 h from pickup; from their first out-for-delivery
    scan to delivery, 1, 2 and 3 h."""
    model = _model(min_sample=3)
    _add(model, ("SF", "330110", "370102", "DOOR", 2, 3), [20.0, 30.0, 40.0, 50.0, 60.0])
    for hours in (1.0, 2.0, 3.0):
        model.add_last_mile(("SF", "370102", "DOOR"), fine_bucket(int(hours * H)), 1)
    return model


def test_out_for_delivery_the_window_is_read_from_the_last_mile() -> None:
    model = _last_mile_model()
    known = ("SF", "330110", "370102", "DOOR", 2, 3)
    # Out for delivery 30 h after pickup, asked half an hour later.
    estimate = model.predict(known, 30.5 * H, out_for_delivery=30 * H)
    assert estimate is not None
    assert (estimate.level, estimate.features) == (
        "last_mile",
        ("carrier", "destination", "point"),
    )
    assert estimate.sample == 3
    # The median of 1, 2 and 3 h lies in the middle of the 2 h bucket; the latest at
    # 92.5 % of the 3 h bucket: both from the out-for-delivery scan, not from pickup.
    assert estimate.most_likely == pytest.approx(32 * H + 300)
    assert estimate.latest == pytest.approx(33 * H + 0.925 * 600)
    assert estimate.quantile(0.5) == pytest.approx(estimate.most_likely)
    # Without the last mile, the tail of the whole segment: parcels that took over 30.5 h.
    whole = model.predict(known, 30.5 * H)
    assert whole is not None
    assert whole.level != "last_mile"
    assert whole.most_likely > 40 * H


def test_a_carrier_without_a_last_mile_keeps_its_segment_window() -> None:
    model = _last_mile_model()
    known = ("SF", "330110", "370102", "DOOR", 2, 3)
    _add(model, ("YTO", "330110", "370102", "DOOR", 2, 3), [20.0, 30.0, 40.0])
    yto = ("YTO", *known[1:])
    estimate = model.predict(yto, 30.5 * H, out_for_delivery=30 * H)
    assert estimate is not None
    assert estimate.level != "last_mile"
    assert estimate == model.predict(yto, 30.5 * H)
