"""Detect incidents in one carrier x district scan flow: pure logic, no I/O.

The flow is counted in 10-minute windows. A window's baseline is the median, over the same
time of day on the previous days, of that day's mean of the window and its two neighbours
(the neighbours absorb a truck arriving a few minutes earlier or later). A window is low
when it holds at most `low_ratio` of its baseline. An incident opens at the end of a run
of two or three consecutive low windows whose joint count is implausible as Poisson noise
(lower tail <= `alpha`) around their baseline, scaled down by as much as the district's
other carriers dropped meanwhile (a drop they all share is the district's, not one
carrier's incident); it closes at the first of `close_windows` consecutive windows that
are not low. Detection reads only windows that have ended and the days before them, so
running it up to any `as_of` gives what a live detector would have said then.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from itertools import accumulate, repeat
from statistics import median

from quanhub.ledger.incidents.share import District, share_break, share_expected, share_low
from quanhub.ledger.incidents.tails import poisson_cdf, two_count_tail
from quanhub.ledger.incidents.windows import (
    CST_WINDOWS,
    WINDOW_SECONDS,
    WINDOWS_PER_DAY,
    day_of,
    window_of,
    window_start,
)

__all__ = [
    "CST_WINDOWS",
    "WINDOWS_PER_DAY",
    "WINDOW_SECONDS",
    "Incident",
    "Series",
    "Thresholds",
    "day_of",
    "detect",
    "run",
    "watched_day",
    "window_of",
    "window_start",
]


@dataclass(frozen=True, slots=True)
class Thresholds:
    """The detector's settings; the defaults are documented in docs/incidents.md."""

    #: Days of history the baseline is the median of, and the fewest it needs.
    baseline_days: int = 7
    min_baseline_days: int = 1
    #: With fewer days than this the baseline is the days' mean and its own noise widens
    #: the bound (`two_count_tail`); from this many on, their median is taken as known.
    median_days: int = 3
    #: A window is low at or below this share of its baseline.
    low_ratio: float = 0.5
    #: Poisson lower tail of two low windows' joint count below which they are no noise.
    alpha: float = 1e-6
    #: Each low window of a break must expect at least this many scans (and so must
    #: they on average after the peers' drop).
    min_expected: float = 4.0
    #: Windows back above `low_ratio` that close an incident.
    close_windows: int = 2
    #: The longest run of low windows tested at once (half an hour).
    max_run: int = 3
    #: A slow-down keeps part of the flow, so single windows are not all low: the last
    #: `slow_run` windows (up to), together at most `low_ratio` of their baseline and
    #: ending in a low window, are tested at `slow_alpha`. 0 turns this off.
    slow_run: int = 18
    slow_alpha: float = 1e-7
    #: What each window of such a run must expect on average, by its own median (hours
    #: carry the evidence 30 minutes of a thicker flow would).
    slow_min_expected: float = 2.0
    #: Thin segments are skipped: a flow is watched on a day (CST) when the median of its
    #: daily scans over the previous days reaches this.
    min_daily_scans: float = 300.0
    #: The share test: a run of low windows against the flow's share of its district's
    #: scans over the `share_windows` before it (today's level, whatever the previous days
    #: held), tested at `share_alpha`. 0 turns it off.
    share_windows: int = 36
    share_alpha: float = 1e-6
    share_peers: int = 2
    #: The flow's week: the same weekday a week before is read when that day held at
    #: least `week_low` of the other previous days' median, and scaled up to their level
    #: when it held under `week_full` (a network still filling: a warm-up's ramp).
    week_low: float = 0.5
    week_full: float = 0.8


@dataclass(slots=True)
class Incident:
    """One break in a carrier x district flow. `end` is None while it is still open;
    `missing_scans` is baseline minus observed over its windows, and `delay_hours` the
    backlog those missing scans built, summed over time (scan-hours held back)."""

    carrier: str
    district: str
    start: datetime
    detected_at: datetime
    end: datetime | None = None
    expected_scans: float = 0.0
    observed_scans: int = 0
    delay_hours: float = 0.0
    windows: int = 0
    backlog: float = field(default=0.0, repr=False)

    @property
    def missing_scans(self) -> float:
        """Scans the baseline expected that did not come."""
        return max(0.0, self.expected_scans - self.observed_scans)


#: A baseline not worked out yet (baselines are never negative).
_UNKNOWN = -1.0


def _median(data: list[float] | list[int]) -> float:
    """statistics.median, the same value without its checks (a baseline is two of them)."""
    n = len(data)
    if n == 0:
        return median(data)  # its error
    ordered = sorted(data)
    if n % 2 == 1:
        return ordered[n // 2]
    return (ordered[n // 2 - 1] + ordered[n // 2]) / 2


def watched_day(
    daily: Mapping[int, int], first_day: int, day: int, t: Thresholds, *, steady: bool = False
) -> bool:
    """True when a flow with these scans per CST day, known from `first_day`, is thick
    enough to be tested on `day` (see Series.watched); with `steady`, by the median of
    its previous days alone (see Series.steady)."""
    days = [daily.get(day - k, 0) for k in range(1, t.baseline_days + 1) if day - k >= first_day]
    if len(days) < t.min_baseline_days:
        return False
    return max(median(days), 0 if steady else days[0]) >= t.min_daily_scans


class Series:
    """One carrier x district flow: counts by window, known from window `first` on (no
    window before it counted). `peers` are the other carriers' flows in the same district."""

    def __init__(self, counts: Mapping[int, int], first: int, thresholds: Thresholds) -> None:
        self.counts = counts
        self.first = first
        self.t = thresholds
        self.peers: list[Series] = []
        #: Every flow of the district, for the share test (None: no share test).
        self.district: District | None = None
        self._baselines: dict[int, float | None] = {}
        #: Per window: the median of its own counts (no neighbours) and the days of history.
        self._history: dict[int, tuple[float, int]] = {}
        #: Counts by window from `first` on (index 0 is window `first`), padded with zeros
        #: as baselines read past the last window; and their running sums (count).
        top = max(counts, default=first)
        self._dense = list(map(counts.get, range(first, top + 1), repeat(0)))
        self._prefix = [0, *accumulate(self._dense)]
        self._daily: dict[int, int] = {}
        day = day_of(first)
        start = first
        while start <= top:
            stop = (day + 1) * WINDOWS_PER_DAY - CST_WINDOWS
            self._daily[day] = (
                self._prefix[min(stop, top + 1) - first] - self._prefix[start - first]
            )
            day, start = day + 1, stop
        self._watched: dict[tuple[int, bool], bool] = {}

    def watched(self, w: int) -> bool:
        """True when the flow is thick enough to be tested on window `w`'s day: the median
        of its daily scans over the previous `baseline_days` days (at least
        `min_baseline_days` of them since the flow began), or the latest day's scans (a
        flow that grew: its share of the district is tested), reach `min_daily_scans`."""
        return self._thick(w, steady=False)

    def steady(self, w: int) -> bool:
        """True when the median of the flow's previous days reaches `min_daily_scans`: its
        baseline is tested (a flow thick only since yesterday has no baseline to trust)."""
        return self._thick(w, steady=True)

    def _thick(self, w: int, *, steady: bool) -> bool:
        key = (day_of(w), steady)
        known = self._watched.get(key)
        if known is None:
            known = watched_day(self._daily, day_of(self.first), key[0], self.t, steady=steady)
            self._watched[key] = known
        return known

    def baseline(self, w: int) -> float | None:
        """Scans window `w` should hold, or None without enough history."""
        known = self._baselines.get(w, _UNKNOWN)
        if known != _UNKNOWN:
            return known
        dense = self._dense
        days: list[float] = []
        own: list[int] = []
        i = w - WINDOWS_PER_DAY - self.first  # window x's index; x - 1 < first: i < 1
        if i + 1 >= len(dense):
            dense.extend(repeat(0, i + 2 - len(dense)))
        for _ in range(self.t.baseline_days):
            if i < 1:
                break
            n = dense[i]
            days.append((dense[i - 1] + n + dense[i + 1]) / 3)
            own.append(n)
            i -= WINDOWS_PER_DAY
        value = _median(days) if len(days) >= self.t.min_baseline_days else None
        self._baselines[w] = value
        if value is not None:
            self._history[w] = (_median(own), len(days))
        return value

    def history_days(self, w: int) -> int:
        """Days window `w`'s baseline is drawn from (0 without one)."""
        known = self._history.get(w)
        if known is not None:
            return known[1]
        return self._history[w][1] if self.baseline(w) is not None else 0

    def own_baseline(self, w: int) -> float:
        """The median of window `w`'s own counts on the baseline's days (no neighbours)."""
        known = self._history.get(w)
        if known is not None:
            return known[0]
        return self._history[w][0] if self.baseline(w) is not None else 0.0

    def run_variance(self, first: int, last: int) -> float:
        """The sampling variance of the baseline summed over windows first..last, from few
        days: each day's three-window means of neighbouring windows share counts, so the
        window x - 1 .. x + 1 of each day weighs (up to 3) / 3 in the sum."""
        get = self.counts.get
        days = self.history_days(last)
        variance = 0.0
        for k in range(1, days + 1):
            for x in range(first - 1, last + 2):
                y = x - k * WINDOWS_PER_DAY
                weight = sum(1 for z in range(first, last + 1) if abs(z - x) <= 1) / 3
                variance += (weight / days) ** 2 * get(y, 0)
        return variance

    def low(self, w: int) -> bool:
        """True when window `w` holds at most `low_ratio` of a known baseline."""
        base = self.baseline(w)
        return base is not None and self.counts.get(w, 0) <= self.t.low_ratio * base

    def breaks(self, w: int, floor: int | None = None) -> int | None:
        """The first window of a break ending at `w`, or None (see `opens`)."""
        opened = self.opens(w, floor)
        return None if opened is None else opened[0]

    def opens(self, w: int, floor: int | None = None) -> tuple[int, bool] | None:
        """The first window of a break ending at `w`, and whether the share test raised
        it; or None. A break is a run of at least two consecutive low windows (up to
        `max_run`) whose joint count is no Poisson noise around their baseline, scaled down
        by how much the district's other carriers dropped too (`peer_factor`); failing
        that, a fall of the flow's share of its district (`_share`); failing that, a longer
        shortfall (`_slow`). No run starts before `floor` (the end of the flow's previous
        incident: its windows were that incident's evidence, not a new one's)."""
        if not self.watched(w):
            return None
        steady = self.steady(w)
        first = self._run(w) if steady else None
        if first is not None:
            return first, False
        share = share_break(self, w, floor)
        if share is not None:
            return share, True
        slow = self._slow(w, floor) if steady else None
        return None if slow is None else (slow, False)

    def _run(self, w: int) -> int | None:
        """The first window of a run of 2 to `max_run` low windows ending at `w` whose joint
        count is no noise around their baseline (after the peers' factor), or None."""
        observed = 0
        expected = 0.0
        for first in range(w, w - self.t.max_run, -1):
            base = self.baseline(first) if first >= self.first else None
            # Each window of a break expects scans: a window that expects none is no
            # evidence, and neither is one that only its neighbours fill (just before or
            # after a departure's burst the 3-window mean expects scans it rarely holds).
            if (
                base is None
                or base < self.t.min_expected
                or self.own_baseline(first) < self.t.min_expected
                or not self.low(first)
            ):
                break
            observed += self.counts.get(first, 0)
            # What the window holds on its own, when a neighbour's burst lifts the mean
            # to twice that (a departure's line-haul scans coming a window earlier).
            own = self.own_baseline(first)
            expected += own if own < self.t.low_ratio * base else base
            need = self.t.min_expected * (w - first + 1)
            if first == w or not self._may_break(observed, expected, need, w, self.t.alpha):
                continue
            factor = self.factor(first, w)
            scaled = expected * factor
            thick = scaled >= need
            if thick and self._tail(observed, expected, factor, first, w) <= self.t.alpha:
                return first
        return None

    def count(self, start: int, stop: int) -> int:
        """The flow's scans in windows start..stop - 1."""
        prefix = self._prefix
        top = len(prefix) - 1
        lo = start - self.first
        hi = stop - self.first
        lo = 0 if lo < 0 else top if lo > top else lo
        hi = 0 if hi < 0 else top if hi > top else hi
        return prefix[hi] - prefix[lo]

    def _slow(self, w: int, floor: int | None) -> int | None:
        """The first window of a sustained shortfall ending at `w` (a slow-down), or None."""
        if not self.t.slow_run or not self.low(w):
            return None
        observed = 0
        expected = own = 0.0
        stop = w - self.t.slow_run if floor is None else max(w - self.t.slow_run, floor - 1)
        for first in range(w, stop, -1):
            base = self.baseline(first) if first >= self.first else None
            alone = self.own_baseline(first)
            if base is None or alone <= 0:
                return None
            observed += self.counts.get(first, 0)
            expected += base
            own += alone
            span = w - first + 1
            # The peers' factor is at most 1: without it, no shortfall, no need to ask them.
            need = self.t.slow_min_expected * span
            if (
                span <= self.t.max_run
                or observed > self.t.low_ratio * expected
                or own < need
                or not self._may_break(observed, expected, need, w, self.t.slow_alpha)
            ):
                continue
            factor = self.factor(first, w)
            scaled = expected * factor
            if (
                observed <= self.t.low_ratio * scaled
                and min(scaled, own * factor) >= need
                and self._tail(observed, expected, factor, first, w) <= self.t.slow_alpha
            ):
                return first
        return None

    def _may_break(
        self, observed: int, expected: float, need: float, last: int, alpha: float
    ) -> bool:
        """False when windows first..last are no break whatever the peers' factor: it is at
        most 1, and a lower factor lowers what is expected (the thickness tests) and raises
        the Poisson tail, so a run that fails at factor 1 fails at any. The peers' sums are
        the costliest part of a test, and most low runs fail here."""
        if expected < need:
            return False
        if self.history_days(last) >= self.t.median_days:
            return poisson_cdf(observed, expected) <= alpha
        return True

    def _tail(self, observed: int, expected: float, factor: float, first: int, last: int) -> float:
        """The lower tail of `observed` around the run's baseline: Poisson around a median
        of enough days, else the two-count test that counts the baseline's own noise."""
        if self.history_days(last) >= self.t.median_days:
            return poisson_cdf(observed, expected * factor)
        variance = self.run_variance(first, last)
        return two_count_tail(observed, expected, variance, factor)

    def factor(self, first: int, last: int) -> float:
        """The share of their baseline windows first..last should hold: the lower of the
        district's day (`peer_factor`) and the flow's week (`week_factor`), two readings
        of one drop that are not multiplied."""
        return min(self.peer_factor(first, last), self.week_factor(first, last))

    def peer_factor(self, first: int, last: int) -> float:
        """How much of their baseline the district's other carriers carried in windows
        first..last, at most 1: when they all dropped too (a Sunday's later trucks, a
        holiday, the weather), the drop is the district's, not this carrier's incident.
        Every other carrier counts, watched or not: pooled, thin flows tell a district's
        drop as well as thick ones (a station whose one thick carrier waits for a later
        Sunday truck with all the others)."""
        seen = expected = 0.0
        for peer in self.peers:
            for x in range(first, last + 1):
                base = peer.baseline(x)
                if base is not None:
                    expected += base
                    seen += peer.counts.get(x, 0)
        if expected < self.t.min_expected * (last - first + 1):
            return 1.0
        return min(1.0, seen / expected)

    def week_factor(self, first: int, last: int) -> float:
        """How the same weekday a week before held windows first..last next to the median
        of the other previous days, at most 1, by an upper bound (its count plus 2
        standard errors: one day's noise does not lower what is expected); 1 without a
        week of history or when that day was thin (see `Thresholds.week_low`). The
        baseline's median over the days before does not see a rhythm of the flow's own
        week (a carrier's later Sunday rounds, the Monday after); last week did. The run
        is pooled: one whose windows reach past the end of last week's dip is held to
        more than the dip's level."""
        week = 7 * WINDOWS_PER_DAY
        if self.t.baseline_days < 7 or first - week < self.first:
            return 1.0
        day = day_of(last)
        usual_day = _median([self._daily.get(day - k, 0) for k in range(1, 7)])
        level = self._daily.get(day - 7, 0)
        if level <= 0 or level < self.t.week_low * usual_day:
            return 1.0
        scale = usual_day / level if level < self.t.week_full * usual_day else 1.0
        days = WINDOWS_PER_DAY
        usual = _median([self.count(first - k * days, last + 1 - k * days) for k in range(1, 7)])
        if usual < self.t.min_expected * (last - first + 1):
            return 1.0
        then = self.count(first - week, last + 1 - week)
        return min(1.0, (then + 2 * math.sqrt(then)) * scale / usual)


def detect(
    carrier: str,
    district: str,
    series: Series,
    first: int,
    last: int,
) -> list[Incident]:
    """Incidents of one flow over windows `first`..`last` (inclusive, all ended). One
    still low at `last` is open."""
    incidents: list[Incident] = []
    current: Incident | None = None
    recovering = 0
    pending: list[int] = []
    floor: int | None = None
    reference: int | None = None
    hours = WINDOW_SECONDS / 3600
    for w in range(first, last + 1):
        if current is None:
            opened = series.opens(w, floor)
            if opened is not None:
                begin, by_share = opened
                # Raised by its share: the previous days under-predict the flow, so its
                # share before the incident says what it should carry until it ends.
                reference = begin if by_share else None
                current = Incident(carrier, district, window_start(begin), window_start(w + 1))
                for x in range(begin, w + 1):
                    _account(current, series, x, hours, reference)
                recovering = 0
            continue
        if series.low(w) or (reference is not None and share_low(series, w, reference)):
            for x in (*pending, w):
                _account(current, series, x, hours, reference)
            pending, recovering = [], 0
            continue
        pending.append(w)
        recovering += 1
        if recovering >= series.t.close_windows:
            current.end = window_start(pending[0])
            floor = pending[0]
            incidents.append(current)
            current, pending, recovering = None, [], 0
    if current is not None:
        incidents.append(current)
    return incidents


def _account(
    incident: Incident, series: Series, w: int, hours: float, reference: int | None
) -> None:
    """Add window `w` to an incident's size: it expected its baseline, or, for one the
    share test raised, what the share the flow carried before window `reference` expects
    when that is more (a flow that grew)."""
    base = series.baseline(w) or 0.0
    if reference is not None:
        base = max(base, share_expected(series, w, reference) or 0.0)
    seen = series.counts.get(w, 0)
    incident.expected_scans += base
    incident.observed_scans += seen
    incident.backlog = max(0.0, incident.backlog + base - seen)
    incident.delay_hours += incident.backlog * hours
    incident.windows += 1


def run(
    flows: Mapping[tuple[str, str], Mapping[int, int]],
    first: int,
    last: int,
    thresholds: Thresholds | None = None,
) -> list[Incident]:
    """Incidents of every flow over windows `first`..`last`, by start then carrier."""
    t = thresholds or Thresholds()
    every = {key: Series(counts, min(counts), t) for key, counts in flows.items() if counts}
    districts: dict[str, District] = {}
    for (carrier, district), series in every.items():
        series.peers = [s for (c, d), s in every.items() if d == district and c != carrier]
        if district not in districts:
            districts[district] = District([s for (_, d), s in every.items() if d == district])
        series.district = districts[district]
    days = range(first, last + 1, WINDOWS_PER_DAY)
    found: list[Incident] = []
    for (carrier, district), series in every.items():
        if any(series.watched(w) for w in (*days, last)):
            found.extend(detect(carrier, district, series, first, last))
    found.sort(key=lambda i: (i.start, i.carrier, i.district))
    return found
