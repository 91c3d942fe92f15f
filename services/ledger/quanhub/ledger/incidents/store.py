"""Incidents for a query: read the scan-flow rollup a query needs, run the detector on it."""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime

from quanhub.ledger.incidents.detect import (
    WINDOWS_PER_DAY,
    Incident,
    Thresholds,
    run,
    window_of,
    window_start,
)
from quanhub.ledger.read.params import Reader

#: Windows read before `from`: an incident open at `from` began up to a day earlier.
LOOKBACK_WINDOWS = WINDOWS_PER_DAY

# The other carriers of a district are read too: the detector compares with them.
_FLOWS = """
SELECT carrier_id, district_code,
       (extract(epoch FROM window_start) / 600)::bigint AS w, scans
FROM incident_flow
WHERE window_start >= $1 AND window_start <= $2 AND ($3::text IS NULL OR district_code = $3)
"""


async def find_incidents(
    db: Reader,
    *,
    start: datetime,
    end: datetime,
    as_of: datetime,
    carrier: str | None,
    district: str | None,
    thresholds: Thresholds | None = None,
) -> list[Incident]:
    """Incidents of `carrier` (all when None) in `district` (all when None) that were open
    at some time in [start, end), as the detector saw them at `as_of`: only windows that
    had ended by then are read, so a later event never changes an earlier answer."""
    t = thresholds or Thresholds()
    last = window_of(as_of) - 1
    first = window_of(start) - LOOKBACK_WINDOWS
    history = first - t.baseline_days * WINDOWS_PER_DAY - 1
    flows: dict[tuple[str, str], dict[int, int]] = defaultdict(dict)
    if last >= first:
        rows = await db.fetch(_FLOWS, window_start(history), window_start(last), district)
        for row in rows:
            flows[(row["carrier_id"], row["district_code"])][row["w"]] = row["scans"]
    found = run(flows, first, last, t) if flows else []
    return [
        i
        for i in found
        if (carrier is None or i.carrier == carrier)
        and i.start < end
        and (i.end is None or i.end > start)
    ]
