"""GET /v1/incidents keeps a detection per window range (incidents/store.py) on a real
PostgreSQL: asked again it is the same, and scans that land in the range afterwards (a
stop's scans received late) are read, never hidden behind the kept answer."""

from __future__ import annotations

from datetime import datetime, timedelta

import asyncpg
from incident_traffic import DAY8, NOW, STOP, scans
from ledger_support import Api, append_and_project

QUERY = (
    f"/v1/incidents?from={DAY8.isoformat()}&to={(DAY8 + timedelta(days=1)).isoformat()}"
    f"&as_of={(DAY8 + timedelta(hours=6)).isoformat()}"
).replace("+", "%2B")


async def test_late_scans_in_the_range_replace_a_kept_detection(
    ledger_pool: asyncpg.Pool, ledger_api: Api
) -> None:
    await append_and_project(ledger_pool, scans(range(9)), now=NOW, topic="a")
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
    await append_and_project(ledger_pool, scans(range(9, 10)), now=NOW, topic="b")
    assert (await ledger_api.get(QUERY, "ADMIN")).json() == first.json()
    await append_and_project(ledger_pool, scans(range(7, 8), late=True), now=NOW, topic="c")
    late = await ledger_api.get(QUERY, "ADMIN")
    assert late.json()["incidents"] == []
