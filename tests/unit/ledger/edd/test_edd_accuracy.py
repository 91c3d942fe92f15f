"""EDD accuracy at pickup: a parcel's score, the sums and the minimum-sample rule."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from quanhub.ledger.edd.accuracy import AtPickup, Tally, at_pickup, score
from quanhub.ledger.edd.accuracy_book import DayWindow
from quanhub.ledger.edd.model import EddModel
from quanhub.ledger.edd.rollup import pickup_keys
from quanhub.ledger.kpis.percentiles import MIN_SAMPLE
from quanhub.ledger.store.histogram import fine_bucket

H = 3600
PICKUP = datetime(2026, 11, 27, 1, 30, tzinfo=UTC)


def test_a_parcel_scores_against_latest_most_likely_and_the_baseline() -> None:
    prediction = AtPickup(most_likely=30 * H, latest=50 * H, baseline=40 * H)
    assert score(prediction, 36 * H) == Tally(1, 1, 1, 6 * H, 4 * H)
    assert score(prediction, 51 * H) == Tally(1, 1, 0, 21 * H, 11 * H)
    assert score(None, 36 * H) == Tally(delivered=1)


def test_figures_give_no_verdict_below_the_minimum_sample() -> None:
    total = Tally()
    for took in (36, 51):
        total.add(score(AtPickup(30 * H, 50 * H, 40 * H), took * H))
    total.add(score(None, 10 * H))
    figures = total.figures()
    assert (figures["delivered"], figures["predicted"], figures["unpredicted"]) == (3, 2, 1)
    assert figures["delivered_by_latest"] == 0.5
    assert figures["mae_hours"] == 13.5
    assert figures["baseline_mae_hours"] == 7.5
    assert figures["mae_ratio"] == 1.8
    assert (figures["sufficient"], figures["meets_latest_target"]) == (False, None)
    assert figures["meets_mae_target"] is None

    many = Tally()
    for _ in range(MIN_SAMPLE):
        many.add(score(AtPickup(30 * H, 50 * H, 40 * H), 32 * H))
    enough = many.figures()
    assert (enough["sufficient"], enough["meets_latest_target"]) == (True, True)
    assert enough["mae_ratio"] == pytest.approx(0.25)
    assert enough["meets_mae_target"] is True


def test_nothing_delivered_is_no_data_not_zero() -> None:
    figures = Tally().figures()
    assert figures["delivered_by_latest"] is None
    assert figures["mae_ratio"] is None
    assert figures["sufficient"] is None


def test_at_pickup_knows_carrier_origin_and_pickup_time_only() -> None:
    model = EddModel(first_day=date(2026, 10, 30), end_day=date(2026, 11, 27))
    weekday, band = pickup_keys(PICKUP)
    for hours in range(20, 60):  # 40 parcels to two destinations: summed over at pickup
        destination = "370102" if hours % 2 else "370112"
        key = ("SF", "330110", destination, "DOOR", weekday, band)
        model.add(key, fine_bucket(hours * H), 1)
    predicted = at_pickup(model, carrier_id="SF", origin_district="330110", picked_up_at=PICKUP)
    assert predicted is not None
    assert predicted.most_likely == 39 * H + 600
    assert predicted.latest == 58 * H + 600
    assert predicted.baseline == predicted.most_likely
    later = PICKUP + timedelta(days=1)  # another weekday: the origin level still knows SF
    assert at_pickup(model, carrier_id="SF", origin_district="330110", picked_up_at=later)
    assert at_pickup(model, carrier_id="ZTO", origin_district="330110", picked_up_at=PICKUP) is None


def _rows() -> list[dict[str, object]]:
    """kpi_edd_hist's at-pickup rows: two origins of SF and one of ZTO over 40 days."""
    rows: list[dict[str, object]] = []
    start = date(2026, 10, 1)
    for d in range(40):
        for carrier, origin, hours in (
            ("SF", "330110", 20),
            ("SF", "440300", 40),
            ("ZTO", "330110", 30),
        ):
            for k in range(d % 5 + 1):
                rows.append(
                    {
                        "day": start + timedelta(days=d),
                        "carrier_id": carrier,
                        "origin_district": origin,
                        "weekday": 4,
                        "hour_band": 3,
                        "bucket": fine_bucket((hours + k + d % 7) * H),
                        "n": 1 + k,
                    }
                )
    return rows


def _trained(rows: list[dict[str, object]], end: date) -> EddModel:
    model = EddModel(first_day=end - timedelta(days=28), end_day=end)
    for r in rows:
        if end - timedelta(days=28) <= r["day"] < end:  # type: ignore[operator]
            key = (r["carrier_id"], r["origin_district"], "", "", r["weekday"], r["hour_band"])
            model.add(key, r["bucket"], r["n"])  # type: ignore[arg-type]
    return model


def test_the_sliding_window_predicts_as_a_model_trained_on_its_days() -> None:
    rows = _rows()
    window = DayWindow(rows)  # type: ignore[arg-type]
    friday = datetime(2026, 10, 30, 1, 30, tzinfo=UTC)  # weekday 4, band 3 in CST
    for end in (date(2026, 10, 20), date(2026, 10, 21), date(2026, 10, 30), date(2026, 11, 9)):
        window.slide(end - timedelta(days=28), end)
        slid = EddModel(first_day=end - timedelta(days=28), end_day=end)
        for kept, level in window.levels.items():
            slid.use_level(kept, level)
        trained = _trained(rows, end)
        for carrier, origin in (("SF", "330110"), ("SF", "440300"), ("ZTO", "330110"), ("SF", "X")):
            asked = {"carrier_id": carrier, "origin_district": origin, "picked_up_at": friday}
            assert at_pickup(slid, **asked) == at_pickup(trained, **asked), (end, carrier, origin)
