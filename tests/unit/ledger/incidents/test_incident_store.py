"""Detections kept per window range (KeptIncidents): given again while the range's rollup
rows are unchanged, read again once a scan lands in them, shared by the city and each
carrier. A fake reader stands for the two rollups (pure logic around find_incidents)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from fake_flows import FakeFlows

from quanhub.ledger.incidents.detect import window_of
from quanhub.ledger.incidents.store import KeptIncidents, find_incidents

START = datetime(2026, 11, 1, tzinfo=UTC)
DAY8 = START + timedelta(days=7)
STOP = (DAY8 + timedelta(hours=2), DAY8 + timedelta(hours=4))
DISTRICT = "370112"
PER_WINDOW = 9


def _flows(stop: tuple[datetime, datetime] = STOP) -> dict[tuple[str, str], dict[int, int]]:
    """SF, ZTO and YTO scan PER_WINDOW parcels in DISTRICT every 10 minutes from 00:00 to
    06:00 UTC for 9 days; SF stops on the 8th day from 02:00 to 04:00."""
    counts: dict[tuple[str, str], dict[int, int]] = {}
    for carrier in ("SF", "ZTO", "YTO"):
        windows: dict[int, int] = {}
        for day in range(9):
            for i in range(36):
                at = START + timedelta(days=day, minutes=10 * i)
                if carrier == "SF" and stop[0] <= at < stop[1]:
                    continue
                windows[window_of(at)] = PER_WINDOW
        counts[(carrier, DISTRICT)] = windows
    return counts


async def _ask(
    db: FakeFlows, kept: KeptIncidents, carrier: str | None = None
) -> list[tuple[str, datetime, datetime | None]]:
    found = await find_incidents(
        db,  # type: ignore[arg-type]  # a fake of the two statements
        start=DAY8,
        end=DAY8 + timedelta(days=1),
        as_of=DAY8 + timedelta(hours=6),
        carrier=carrier,
        district=None,
        kept=kept,
    )
    return [(i.carrier, i.start, i.end) for i in found]


async def test_a_detection_is_given_again_while_its_rows_stay() -> None:
    db, kept = FakeFlows(_flows()), KeptIncidents()
    first = await _ask(db, kept)
    assert [(c, s) for c, s, _ in first] == [("SF", STOP[0])]
    assert await _ask(db, kept) == first
    assert db.window_reads == 1


async def test_a_scan_landing_in_the_range_is_read() -> None:
    db, kept = FakeFlows(_flows()), KeptIncidents()
    assert len(await _ask(db, kept)) == 1
    # SF's scans of the stop arrive late: the windows were not empty after all.
    db.counts = _flows(stop=(STOP[0], STOP[0]))
    assert await _ask(db, kept) == []
    assert db.window_reads == 2


async def test_one_scan_more_is_a_new_version() -> None:
    db, kept = FakeFlows(_flows()), KeptIncidents()
    await _ask(db, kept)
    db.counts[("ZTO", DISTRICT)][window_of(DAY8)] += 1
    await _ask(db, kept)
    assert db.window_reads == 2


async def test_scans_outside_the_range_keep_the_detection() -> None:
    db, kept = FakeFlows(_flows()), KeptIncidents()
    first = await _ask(db, kept)
    # Today's scans, after as_of and past the days the detection reads.
    db.counts[("ZTO", DISTRICT)][window_of(DAY8 + timedelta(days=2))] = 50
    assert await _ask(db, kept) == first
    assert db.window_reads == 1


async def test_the_city_and_a_carrier_share_a_detection() -> None:
    db, kept = FakeFlows(_flows()), KeptIncidents()
    assert len(await _ask(db, kept)) == 1
    assert await _ask(db, kept, carrier="ZTO") == []
    assert [c for c, _, _ in await _ask(db, kept, carrier="SF")] == ["SF"]
    assert db.window_reads == 1


async def test_without_kept_detections_every_request_reads() -> None:
    db = FakeFlows(_flows())
    for _ in range(2):
        await find_incidents(
            db,  # type: ignore[arg-type]
            start=DAY8,
            end=DAY8 + timedelta(days=1),
            as_of=DAY8 + timedelta(hours=6),
            carrier=None,
            district=None,
        )
    assert db.window_reads == 2


def test_kept_detections_are_bounded() -> None:
    kept = KeptIncidents(size=2)
    for key in ("a", "b", "c"):
        kept.keep(key, (1, 1), [])
    assert kept.get("a", (1, 1)) is None
    assert kept.get("c", (1, 1)) == []
    assert kept.get("c", (1, 2)) is None
