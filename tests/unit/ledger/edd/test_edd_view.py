"""A parcel's predicted_delivery: when there is one, and who sees the sample size."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

from quanhub.common.access import Principal, Role
from quanhub.ledger.edd.model import EddModel
from quanhub.ledger.edd.view import PredictedDelivery, predicted_delivery
from quanhub.ledger.store.histogram import fine_bucket

PICKED = datetime(2026, 11, 25, 1, 30, tzinfo=UTC)  # Wednesday 09:30 CST
CITY = Principal("ADMIN", Role.ADMIN, "admin")
CARRIER = Principal("SF", Role.CARRIER, "SF")
PLATFORM = Principal("TMALL", Role.PLATFORM, "Tmall")


def _parcel(**changes: Any) -> dict[str, Any]:
    parcel = {
        "carrier_id": "SF",
        "origin_district": "330110",
        "district_code": "330110",
        "delivery_point": "",
        "status": "PICKED_UP",
        "sub_status": "",
        "picked_up_at": PICKED,
        "out_for_delivery_at": None,
    }
    return parcel | changes


def _model() -> EddModel:
    model = EddModel(first_day=date(2026, 10, 29), end_day=date(2026, 11, 26), min_sample=3)
    for hours in (20, 30, 40, 50):
        model.add(("SF", "330110", "370102", "DOOR", 2, 3), fine_bucket(hours * 3600), 1)
    return model


def test_a_picked_up_parcel_gets_a_window_the_city_and_its_carrier_see_the_sample_of() -> None:
    as_of = PICKED + timedelta(hours=1)
    answer = predicted_delivery(_model(), _parcel(), CITY, as_of)
    assert answer is not None
    view = PredictedDelivery.model_validate(answer)
    assert view.earliest <= view.most_likely <= view.latest
    assert view.earliest >= as_of
    assert (view.segment_level, view.sample, view.confidence) == ("segment", 4, 0.95)
    # The model learnt from deliveries before 2026-11-26 00:00 CST.
    assert view.model_as_of == datetime(2026, 11, 25, 16, tzinfo=UTC)
    assert predicted_delivery(_model(), _parcel(), CARRIER, as_of)["sample"] == 4  # type: ignore[index]
    platform = predicted_delivery(_model(), _parcel(), PLATFORM, as_of)
    assert platform is not None
    assert platform["sample"] is None
    assert platform["most_likely"] == view.most_likely


def test_no_window_before_pickup_once_delivered_or_returning_or_overdue() -> None:
    model = _model()
    assert predicted_delivery(model, _parcel(picked_up_at=None), CITY, PICKED) is None
    assert predicted_delivery(model, _parcel(status="DELIVERED"), CITY, PICKED) is None
    assert predicted_delivery(model, _parcel(status="RETURNING"), CITY, PICKED) is None
    assert predicted_delivery(model, _parcel(), CITY, PICKED - timedelta(hours=1)) is None
    assert predicted_delivery(model, _parcel(), CITY, PICKED + timedelta(hours=60)) is None


def test_out_for_delivery_the_window_runs_from_that_scan() -> None:
    model = _model()
    for minutes in (60, 90, 120):  # out for delivery -> delivered
        model.add_last_mile(("SF", "370102", "DOOR"), fine_bucket(minutes * 60), 1)
    out = PICKED + timedelta(hours=30)
    parcel = _parcel(
        status="OUT_FOR_DELIVERY",
        district_code="370102",
        delivery_point="DOOR",
        out_for_delivery_at=out,
    )
    answer = predicted_delivery(model, parcel, CITY, out + timedelta(minutes=30))
    assert answer is not None
    assert answer["segment_level"] == "last_mile"
    assert out + timedelta(minutes=60) <= answer["most_likely"] <= out + timedelta(minutes=130)
    assert answer["latest"] <= out + timedelta(minutes=130)
    # Asked before that scan (a past as_of), the parcel was not out for delivery yet.
    earlier = predicted_delivery(model, parcel, CITY, out - timedelta(hours=1))
    assert earlier is not None
    assert earlier["segment_level"] != "last_mile"
