"""GET /v1/incidents keeps a detection per window range (incidents/store.py) on a real
PostgreSQL: asked again it is the same, and scans that land in the range afterwards (a
stop's scans received late) are read, never hidden behind the kept answer."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import asyncpg
from ledger_support import Api, append_and_project

from quanhub.bench.synthetic import parcel_event
from quanhub.canonical.v1 import canonical_pb2 as cpb

START = datetime(2026, 11, 1, tzinfo=UTC)
DAY8 = START + timedelta(days=7)
STOP = (DAY8 + timedelta(hours=2), DAY8 + timedelta(hours=4))
NOW = START + timedelta(days=9)
PER_WINDOW = 9  # 324 scans a day: a watched flow (300)
QUERY = (
    f"/v1/incidents?from={DAY8.isoformat()}&to={(DAY8 + timedelta(days=1)).isoformat()}"
    f"&as_of={(DAY8 + timedelta(hours=6)).isoformat()}"
).replace("+", "%2B")


def _scans(days: range, *, stopped: bool) -> list[cpb.CanonicalEvent]:
    """SF, ZTO and YTO scan PER_WINDOW parcels in 370112 every 10 minutes from 00:00 to
    06:00 UTC. `stopped`: all but SF's scans during STOP; else only those."""
    events = []
    for day in days:
        for window in range(36):
            at = START + timedelta(days=day, minutes=10 * window)
            for carrier in ("SF", "ZTO", "YTO"):
                in_stop = carrier == "SF" and STOP[0] <= at < STOP[1]
                if in_stop == stopped:
                    continue
                for i in range(PER_WINDOW):
                    waybill = f"{carrier}{day:02d}{window:02d}{i}"
                    events.append(
                        parcel_event(
                            f"{waybill}-s",
                            carrier_id=carrier,
                            waybill_no=waybill,
                            status="IN_TRANSIT",
                            occurred_at=at + timedelta(minutes=i),
                            district_code="370112",
                        )
                    )
    return events


async def test_late_scans_in_the_range_replace_a_kept_detection(
    ledger_pool: asyncpg.Pool, ledger_api: Api
) -> None:
    await append_and_project(ledger_pool, _scans(range(9), stopped=True), now=NOW, topic="a")
    first = await ledger_api.get(QUERY, "ADMIN")
    assert first.status_code == 200, first.text
    (incident,) = first.json()["incidents"]
    assert (incident["carrier"], datetime.fromisoformat(incident["start"])) == ("SF", STOP[0])
    again = await ledger_api.get(QUERY, "ADMIN")
    assert again.json() == first.json()
    # The carrier's own list is the city's, kept or not.
    mine = await ledger_api.get(QUERY, "SF")
    assert mine.json()["incidents"] == first.json()["incidents"]

    # Scans after as_of change nothing; SF's scans of the stop, received late, do.
    await append_and_project(ledger_pool, _scans(range(9, 10), stopped=True), now=NOW, topic="b")
    assert (await ledger_api.get(QUERY, "ADMIN")).json() == first.json()
    await append_and_project(ledger_pool, _scans(range(7, 8), stopped=False), now=NOW, topic="c")
    late = await ledger_api.get(QUERY, "ADMIN")
    assert late.json()["incidents"] == []
