"""The EDD model on a short history: parcels still open at the training cut are censored
observations (Kaplan-Meier), so the quantiles are not those of the fast parcels only."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta

import pytest

from quanhub.ledger.edd.accuracy_book import DayWindow, open_at_cuts
from quanhub.ledger.edd.model import EddModel, Histogram, censored_bucket
from quanhub.ledger.store.histogram import fine_bucket

H = 3600
KEY = ("YTO", "370112", "", "", 3, 3)


def _cohort(days: int) -> tuple[dict[int, int], dict[int, int], list[int]]:
    """Twenty parcels picked up every hour for `days` days before the cut, each taking
    1..96 hours (uniform, independent of the pickup): the delivered-only counts, the
    censored-aware counts and the true durations."""
    draw = random.Random(19)
    delivered: dict[int, int] = {}
    with_open: dict[int, int] = {}
    durations = []
    for age_hours in [a for a in range(1, days * 24 + 1) for _ in range(20)]:
        took = draw.randint(1, 96)
        durations.append(took)
        if took * H + 300 < age_hours * H:
            bucket = fine_bucket(took * H + 300)
            delivered[bucket] = delivered.get(bucket, 0) + 1
            with_open[bucket] = with_open.get(bucket, 0) + 1
        else:
            bucket = censored_bucket(fine_bucket(age_hours * H))
            with_open[bucket] = with_open.get(bucket, 0) + 1
    return delivered, with_open, durations


def _true(durations: list[int], fraction: float) -> float:
    ordered = sorted(durations)
    return ordered[int(fraction * len(ordered)) - 1] * H


@pytest.mark.parametrize("fraction", [0.5, 0.9])
def test_kaplan_meier_finds_the_true_quantile_where_delivered_only_runs_early(
    fraction: float,
) -> None:
    delivered, with_open, durations = _cohort(days=5)
    truth = _true(durations, fraction)
    naive = Histogram.of(delivered).quantile(fraction, 0.0)
    km = Histogram.of(with_open).quantile(fraction, 0.0)
    assert naive < truth - 6 * H  # the bias the censoring makes
    assert km == pytest.approx(truth, abs=2 * H)


def test_no_open_parcel_leaves_the_quantiles_as_they_were() -> None:
    counts = {fine_bucket(h * H): 10 for h in range(10, 20)}
    hist = Histogram.of(counts)
    assert hist.quantile(0.5, 0) == pytest.approx(14 * H + 600)
    assert hist.quantile(0.5, 15 * H) == pytest.approx(17 * H + 300)
    assert hist.surviving(0) == 1.0


def test_beyond_the_observed_horizon_the_quantile_is_extrapolated_not_cut_short() -> None:
    # Half delivered within 10 h, the rest still open at 20 h: the 97.5 % quantile is
    # not observed; it must lie beyond the horizon, not at it.
    hist = Histogram.of({fine_bucket(5 * H): 50, censored_bucket(fine_bucket(20 * H)): 50})
    assert not hist.reaches(0.975, 0.0)
    assert hist.quantile(0.975, 0.0) > 20 * H


def test_a_level_whose_survival_stops_short_falls_back_to_a_coarser_one() -> None:
    model = EddModel(first_day=date(2026, 11, 1), end_day=date(2026, 11, 8), min_sample=10)
    # The segment: 40 fast ones and 40 still open at 12 h (its tail is unknown).
    model.add(KEY, fine_bucket(4 * H), 40)
    model.add(KEY, censored_bucket(fine_bucket(12 * H)), 40)
    # Another hour band of the same weekday with the slow tail observed.
    other = (*KEY[:5], 4)
    model.add(other, fine_bucket(30 * H), 200)
    estimate = model.predict(KEY, 0.0)
    assert estimate is not None
    assert estimate.level == "weekday"
    assert estimate.latest >= 29 * H
    # Its survival does reach its median (half delivered by 4 h): the most likely time
    # is the segment's, blended with the weekday's 30 h by 80 parcels against SHRINK 3.
    assert estimate.most_likely < 6 * H
    model.shrink = 0
    assert model.predict(KEY, 0.0).most_likely > 29 * H  # type: ignore[union-attr]


def _open_row(picked: datetime, delivered: datetime | None) -> dict[str, object]:
    return {
        "carrier_id": "YTO",
        "origin_district": "370112",
        "weekday": 1,
        "hour_band": 3,
        "picked_up_at": picked,
        "delivered_at": delivered,
    }


def test_each_pickup_days_model_counts_the_parcels_open_at_its_cut() -> None:
    cst = timedelta(hours=8)
    picked = datetime(2026, 11, 3, 10, tzinfo=UTC) - cst  # 11-03 10:00 CST
    delivered = datetime(2026, 11, 5, 12, tzinfo=UTC) - cst  # 11-05 12:00 CST
    never = datetime(2026, 11, 5, 20, tzinfo=UTC) - cst
    cuts = {date(2026, 11, 4), date(2026, 11, 5), date(2026, 11, 6)}
    opened = open_at_cuts([_open_row(picked, delivered), _open_row(never, None)], cuts)  # type: ignore[arg-type]
    full = ("YTO", "370112", "", "", 1, 3)
    # Open at the 11-04 and 11-05 cuts (14 h and 38 h old), delivered before 11-06's.
    assert opened[date(2026, 11, 4)] == [(full, fine_bucket(14 * H))]
    assert opened[date(2026, 11, 5)] == [(full, fine_bucket(38 * H))]
    assert opened[date(2026, 11, 6)] == [(full, fine_bucket(4 * H))]


def test_the_sliding_sums_take_a_cuts_open_parcels_back() -> None:
    window = DayWindow([])
    full = ("YTO", "370112", "", "", 1, 3)
    window.open_at([(full, 84)], +1)
    assert window.levels[(0,)][("YTO",)] == {censored_bucket(84): 1}
    window.open_at([(full, 84)], -1)
    assert window.levels[(0,)][("YTO",)] == {censored_bucket(84): 0}


def test_a_slow_lane_beyond_the_days_seen_takes_its_tail_from_the_carrier() -> None:
    # On a young ledger a slow lane has delivered nothing yet: its 60 parcels are all
    # still open at 40 h. The carrier's fast lane delivers at 10 h, another lane at 50 h.
    model = EddModel(first_day=date(2026, 11, 1), end_day=date(2026, 11, 4))
    slow, fast, mid = ("YTO", "440111"), ("YTO", "370112"), ("YTO", "310115")
    model.add((*slow, "", "", 2, 3), censored_bucket(fine_bucket(40 * H)), 60)
    model.add((*fast, "", "", 2, 3), fine_bucket(10 * H), 200)
    model.add((*mid, "", "", 2, 3), fine_bucket(50 * H), 50)
    known = (*slow, None, None, 2, 3)
    estimate = model.predict(known, 0.0)
    assert estimate is not None
    # Not the carrier's median (10 h): the lane's parcels have all taken longer than
    # 40 h, and the carrier's parcels that took longer than that were delivered at 50 h.
    # The lane's parcels left beyond its horizon go on as the carrier's beyond it: half
    # of them delivered by its 50-hour bucket's middle.
    assert estimate.most_likely == pytest.approx(50 * H + 300, abs=600)
    assert estimate.latest >= estimate.most_likely
    assert estimate.quantile(0.975) == estimate.latest


def test_a_carrier_followed_for_less_than_a_day_gets_no_window() -> None:
    # The ledger's first day: 10 parcels delivered within 5 h, 90 still open at 12 h.
    # Whether its lanes take 20 h or 60 h is not known yet: no window rather than a guess.
    model = EddModel(first_day=date(2026, 11, 1), end_day=date(2026, 11, 2))
    model.add(KEY, fine_bucket(5 * H), 10)
    model.add(KEY, censored_bucket(fine_bucket(12 * H)), 90)
    assert model.predict(KEY, 0.0) is None
    # A same-city carrier that delivered everything within hours is known well enough.
    city = ("SDCITY", *KEY[1:])
    model.add(city, fine_bucket(5 * H), 60)
    estimate = model.predict(city, 0.0)
    assert estimate is not None
    assert estimate.latest < 6 * H


def test_a_carrier_whose_median_is_not_observed_yet_gets_no_window_nor_baseline() -> None:
    # Followed for a day and a half: 20 parcels delivered at 30 h, 80 still open at 36 h.
    # Its median lies beyond what was seen; extrapolating the early hazard put it near
    # 100 h on a ledger's first days (real ones took about 50 h), for the model and the
    # per-carrier median baseline alike.
    model = EddModel(first_day=date(2026, 11, 1), end_day=date(2026, 11, 3))
    model.add(KEY, fine_bucket(30 * H), 20)
    model.add(KEY, censored_bucket(fine_bucket(36 * H)), 80)
    assert model.predict(KEY, 0.0) is None
    assert model.carrier_median("YTO", 0.0) is None
    # Once half its parcels are seen delivered, both are back.
    model = EddModel(first_day=date(2026, 11, 1), end_day=date(2026, 11, 4))
    model.add(KEY, fine_bucket(30 * H), 20)
    model.add(KEY, censored_bucket(fine_bucket(36 * H)), 80)
    model.add(KEY, fine_bucket(40 * H), 80)
    assert model.predict(KEY, 0.0) is not None
    assert model.carrier_median("YTO", 0.0) == pytest.approx(40 * H + 300, abs=600)


def test_a_parcel_slower_than_most_still_gets_a_window_once_the_median_is_seen() -> None:
    # A carrier seen to its median (60 of 100 delivered by 30 h, 40 still open at 48 h):
    # a parcel 40 h on its way is slower than every delivered one, yet it gets a window
    # extended beyond what was seen, as does the baseline.
    model = EddModel(first_day=date(2026, 11, 1), end_day=date(2026, 11, 4))
    model.add(KEY, fine_bucket(30 * H), 60)
    model.add(KEY, censored_bucket(fine_bucket(48 * H)), 40)
    estimate = model.predict(KEY, 40 * H)
    assert estimate is not None
    assert estimate.latest > 48 * H
    assert model.carrier_median("YTO", 40 * H) is not None
