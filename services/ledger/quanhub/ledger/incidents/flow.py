"""The scan-flow rollups incidents are read from: parcel scans per carrier, district and
10-minute window of event time (incident_flow), and per CST day (incident_flow_daily,
to skip thin flows without reading their windows); migration 0032. Rows are keyed by
the shard of the events they count (migration 0043), so a step adds to its own shard's
rows only; readers sum over the shards.

Events never change once appended, so the rollups only ever add: the projector's step adds
the events it makes visible (flow_step_sql, in the step's transaction, so exactly once),
and a rebuild recomputes them from every projectable event (FLOW_REBUILD).
"""

from __future__ import annotations

from quanhub.ledger.incidents.detect import WINDOW_SECONDS
from quanhub.ledger.store.projections import PROJECTABLE

FLOW_TABLES = ("incident_flow", "incident_flow_daily")

_WINDOW = (
    f"to_timestamp(floor(extract(epoch FROM e.occurred_at) / {WINDOW_SECONDS}) * {WINDOW_SECONDS})"
)
_DAY = "(e.occurred_at AT TIME ZONE 'Asia/Shanghai')::date"

# `{where}` selects the events to add: a seq range or PROJECTABLE, never request data;
# `{shard}` is the step's shard (an integer) or the events' own (e.shard).
_ADD = """
INSERT INTO incident_flow AS f (carrier_id, district_code, window_start, shard, scans)
SELECT e.carrier_id, e.district_code, {window}, {shard}, count(*)
FROM ledger_events e
WHERE e.kind = 'parcel' AND e.district_code <> '' AND {where}
GROUP BY 1, 2, 3, 4
ON CONFLICT (carrier_id, district_code, window_start, shard)
DO UPDATE SET scans = f.scans + EXCLUDED.scans;
INSERT INTO incident_flow_daily AS f (day, carrier_id, district_code, shard, scans)
SELECT {day}, e.carrier_id, e.district_code, {shard}, count(*)
FROM ledger_events e
WHERE e.kind = 'parcel' AND e.district_code <> '' AND {where}
GROUP BY 1, 2, 3, 4
ON CONFLICT (day, carrier_id, district_code, shard)
DO UPDATE SET scans = f.scans + EXCLUDED.scans;
"""


def flow_step_sql(first: int, last: int, shard: int = 0) -> str:
    """Add the scans of events with seq in [first, last] to shard `shard`'s rows (the
    projector's step of that shard; a quarantined event is never in a step that commits)."""
    where = f"e.seq BETWEEN {int(first)} AND {int(last)}"
    return _ADD.format(window=_WINDOW, day=_DAY, where=where, shard=int(shard))


#: Every projectable event's scans, each in its shard's rows, into empty tables (rebuild,
#: verify).
FLOW_REBUILD = _ADD.format(window=_WINDOW, day=_DAY, where=PROJECTABLE, shard="e.shard")
