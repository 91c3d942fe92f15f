"""The scan-flow rollup incidents are read from: parcel scans per carrier, district and
10-minute window of event time (table incident_flow, migration 0032).

Events never change once appended, so the rollup only ever adds: the projector's step adds
the events it makes visible (FLOW_STEP, in the step's transaction, so exactly once), and a
rebuild recomputes it from every projectable event (FLOW_REBUILD).
"""

from __future__ import annotations

from quanhub.ledger.incidents.detect import WINDOW_SECONDS
from quanhub.ledger.store.projections import PROJECTABLE

FLOW_TABLE = "incident_flow"

#: The window an event falls in: its event time floored to WINDOW_SECONDS.
_WINDOW = (
    f"to_timestamp(floor(extract(epoch FROM e.occurred_at) / {WINDOW_SECONDS}) * {WINDOW_SECONDS})"
)

_ADD = """
INSERT INTO incident_flow AS f (window_start, carrier_id, district_code, scans)
SELECT {window}, e.carrier_id, e.district_code, count(*)
FROM ledger_events e
WHERE e.kind = 'parcel' AND e.district_code <> '' AND {where}
GROUP BY 1, 2, 3
ON CONFLICT (window_start, carrier_id, district_code)
DO UPDATE SET scans = f.scans + EXCLUDED.scans;
"""


def flow_step_sql(first: int, last: int) -> str:
    """Add the scans of events with seq in [first, last] (the projector's step; a
    quarantined event is never in a step that commits)."""
    return _ADD.format(window=_WINDOW, where=f"e.seq BETWEEN {int(first)} AND {int(last)}")


#: Every projectable event's scans, into an empty table (rebuild, verify).
FLOW_REBUILD = _ADD.format(window=_WINDOW, where=PROJECTABLE)
