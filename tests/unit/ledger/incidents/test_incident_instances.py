"""Incidents with the ledger's shards on two PostgreSQL instances: each holds the flow rows
of its own shards, and a detection (asked, or computed ahead for a finished day) reads
both and answers as one instance holding every row; a late scan landing on either makes
the days that read it computed again. Two fakes of the rollups stand for the instances
(pure logic around incidents/store.py and incidents/ahead.py)."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from typing import Any

from fake_flows import FakeFlows
from synthetic_flows import stopped_flows

from quanhub.common.clock import FixedClock
from quanhub.ledger.incidents import ahead, store
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

Counts = dict[tuple[str, str], dict[int, int]]

#: 00:00 CST of the first simulated day.
START = datetime(2026, 10, 31, 16, tzinfo=UTC)
DAYS = 12
CARRIERS = ("SF", "ZTO", "YTO", "JD")
DISTRICTS = ("370112", "370102")
#: Stops (carrier, district, start, hours).
STOPS = (
    ("SF", "370112", START + timedelta(days=8, hours=10), 2),
    ("ZTO", "370102", START + timedelta(days=10, hours=9), 3),
)
NOW = START + timedelta(days=DAYS, hours=12)
FINISHED = range(day_of(window_of(START)), day_of(window_of(NOW)))


def _flows(seed: int = 11) -> Counts:
    """Each carrier's Poisson scans in each district, up to NOW, the stops left out."""
    return stopped_flows(random.Random(seed), START, NOW, CARRIERS, DISTRICTS, stops=STOPS)


def _split(counts: Counts) -> tuple[Counts, Counts]:
    """The scans as two instances hold them: each parcel is on one, so a window's scans
    are shared between them; JD's flows are wholly on the second instance."""
    home: Counts = {}
    other: Counts = {}
    for key, windows in counts.items():
        for w, n in windows.items():
            here = 0 if key[0] == "JD" else (n + w % 2) // 2
            if here:
                home.setdefault(key, {})[w] = here
            if n - here:
                other.setdefault(key, {})[w] = n - here
    return home, other


def _day(day: int) -> tuple[datetime, datetime]:
    start = window_start(day * WINDOWS_PER_DAY - CST_WINDOWS)
    return start, start + timedelta(days=1)


async def _ask(
    db: FakeFlows,
    day: int,
    carrier: str | None,
    kept: KeptIncidents | None = None,
    others: tuple[FakeFlows, ...] = (),
) -> list[Incident]:
    start, end = _day(day)
    fake: Any = db  # fakes of the statements
    return await find_incidents(
        fake,
        start=start,
        end=end,
        as_of=end,
        carrier=carrier,
        district=None,
        kept=kept,
        others=others,  # type: ignore[arg-type]
    )


def _late(stop: tuple[str, str, datetime, int], *into: Counts) -> None:
    """The stop's scans, received late (7 a window), added to each of `into`."""
    carrier, district, start, hours = stop
    for counts in into:
        windows = counts.setdefault((carrier, district), {})
        for w in range(window_of(start), window_of(start + timedelta(hours=hours))):
            windows[w] = windows.get(w, 0) + 7


async def test_asks_over_two_instances_answer_as_over_one() -> None:
    whole = FakeFlows(_flows())
    home, other = (FakeFlows(c) for c in _split(_flows()))
    assert home.counts
    assert other.counts
    city, home_alone = [], []
    for day in FINISHED:
        for carrier in (None, *CARRIERS):
            answer = await _ask(home, day, carrier, others=(other,))
            assert answer == await _ask(whole, day, carrier), (day, carrier)
            if carrier is None:
                city.extend(answer)
                home_alone.extend(await _ask(home, day, carrier))
    assert {(i.carrier, i.district) for i in city} >= {(c, d) for c, d, _, _ in STOPS}
    assert home_alone != city  # half the scans, and none of JD's: not the city's answer


async def test_days_ahead_over_two_instances_notice_a_late_scan_on_either() -> None:
    whole = FakeFlows(_flows())
    home, other = (FakeFlows(c) for c in _split(_flows()))
    kept = KeptIncidents()
    passes = IncidentsAhead(home, FixedClock(NOW), kept, others=(other,))  # type: ignore[arg-type]
    assert await passes.catch_up() == len(FINISHED)
    assert await passes.catch_up() == 0

    async def same_as_whole() -> None:
        for day in FINISHED:
            for carrier in (None, "SF"):
                reads = home.window_reads + other.window_reads
                answer = await _ask(home, day, carrier, kept, (other,))
                assert home.window_reads + other.window_reads == reads  # a lookup
                assert answer == await _ask(whole, day, carrier), (day, carrier)

    await same_as_whole()
    # Each stop's scans arrive late, on one instance only: the days that read its day
    # (it and the 9 after it) are computed again, whichever instance it landed on.
    for stop, landed in zip(STOPS, (other, home), strict=True):
        _late(stop, whole.counts, landed.counts)
        stop_day = day_of(window_of(stop[2]))
        read_by = [d for d in FINISHED if d - 9 <= stop_day <= d]
        assert await passes.catch_up() == len(read_by)
        await same_as_whole()


class _Counted(FakeFlows):
    """FakeFlows keeping the statements it answers."""

    def __init__(self, counts: Counts) -> None:
        super().__init__(counts)
        self.statements: list[str] = []

    async def fetch(self, sql: str, *args: Any) -> list[dict[str, Any]]:
        self.statements.append(sql)
        return await super().fetch(sql, *args)


async def test_one_instance_runs_the_statements_it_always_did() -> None:
    """Without other instances: a new detection is the daily rows and the windows, a kept
    one its version alone, a pass over the days one statement and each day's reads."""
    db, kept = _Counted(_flows()), KeptIncidents()
    day = FINISHED[-1]
    await _ask(db, day, None, kept)
    assert db.statements == [store._DAILY, store._WINDOWS]
    await _ask(db, day, "SF", kept)
    assert db.statements[2:] == [store._VERSION]
    db.statements = []
    await IncidentsAhead(db, FixedClock(NOW), kept).catch_up()  # type: ignore[arg-type]
    assert db.statements[0] == ahead._DAY_TOTALS
    days = len(FINISHED) - 1  # the asked day is kept already
    assert db.statements.count(store._DAILY) == days
    assert 0 < db.statements.count(store._WINDOWS) <= days
    assert len(db.statements) == 1 + days + db.statements.count(store._WINDOWS)
