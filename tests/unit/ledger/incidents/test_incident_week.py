"""A drop the district shares with carriers too thin to be watched, or that the flow's own
week repeats (a Sunday's later rounds), is no incident; a stop still is."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

from synthetic_flows import day_shape, poisson
from test_incident_store import FakeFlows

from quanhub.ledger.incidents.detect import WINDOWS_PER_DAY, run, window_of, window_start
from quanhub.ledger.incidents.store import find_incidents

START = datetime(2026, 11, 1, tzinfo=UTC)
DAYS = 9
THIN = ("SF", "JD", "STO", "YTO", "EMS", "JT")

Span = tuple[datetime, datetime, float]


def _flow(
    rng: random.Random, peak: float, factors: list[Span], stop: Span | None = None
) -> dict[int, int]:
    """A flow of the unit tests' day shape, its mean times each factor over its span."""
    first = window_of(START)
    counts: dict[int, int] = {}
    for w in range(first, first + DAYS * WINDOWS_PER_DAY):
        at = window_start(w)
        mean = peak * day_shape(w)
        for begin, end, factor in (*factors, *([stop] if stop else [])):
            if begin <= at < end:
                mean *= factor
        n = poisson(rng, mean) if mean > 0 else 0
        if n:
            counts[w] = n
    return counts


def _span() -> tuple[int, int]:
    first = window_of(START)
    return first, first + DAYS * WINDOWS_PER_DAY - 1


def _station(seed: int, stop: Span | None = None) -> dict[tuple[str, str], dict[int, int]]:
    """One watched flow (ZTO, about 470 scans a day) in a district whose six other
    carriers carry about 175 a day each (none watched); without a stop, every one at a
    tenth of its flow for 3 hours on day 8 (the district's stations wait for a later
    truck)."""
    rng = random.Random(seed)
    begin = START + timedelta(days=8, hours=3)
    drop = [] if stop else [(begin, begin + timedelta(hours=3), 0.1)]
    flows = {("ZTO", "370114"): _flow(rng, 8.0, drop, stop)}
    for carrier in THIN:
        flows[(carrier, "370114")] = _flow(rng, 3.0, drop)
    return flows


def test_a_drop_the_district_shares_with_thin_carriers_is_no_incident() -> None:
    for seed in range(3):
        assert run(_station(seed), *_span()) == []


def test_a_stop_next_to_thin_carriers_is_still_raised() -> None:
    begin = START + timedelta(days=8, hours=3)
    stop = (begin, begin + timedelta(hours=3), 0.0)
    found = run(_station(0, stop), *_span())
    assert [(i.carrier, i.start) for i in found] == [("ZTO", begin)]
    assert found[0].detected_at - begin <= timedelta(minutes=30)


def _weekly(seed: int, stop: Span | None = None) -> dict[tuple[str, str], dict[int, int]]:
    """Four carriers at the sorting centre; YTO's flow runs at a tenth for 2 hours on
    days 1 and 8 (the same weekday: its Sunday round comes later), the others' does not."""
    rng = random.Random(seed)
    hour = timedelta(hours=1)
    week = [
        (START + timedelta(days=day) + 3 * hour, START + timedelta(days=day) + 5 * hour, 0.1)
        for day in (1, 8)
    ]
    flows = {("YTO", "370112"): _flow(rng, 8.0, week, stop)}
    for carrier in ("ZTO", "SF", "JD"):
        flows[(carrier, "370112")] = _flow(rng, 8.0, [])
    return flows


def test_a_drop_the_flow_had_on_the_same_weekday_is_no_incident() -> None:
    """Without the week, every seed raises the drop; with it, one run that reaches past
    the drop's end (last week's flow was back in its last window, 17 scans) still does."""
    first, last = _span()
    raised = [seed for seed in range(12) if run(_weekly(seed), first + 8 * WINDOWS_PER_DAY, last)]
    assert raised == [1]


def test_a_stop_on_the_weekday_of_a_drop_is_still_raised() -> None:
    """A 2-hour stop before the hours of last week's drop, within 30 minutes (in those
    hours the flow is held to what it carried a week before, a tenth)."""
    begin = START + timedelta(days=8)
    first, last = _span()
    stop = (begin, begin + timedelta(hours=2), 0.0)
    found = run(_weekly(0, stop), first + 8 * WINDOWS_PER_DAY, last)
    assert [(i.carrier, i.start) for i in found] == [("YTO", begin)]
    assert found[0].detected_at - begin <= timedelta(minutes=30)


async def test_the_api_reads_the_thin_carriers_of_a_watched_district() -> None:
    """find_incidents reads the flows it compares with, thin ones included: the same
    answer as the detector given every flow (the district's drop), and the stop."""
    begin = START + timedelta(days=8, hours=3)
    for flows, expected in (
        (_station(0), []),
        (_station(0, (begin, begin + timedelta(hours=3), 0.0)), [("ZTO", begin)]),
    ):
        found = await find_incidents(
            FakeFlows(flows),  # type: ignore[arg-type]  # a fake of the two statements
            start=START + timedelta(days=8),
            end=START + timedelta(days=9),
            as_of=START + timedelta(days=9),
            carrier=None,
            district=None,
        )
        assert [(i.carrier, i.start) for i in found] == expected
