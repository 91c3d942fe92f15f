"""A fake of the scan-flow rollups' statements (incidents/store.py, incidents/ahead.py)
over counts by window: pure logic around them is tested without PostgreSQL."""

from __future__ import annotations

from collections import defaultdict
from datetime import date, timedelta
from typing import Any

from quanhub.ledger.incidents.detect import WINDOW_SECONDS, day_of, window_start

EPOCH = date(1970, 1, 1)


class FakeFlows:
    """incident_flow and incident_flow_daily over `counts` ((carrier, district) -> window
    -> scans); counts the window reads."""

    def __init__(self, counts: dict[tuple[str, str], dict[int, int]]) -> None:
        self.counts = counts
        self.window_reads = 0

    def _daily(self, first: date, last: date, district: str | None) -> dict[Any, int]:
        days: dict[tuple[str, str, int], int] = defaultdict(int)
        for (carrier, code), windows in self.counts.items():
            if district is not None and code != district:
                continue
            for w, n in windows.items():
                day = day_of(w)
                if first <= EPOCH + timedelta(day) <= last:
                    days[(carrier, code, day)] += n
        return days

    async def fetch(self, sql: str, *args: Any) -> list[dict[str, Any]]:
        if "coalesce(sum(scans)" in sql:  # the version of a detection's daily rows
            first, last, district = args
            days = self._daily(first, last, district)
            return [{"n": len(days), "scans": sum(days.values())}]
        if "GROUP BY day" in sql:  # each day's rows and scans
            first, end = args
            totals: dict[int, list[int]] = defaultdict(lambda: [0, 0])
            for (_, _, day), n in self._daily(first, end - timedelta(1), None).items():
                totals[day][0] += 1
                totals[day][1] += n
            return [{"day": d, "n": n, "scans": s} for d, (n, s) in totals.items()]
        if "incident_flow_daily" in sql:
            first, last, district = args
            return [
                {"carrier_id": c, "district_code": d, "day": day, "scans": n}
                for (c, d, day), n in self._daily(first, last, district).items()
            ]
        self.window_reads += 1
        start, end, carriers, districts, seconds = args
        assert seconds == WINDOW_SECONDS
        out = []
        for key in zip(carriers, districts, strict=True):
            windows = {
                w: n for w, n in self.counts.get(key, {}).items() if start <= window_start(w) <= end
            }
            if windows:
                out.append(
                    {
                        "carrier_id": key[0],
                        "district_code": key[1],
                        "w": list(windows),
                        "scans": list(windows.values()),
                    }
                )
        return out
