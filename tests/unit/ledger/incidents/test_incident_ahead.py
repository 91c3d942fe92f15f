"""Finished days' city detections computed ahead (incidents/ahead.py): an ask for such a
day is a lookup and answers exactly what the detector answers on ask, for the city and
each carrier, before and after a late scan changes a finished day; a late scan makes
again the days whose detection reads its day, and no other."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

from fake_flows import FakeFlows
from synthetic_flows import stopped_flows

from quanhub.common.clock import FixedClock
from quanhub.ledger.incidents.ahead import IncidentsAhead
from quanhub.ledger.incidents.detect import (
    CST_WINDOWS,
    WINDOWS_PER_DAY,
    Incident,
    day_of,
    window_of,
    window_start,
)
from quanhub.ledger.incidents.store import KeptIncidents, find_incidents

#: 00:00 CST of the first simulated day.
START = datetime(2026, 10, 31, 16, tzinfo=UTC)
DAYS = 14
CARRIERS = ("SF", "ZTO", "YTO", "JD")
DISTRICTS = ("370112", "370102")
#: Stops (carrier, district, start, hours): one inside a day, one across a CST midnight
#: (open at the next day's first window: that day's detection looks back), one long.
STOPS = (
    ("SF", "370112", START + timedelta(days=8, hours=10), 2),
    ("ZTO", "370102", START + timedelta(days=10, hours=23), 3),
    ("YTO", "370112", START + timedelta(days=12, hours=9), 5),
)
#: The clock: the 15th day's noon (CST), its first 14 days finished.
NOW = START + timedelta(days=DAYS, hours=12)


def _flows(seed: int = 7) -> dict[tuple[str, str], dict[int, int]]:
    """Each carrier's Poisson scans in each district, 14.5 days of windows up to NOW."""
    return stopped_flows(
        random.Random(seed),
        START,
        NOW,
        CARRIERS,
        DISTRICTS,
        stops=STOPS,
        night_districts=("370102",),  # its sorting centre works nights
    )


def _day(day: int) -> tuple[datetime, datetime]:
    """The CST day `day` (days since the epoch) as [start, end)."""
    start = window_start(day * WINDOWS_PER_DAY - CST_WINDOWS)
    return start, start + timedelta(days=1)


async def _ask(
    db: FakeFlows, day: int, carrier: str | None, kept: KeptIncidents | None
) -> list[Incident]:
    start, end = _day(day)
    return await find_incidents(
        db,  # type: ignore[arg-type]  # a fake of the statements
        start=start,
        end=end,
        as_of=end,
        carrier=carrier,
        district=None,
        kept=kept,
    )


FINISHED = range(day_of(window_of(START)), day_of(window_of(NOW)))


async def _same_as_on_ask(db: FakeFlows, kept: KeptIncidents) -> dict[int, list[Incident]]:
    """Every finished day, for the city and each carrier: the kept answer is the one
    computed on ask, and it was a lookup (no window read). The city's incidents by day."""
    city: dict[int, list[Incident]] = {}
    for day in FINISHED:
        for carrier in (None, *CARRIERS):
            reads = db.window_reads
            kept_answer = await _ask(db, day, carrier, kept)
            assert db.window_reads == reads, (day, carrier)
            assert kept_answer == await _ask(db, day, carrier, None), (day, carrier)
            if carrier is None:
                city[day] = kept_answer
    return city


async def test_finished_days_are_lookups_with_the_on_ask_answers() -> None:
    db, kept = FakeFlows(_flows()), KeptIncidents()
    ahead = IncidentsAhead(db, FixedClock(NOW), kept)  # type: ignore[arg-type]
    assert await ahead.catch_up() == len(FINISHED)
    by_day = await _same_as_on_ask(db, kept)
    starts = {(i.carrier, i.district, i.start) for found in by_day.values() for i in found}
    for carrier, district, start, _ in STOPS:
        assert any(
            (c, d) == (carrier, district) and abs(s - start) <= timedelta(minutes=30)
            for c, d, s in starts
        ), (carrier, start)
    # The stop across midnight is read back to its start by the next day's detection.
    after = day_of(window_of(STOPS[1][2])) + 1
    assert any(i.carrier == "ZTO" and i.start < _day(after)[0] for i in by_day[after])
    # Nothing changed: the next pass computes nothing.
    assert await ahead.catch_up() == 0


async def test_a_late_scan_makes_again_the_days_that_read_its_day() -> None:
    db, kept = FakeFlows(_flows()), KeptIncidents()
    ahead = IncidentsAhead(db, FixedClock(NOW), kept)  # type: ignore[arg-type]
    await ahead.catch_up()
    stop_day = day_of(window_of(STOPS[0][2]))
    before = await _ask(db, stop_day, "SF", kept)
    assert before
    # SF's scans of its stop arrive late: the finished day changes.
    key = ("SF", "370112")
    for w in range(window_of(STOPS[0][2]), window_of(STOPS[0][2] + timedelta(hours=2))):
        db.counts[key][w] = db.counts[key].get(w - WINDOWS_PER_DAY, 5)
    fresh = await _ask(db, stop_day, "SF", None)
    assert fresh != before
    assert await _ask(db, stop_day, "SF", kept) == fresh  # never the stale detection
    # The days whose detection reads the stop's day (it and the 9 after it), no other;
    # the stop's day itself was just asked for: its detection is taken as it is.
    read_by = [d for d in FINISHED if d - 9 <= stop_day <= d]
    assert await ahead.catch_up() == len(read_by) - 1
    await _same_as_on_ask(db, kept)


async def test_the_current_day_is_computed_on_ask() -> None:
    db, kept = FakeFlows(_flows()), KeptIncidents()
    await IncidentsAhead(db, FixedClock(NOW), kept).catch_up()  # type: ignore[arg-type]
    reads = db.window_reads
    found = await _ask_now(db, kept)
    assert db.window_reads == reads + 1
    assert found == await _ask_now(db)


async def _ask_now(db: FakeFlows, kept: KeptIncidents | None = None) -> list[Incident]:
    """Today's incidents up to NOW, asked as the API does (through `kept` if given)."""
    today = day_of(window_of(NOW))
    return await find_incidents(
        db,  # type: ignore[arg-type]
        start=_day(today)[0],
        end=NOW,
        as_of=NOW,
        carrier=None,
        district=None,
        kept=kept,
    )
