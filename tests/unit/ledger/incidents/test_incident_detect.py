"""Incident detection on synthetic Poisson flows: breaks found fast, noise and district-wide
drops left alone, thin flows skipped, answers causal in as_of."""

from __future__ import annotations

import math
import random
from datetime import UTC, datetime, timedelta

import pytest
from synthetic_flows import day_shape, poisson

from quanhub.ledger.incidents.detect import (
    WINDOWS_PER_DAY,
    Thresholds,
    run,
    window_of,
    window_start,
)
from quanhub.ledger.incidents.tails import binomial_cdf, poisson_cdf, two_count_tail

START = datetime(2026, 11, 1, tzinfo=UTC)
DAYS = 9
CARRIERS = ("YTO", "ZTO", "SF", "JD")
DISTRICT = "370112"


def _rate(w: int, peak: float) -> float:
    """A day's shape: quiet nights, busy days (by UTC hour of the window)."""
    return peak * day_shape(w)


def _flows(
    seed: int,
    peak: float = 8.0,
    stops: dict[str, tuple[datetime, datetime]] | None = None,
    district_factor: tuple[datetime, datetime, float] | None = None,
    slow: dict[str, tuple[datetime, datetime, float]] | None = None,
) -> dict[tuple[str, str], dict[int, int]]:
    rng = random.Random(seed)
    first = window_of(START)
    flows: dict[tuple[str, str], dict[int, int]] = {}
    for carrier in CARRIERS:
        counts: dict[int, int] = {}
        for w in range(first, first + DAYS * WINDOWS_PER_DAY):
            at = window_start(w)
            mean = _rate(w, peak)
            if district_factor and district_factor[0] <= at < district_factor[1]:
                mean *= district_factor[2]
            stop = (stops or {}).get(carrier)
            if stop and stop[0] <= at < stop[1]:
                mean = 0.0
            slowed = (slow or {}).get(carrier)
            if slowed and slowed[0] <= at < slowed[1]:
                mean /= slowed[2]
            n = poisson(rng, mean) if mean > 0 else 0
            if n:
                counts[w] = n
        flows[(carrier, DISTRICT)] = counts
    return flows


def _span() -> tuple[int, int]:
    first = window_of(START)
    return first, first + DAYS * WINDOWS_PER_DAY - 1


@pytest.mark.parametrize("seed", range(6))
def test_noise_alone_raises_nothing(seed: int) -> None:
    assert run(_flows(seed), *_span()) == []


def test_a_stop_is_raised_within_thirty_minutes_and_closed_when_flow_returns() -> None:
    begin = START + timedelta(days=8, hours=3)
    end = begin + timedelta(hours=4)
    found = run(_flows(1, stops={"YTO": (begin, end)}), *_span())
    assert [(i.carrier, i.district) for i in found] == [("YTO", DISTRICT)]
    incident = found[0]
    assert incident.start == begin
    assert incident.detected_at - begin <= timedelta(minutes=30)
    assert incident.end == end
    assert incident.observed_scans == 0
    assert incident.missing_scans == pytest.approx(incident.expected_scans)
    assert incident.missing_scans > 100
    assert incident.delay_hours > incident.missing_scans  # a 4 h backlog: ~2 h each


def test_a_drop_of_every_carrier_in_the_district_is_no_incident() -> None:
    begin = START + timedelta(days=8, hours=3)
    drop = (begin, begin + timedelta(hours=3), 0.1)
    assert run(_flows(2, district_factor=drop), *_span()) == []


def test_a_thin_flow_is_skipped() -> None:
    begin = START + timedelta(days=8, hours=3)
    thin = _flows(3, peak=1.0, stops={"YTO": (begin, begin + timedelta(hours=6))})
    assert run(thin, *_span()) == []


def test_answers_depend_only_on_windows_ended_by_as_of() -> None:
    begin = START + timedelta(days=8, hours=3)
    flows = _flows(4, stops={"YTO": (begin, begin + timedelta(hours=4))})
    first, last = _span()
    full = run(flows, first, last)
    detected = window_of(full[0].detected_at)  # the window after the one that raised it
    assert run(flows, first, detected - 2) == []
    live = run(flows, first, detected - 1)
    assert [(i.start, i.end) for i in live] == [(begin, None)]


def test_no_history_no_baseline() -> None:
    flows = _flows(5, stops={"YTO": (START + timedelta(hours=30), START + timedelta(hours=40))})
    assert run(flows, *_span(), Thresholds(min_baseline_days=3)) == []


def test_poisson_lower_tail() -> None:
    assert poisson_cdf(0, 10.0) == pytest.approx(math.exp(-10))
    assert poisson_cdf(2, 3.0) == pytest.approx(math.exp(-3) * (1 + 3 + 4.5))
    assert poisson_cdf(-1, 3.0) == 0.0
    assert poisson_cdf(3, 0.0) == 1.0


def test_the_quiet_window_before_a_burst_is_no_break() -> None:
    """A departure's burst of 60 scans every two hours, nothing in between: the window
    before each burst expects a third of it (the 3-window mean) and sees nothing, but the
    one before that expects nothing, so no two windows break together."""
    first = window_of(START)
    counts = {
        first + day * WINDOWS_PER_DAY + hour * 6: 60
        for day in range(DAYS)
        for hour in range(1, 12, 2)
    }
    assert run({("ZTO", "330110"): counts}, *_span()) == []


def test_binomial_lower_tail() -> None:
    assert binomial_cdf(0, 10, 0.5) == pytest.approx(0.5**10)
    assert binomial_cdf(1, 3, 0.25) == pytest.approx(0.75**3 + 3 * 0.25 * 0.75**2)
    assert binomial_cdf(3, 3, 0.4) == 1.0
    assert binomial_cdf(-1, 3, 0.4) == 0.0


def test_a_baseline_of_few_days_widens_the_bound() -> None:
    """24 expected, 2 seen: implausible around a known mean, less so around the mean of one
    day's 72 counts (E^2/var = 72 scans over three times the span), less still around 24."""
    known = poisson_cdf(2, 24.0)
    three_spans = two_count_tail(2, 24.0, 8.0, 1.0)
    one_span = two_count_tail(2, 24.0, 24.0, 1.0)
    assert known < three_spans < one_span
    assert three_spans == pytest.approx(binomial_cdf(2, 74, 1 / 4))
    assert two_count_tail(2, 24.0, 8.0, 0.5) > three_spans  # the peers fell too


@pytest.mark.parametrize("day", [1, 2])
def test_a_stop_after_one_or_two_days_of_history_is_raised(day: int) -> None:
    begin = START + timedelta(days=day, hours=3)
    end = begin + timedelta(hours=4)
    flows = _flows(7, peak=8.0, stops={"YTO": (begin, end)})
    first = window_of(START)
    found = run(flows, first, first + (day + 1) * WINDOWS_PER_DAY - 1)
    assert [(i.carrier, i.start, i.end) for i in found] == [("YTO", begin, end)]
    assert found[0].detected_at - begin <= timedelta(minutes=30)


@pytest.mark.parametrize("seed", range(8))
def test_noise_after_one_or_two_days_raises_nothing(seed: int) -> None:
    first = window_of(START)
    for peak in (4.0, 8.0, 20.0):
        assert run(_flows(100 + seed, peak=peak), first, first + 3 * WINDOWS_PER_DAY - 1) == []


def test_the_quiet_window_after_a_burst_is_no_break() -> None:
    """A departure's burst, then a trickle: the window after the burst expects 24 scans by
    its 3-window mean but holds 3 on its own. A day whose trickle is thinner (0, then 3) is
    no break: that window was never evidence."""
    first = window_of(START)
    counts: dict[int, int] = {}
    for day in range(DAYS):
        for hour in range(1, 12, 2):
            b = first + day * WINDOWS_PER_DAY + hour * 6
            after = (0, 3) if day == DAYS - 1 else (3, 9)
            counts |= {b: 60, b + 1: after[0], b + 2: after[1], b + 3: 9}
    assert run({("ZTO", "440111"): counts}, *_span()) == []


@pytest.mark.parametrize("seed", range(4))
def test_a_three_fold_slow_down_is_raised_within_two_hours(seed: int) -> None:
    """A third of the flow goes on: single windows are not all low, the 30-minute test
    cannot tell it from noise, the sustained shortfall over up to two hours can."""
    begin = START + timedelta(days=8, hours=2)
    end = begin + timedelta(hours=4)
    found = run(_flows(20 + seed, peak=8.0, slow={"YTO": (begin, end, 3.0)}), *_span())
    assert {i.carrier for i in found} == {"YTO"}
    assert begin <= found[0].detected_at <= begin + timedelta(hours=2)
    assert all(begin - timedelta(hours=1) <= i.start < end for i in found)
    assert run(_flows(20 + seed, peak=8.0), *_span()) == []


def test_a_window_counts_what_it_holds_on_its_own_next_to_a_burst() -> None:
    """The window after a burst holds 6 scans on its own but 27 by its 3-window mean: a day
    whose line haul left a little earlier (2, then 5) is no break at 27 + 11 expected."""
    first = window_of(START)
    counts: dict[int, int] = {}
    for day in range(DAYS):
        for hour in range(1, 12, 2):
            b = first + day * WINDOWS_PER_DAY + hour * 6
            after = (2, 5) if day == DAYS - 1 else (6, 14)
            counts |= {b: 60, b + 1: after[0], b + 2: after[1], b + 3: 14}
    assert run({("ZTO", "330782"): counts}, *_span()) == []
