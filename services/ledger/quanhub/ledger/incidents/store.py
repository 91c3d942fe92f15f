"""Incidents for a query: read the scan-flow rollup a query needs, run the detector on it.

The detector's answer for a range of windows is kept (KeptIncidents) and given again while
the rollup rows of that range stay as they were. The rollups only ever add scans, so the
scans summed over the daily rows of the range the detector reads (with their count) grow
whenever any of its rows changes: equal sums mean equal rows, whatever the projector did
meanwhile elsewhere (today's windows, other days). A city's roles and each carrier asking
about the same windows share one detection; the carrier and the period are applied after.
A kept detection's version is checked with one aggregate of those rows (_VERSION), so a
repeat reads no rows at all; the finished days' are computed ahead (incidents/ahead.py).
(The daily rows and the windows are two statements, kept or not: a projector step between
them shows the detection newer windows than its version says, an answer the endpoint gives
for a request arriving just after the step anyway, and the step's scans make the next
version differ, so nothing older is given after it.)

With the shards on several PostgreSQL instances (`others`: the instances beside home),
each instance holds the rows of its own shards: every statement runs on each instance,
the daily rows and the windows are added up, and the version is the sums of each
instance's (rows, scans), which grow whenever a scan lands on any of them. With one
instance the statements and their round trips are those above.
"""

from __future__ import annotations

from collections import OrderedDict, defaultdict
from collections.abc import Awaitable, Callable, Hashable, Sequence
from datetime import date, datetime, timedelta

from asyncpg import Record

from quanhub.ledger.incidents.detect import (
    WINDOW_SECONDS,
    WINDOWS_PER_DAY,
    Incident,
    Thresholds,
    day_of,
    run,
    watched_day,
    window_of,
    window_start,
)
from quanhub.ledger.read.params import Reader
from quanhub.ledger.store.everywhere import fetch_everywhere

#: Detections kept at most per process (distinct window ranges; the oldest go first).
KEPT = 256

_EPOCH = date(1970, 1, 1)

#: Windows read before `from` for a flow already breaking at `from`: an incident open then
#: began up to a day earlier.
LOOKBACK_WINDOWS = WINDOWS_PER_DAY

# Scans per flow and CST day, to leave the thin flows out before reading their windows
# (summed over the shards' rows).
_DAILY = """
SELECT carrier_id, district_code, (day - DATE '1970-01-01') AS day,
       sum(scans)::bigint AS scans
FROM incident_flow_daily
WHERE day >= $1 AND day <= $2 AND ($3::text IS NULL OR district_code = $3)
GROUP BY carrier_id, district_code, day
"""

# The version of the daily rows _DAILY would read: their count (flows and days, the
# shards' rows summed) and their scans.
_VERSION = """
SELECT count(DISTINCT (carrier_id, district_code, day)) AS n,
       coalesce(sum(scans), 0)::bigint AS scans
FROM incident_flow_daily
WHERE day >= $1 AND day <= $2 AND ($3::text IS NULL OR district_code = $3)
"""

# The windows of the flows of the districts where a flow is watched on some day of the
# period (the other carriers of such a district too, thin ones included: the detector
# compares with them).
# $5: WINDOW_SECONDS. A window's index from date_part's float seconds: whole multiples of
# 600 are exact in a double, and numeric `extract` cost a third of the statement.
# Each window's scans are summed over the shards' rows first.
_WINDOWS = """
SELECT f.carrier_id, f.district_code,
       array_agg((date_part('epoch', f.window_start)::bigint / $5)::int) AS w,
       array_agg(f.scans::int) AS scans
FROM (SELECT f.carrier_id, f.district_code, f.window_start, sum(f.scans)::bigint AS scans
      FROM incident_flow f
      JOIN unnest($3::text[], $4::text[]) AS k(carrier_id, district_code)
        USING (carrier_id, district_code)
      WHERE f.window_start >= $1 AND f.window_start <= $2
      GROUP BY 1, 2, 3) f
GROUP BY 1, 2
"""


class KeptIncidents:
    """Detections by window range, each with the version of the rows it was read from:
    those asked for (the latest `size`), and those computed ahead (incidents/ahead.py,
    one per finished day, kept until the computer forgets them)."""

    def __init__(self, size: int = KEPT) -> None:
        self._size = size
        self._kept: OrderedDict[Hashable, tuple[tuple[int, int], list[Incident]]] = OrderedDict()
        self._ahead: dict[Hashable, tuple[tuple[int, int], list[Incident]]] = {}

    def holds(self, key: Hashable) -> bool:
        """True when a detection is kept for `key`, at some version."""
        return key in self._ahead or key in self._kept

    def get(self, key: Hashable, version: tuple[int, int]) -> list[Incident] | None:
        """The detection kept for `key` when its rows were at `version`, else None."""
        ahead = self._ahead.get(key)
        if ahead is not None and ahead[0] == version:
            return ahead[1]
        kept = self._kept.get(key)
        if kept is None or kept[0] != version:
            return None
        self._kept.move_to_end(key)
        return kept[1]

    def keep(self, key: Hashable, version: tuple[int, int], found: list[Incident]) -> None:
        """Keep a detection for `key`, read from rows at `version`."""
        self._kept[key] = (version, found)
        self._kept.move_to_end(key)
        while len(self._kept) > self._size:
            self._kept.popitem(last=False)

    def ahead_version(self, key: Hashable) -> tuple[int, int] | None:
        """The version of the detection computed ahead for `key`, if any."""
        ahead = self._ahead.get(key)
        return None if ahead is None else ahead[0]

    def keep_ahead(self, key: Hashable, version: tuple[int, int], found: list[Incident]) -> None:
        """Keep a detection computed ahead for `key`, read from rows at `version`."""
        self._ahead[key] = (version, found)

    def forget_ahead(self, keep: set[Hashable]) -> None:
        """Forget the detections computed ahead, but those of `keep`."""
        for key in [key for key in self._ahead if key not in keep]:
            del self._ahead[key]


async def find_incidents(
    db: Reader,
    *,
    start: datetime,
    end: datetime,
    as_of: datetime,
    carrier: str | None,
    district: str | None,
    thresholds: Thresholds | None = None,
    kept: KeptIncidents | None = None,
    detector: Detector | None = None,
    others: Sequence[Reader] = (),
) -> list[Incident]:
    """Incidents of `carrier` (all when None) in `district` (all when None) that were open
    at some time in [start, end), as the detector saw them at `as_of`: only windows that
    had ended by then (event time) are read, so no scan timed after `as_of` counts.
    With `kept`, a detection of the same windows from unchanged rows is given again;
    `detector` runs the detector (here when None); `others` are the other instances."""
    t = thresholds or Thresholds()
    last = window_of(as_of) - 1
    first = window_of(start)
    if last < first:
        return []
    key = detection_key(first, last, district, t)
    found = None
    if kept is not None and kept.holds(key):
        parts = await fetch_everywhere(db, others, _VERSION, *day_bounds(first, last, t), district)
        version = (sum(p[0]["n"] for p in parts), sum(p[0]["scans"] for p in parts))
        found = kept.get(key, version)
    if found is None:
        version, flows = await detection_input(db, first, last, district, t, others=others)
        found = await detected(flows, first, last, t, detector)
        if kept is not None:
            kept.keep(key, version, found)
    return [
        i
        for i in found
        if (carrier is None or i.carrier == carrier)
        and i.start < end
        and (i.end is None or i.end > start)
    ]


def detection_key(first: int, last: int, district: str | None, t: Thresholds) -> Hashable:
    """What a detection of windows first..last in `district` (None: the city) is kept by."""
    return (first, last, district, t)


def earliest_window(first: int, t: Thresholds) -> int:
    """The first window a detection from window `first` reads: a day's look-back, the
    baseline's days, and one more window for the first one's neighbour."""
    return first - LOOKBACK_WINDOWS - t.baseline_days * WINDOWS_PER_DAY - 1


def day_bounds(first: int, last: int, t: Thresholds) -> tuple[date, date]:
    """The first and last CST day of the daily rows a detection of windows first..last
    reads (and is versioned by)."""
    return _EPOCH + timedelta(day_of(earliest_window(first, t))), _EPOCH + timedelta(day_of(last))


#: A detection's input, a row per flow: carrier, district, its windows and their scans.
FlowRows = list[tuple[str, str, list[int], list[int]]]
#: Runs the detector over a detection's input (detect_rows, here or in another process).
Detector = Callable[[FlowRows, int, int, Thresholds], Awaitable[list[Incident]]]


async def detection_input(
    db: Reader,
    first: int,
    last: int,
    district: str | None,
    t: Thresholds,
    *,
    others: Sequence[Reader] = (),
) -> tuple[tuple[int, int], FlowRows]:
    """What a detection of `district` (None: the city) over windows first..last reads, and
    the version of the daily rows read for it (their count and their scans, summed over
    the instances): the flows watched on some day read from the daily rows, and the other
    flows of their districts (thin ones too: the peers' factor pools every other
    carrier), their windows from the baseline's first on. No flows: nothing to detect."""
    parts = await fetch_everywhere(db, others, _DAILY, *day_bounds(first, last, t), district)
    daily: dict[tuple[str, str], dict[int, int]] = defaultdict(dict)
    for rows in parts:
        for row in rows:
            totals = daily[(row["carrier_id"], row["district_code"])]
            totals[row["day"]] = totals.get(row["day"], 0) + row["scans"]
    # Every window read below is counted in one of these daily rows.
    version = (sum(len(rows) for rows in parts), sum(r["scans"] for rows in parts for r in rows))
    days = range(day_of(first - LOOKBACK_WINDOWS), day_of(last) + 1)
    districts = {
        key[1]
        for key, totals in daily.items()
        if any(watched_day(totals, min(totals), day, t) for day in days)
    }
    if not districts:
        return version, []
    keys = [key for key in daily if key[1] in districts]
    bounds = (window_start(earliest_window(first, t)), window_start(last))
    windows = await fetch_everywhere(
        db, others, _WINDOWS, *bounds, [c for c, _ in keys], [d for _, d in keys], WINDOW_SECONDS
    )
    if len(windows) == 1:
        return version, [
            (row["carrier_id"], row["district_code"], row["w"], row["scans"]) for row in windows[0]
        ]
    return version, _added(windows)


def _added(parts: list[list[Record]]) -> FlowRows:
    """Each flow's windows, scans added over the instances (each holds its shards')."""
    flows: dict[tuple[str, str], dict[int, int]] = {}
    for rows in parts:
        for row in rows:
            into = flows.setdefault((row["carrier_id"], row["district_code"]), {})
            for w, n in zip(row["w"], row["scans"], strict=True):
                into[w] = into.get(w, 0) + n
    return [(c, d, list(into), list(into.values())) for (c, d), into in flows.items()]


async def detected(
    flows: FlowRows, first: int, last: int, t: Thresholds, detector: Detector | None
) -> list[Incident]:
    """The incidents of `flows` over windows first..last, by `detector` (here when None)."""
    if not flows:
        return []
    if detector is None:
        return detect_rows(flows, first, last, t)
    return await detector(flows, first, last, t)


def detect_rows(flows: FlowRows, first: int, last: int, t: Thresholds) -> list[Incident]:
    """The detector over windows first..last of `flows` (pure; a worker process runs it
    too): a flow breaking already at `first` is read back to where it began."""
    counts = {(c, d): dict(zip(w, n, strict=True)) for c, d, w, n in flows}
    found = run(counts, first, last, t)
    if any(i.start == window_start(first) for i in found):
        found = run(counts, first - LOOKBACK_WINDOWS, last, t)
    return found
