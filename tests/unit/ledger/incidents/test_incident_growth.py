"""Incident detection while the flows grow (a network ramping up from empty, like a
simulated run's first days, or a hub taking on partners): the previous days under-predict
today, so a stop is measured against the share each carrier carries today."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import pytest
from synthetic_flows import day_shape, poisson

from quanhub.ledger.incidents.detect import (
    WINDOWS_PER_DAY,
    Thresholds,
    run,
    watched_day,
    window_of,
    window_start,
)
from quanhub.ledger.incidents.tails import binomial_cdf, share_tail

START = datetime(2026, 11, 1, tzinfo=UTC)
DAYS = 7
DISTRICT = "370112"
#: Peak scans a window per carrier once the network is full (YTO: about 900 a day).
PEAKS = {"YTO": 12.0, "ZTO": 11.0, "STO": 9.0, "YUNDA": 9.0, "JT": 8.0}


def _ramp(w: int) -> float:
    """The network's fill: about 7 %, 36 %, 67 % and 90 % of full on its first four days
    (the simulator's Jinan sorting centre: 27, 233, 544 and 801 of 880 scans a day)."""
    days = (w - window_of(START)) / WINDOWS_PER_DAY
    return min(1.0, max(0.02, (days - 0.3) / 3.2))


def _rate(w: int, peak: float) -> float:
    """Quiet nights, busy days (by UTC hour of the window), times the network's fill."""
    return peak * day_shape(w) * _ramp(w)


def _flows(
    seed: int,
    stops: dict[str, tuple[datetime, datetime]] | None = None,
    bursts: dict[str, tuple[datetime, datetime, float]] | None = None,
) -> dict[tuple[str, str], dict[int, int]]:
    rng = random.Random(seed)
    first = window_of(START)
    flows: dict[tuple[str, str], dict[int, int]] = {}
    for carrier, peak in PEAKS.items():
        counts: dict[int, int] = {}
        for w in range(first, first + DAYS * WINDOWS_PER_DAY):
            at = window_start(w)
            mean = _rate(w, peak)
            stop = (stops or {}).get(carrier)
            if stop and stop[0] <= at < stop[1]:
                mean = 0.0
            burst = (bursts or {}).get(carrier)
            if burst and burst[0] <= at < burst[1]:
                mean *= burst[2]
            n = poisson(rng, mean) if mean > 0 else 0
            if n:
                counts[w] = n
        flows[(carrier, DISTRICT)] = counts
    return flows


def _span() -> tuple[int, int]:
    first = window_of(START)
    return first, first + DAYS * WINDOWS_PER_DAY - 1


@pytest.mark.parametrize(("day", "seed"), [(3, 1), (3, 2), (4, 3), (4, 4), (4, 6)])
def test_a_stop_while_the_network_ramps_up_is_raised_within_thirty_minutes(
    day: int, seed: int
) -> None:
    """On the run's 4th and 5th day the previous days hold a fraction of today's scans:
    against them the stop's windows expect too little to stand out. Against the share
    the carrier carried in the hours before, they do."""
    begin = START + timedelta(days=day, hours=3)
    end = begin + timedelta(hours=4)
    found = run(_flows(seed, stops={"YTO": (begin, end)}), *_span())
    assert [(i.carrier, i.start) for i in found] == [("YTO", begin)]
    incident = found[0]
    assert incident.detected_at - begin <= timedelta(minutes=30)
    # A window of the recovered flow may still hold under half its share: noise.
    assert incident.end is not None
    assert abs(incident.end - end) <= timedelta(minutes=20)
    # Its size is today's: 4 hours of a flow of about 8 scans a window.
    assert incident.missing_scans > 150


@pytest.mark.parametrize("seed", range(10, 16))
def test_a_ramping_network_alone_raises_nothing(seed: int) -> None:
    assert run(_flows(seed), *_span()) == []


@pytest.mark.parametrize("seed", [20, 21, 24, 26])
def test_one_carriers_burst_does_not_make_the_others_look_low(seed: int) -> None:
    """The drain after one carrier's own stop (three times its flow for two hours) lifts
    the district's total: left out of the comparison, it lowers nobody's share."""
    begin = START + timedelta(days=5, hours=2)
    burst = {"ZTO": (begin, begin + timedelta(hours=2), 3.0)}
    assert run(_flows(seed, bursts=burst), *_span()) == []


def test_share_lower_tail() -> None:
    """2 scans next to 100 of the others, for a flow that carried 1 in 6 of the district's
    scans before: Binomial(102, 1/6)."""
    assert share_tail(2, 100, 100, 500) == pytest.approx(binomial_cdf(2, 102, 1 / 6))
    assert share_tail(2, 100, 100, 500) < 1e-5
    assert share_tail(17, 100, 100, 500) > 0.1  # its usual share: no evidence


def test_a_flow_as_thick_as_yesterday_is_watched() -> None:
    """Growing: 40, 250, 600 scans a day. The median of the three is under 300, the latest
    day is not: the flow is watched on the fourth."""
    t = Thresholds()
    assert watched_day({1: 40, 2: 250, 3: 600}, 1, 4, t)
    assert not watched_day({1: 40, 2: 250, 3: 280}, 1, 4, t)


@pytest.mark.parametrize("seed", [30, 31, 32])
def test_a_carriers_daily_round_is_no_incident(seed: int) -> None:
    """A pickup district: one carrier collects in a round from 02:00 to 08:00 UTC and
    hardly at all for the 3 hours after, every day, while the others keep going. Against
    the 6 hours before, its share falls at 08:00 as far as a stop's would; on the previous
    days it fell just as far at that hour, so it is the carrier's day, not an incident."""
    rng = random.Random(seed)
    first = window_of(START)
    flows: dict[tuple[str, str], dict[int, int]] = {}
    for carrier, peak in PEAKS.items():
        counts: dict[int, int] = {}
        for w in range(first, first + DAYS * WINDOWS_PER_DAY):
            hour = (w % WINDOWS_PER_DAY) / 6
            mean = peak * 0.8
            if carrier == "YTO":
                mean = 14.0 if 2 <= hour < 8 else 0.3 if 8 <= hour < 11 else 4.0
            n = poisson(rng, mean)
            if n:
                counts[w] = n
        flows[(carrier, "330110")] = counts
    assert run(flows, *_span()) == []
