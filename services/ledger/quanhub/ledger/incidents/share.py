"""The share test: a flow held to the share of its district's scans it carried in the hours
before, so that a flow larger today than on the previous days (a network ramping up, a
partner onboarding, Double-11) is measured at its size. Pure logic, no I/O."""

from __future__ import annotations

import math
from typing import TYPE_CHECKING, NamedTuple

from quanhub.ledger.incidents.tails import share_tail
from quanhub.ledger.incidents.windows import WINDOWS_PER_DAY, day_of

if TYPE_CHECKING:
    from quanhub.ledger.incidents.detect import Series


class Share(NamedTuple):
    """What a flow's share is measured against: its scans before a run (`own`), its
    peers' (`rest`, without the one `left_out`), and its district's flows."""

    own: int
    rest: int
    left_out: Series
    district: District


class District:
    """The watched flows of one district, for the share test: what each carried before a
    run and since, and their scans by window, worked out once for all of them."""

    def __init__(self, flows: list[Series]) -> None:
        self.flows = flows
        self._watched: dict[int, list[Series]] = {}
        self._before: dict[tuple[int, int], tuple[list[tuple[Series, int]], int]] = {}
        #: Each flow's own scans in `before`'s rows, by the same key.
        self._own: dict[tuple[int, int], dict[Series, int]] = {}
        self._held: dict[tuple[int, int], int] = {}

    def watched(self, w: int) -> list[Series]:
        """The flows watched on window `w`'s day."""
        day = day_of(w)
        known = self._watched.get(day)
        if known is None:
            known = self._watched[day] = [flow for flow in self.flows if flow.watched(w)]
        return known

    def before(self, begin: int, last: int, span: int) -> tuple[list[tuple[Series, int]], int]:
        """The flows watched on window `last`'s day that carried scans in the `span` windows
        before window `begin`, each with those scans, the one that rose most from then to
        `last` first; and their total."""
        known = self._before.get((begin, last))
        if known is None:
            rows = []
            for flow in self.watched(last):
                before = flow.count(begin - span, begin)
                if before > 0:
                    rows.append((flow.count(begin, last + 1) / before, before, flow))
            rows.sort(key=lambda row: row[0], reverse=True)
            known = [(flow, before) for _, before, flow in rows], sum(row[1] for row in rows)
            self._before[(begin, last)] = known
            self._own[(begin, last)] = {flow: before for _, before, flow in rows}
        return known

    def before_of(self, flow: Series, begin: int, last: int) -> int:
        """`flow`'s scans in `before(begin, last, span)`'s rows (0 when not among them);
        after that call."""
        return self._own[(begin, last)].get(flow, 0)

    def count(self, start: int, stop: int, last: int) -> int:
        """The scans in windows start..stop - 1 of the flows watched on window `last`'s
        day."""
        return sum(flow.count(start, stop) for flow in self.watched(last))

    def held(self, x: int, last: int) -> int:
        """The scans in window `x` of the flows watched on window `last`'s day."""
        key = (x, day_of(last))
        known = self._held.get(key)
        if known is None:
            known = self._held[key] = sum(f.counts.get(x, 0) for f in self.watched(last))
        return known


def share_break(series: Series, w: int, floor: int | None) -> int | None:
    """The first window of a run of 2 to `max_run` windows ending at `w`, each low by
    its share, in which the flow's share of its district's scans fell far below the
    share it carried over the `share_windows` before (`share_tail`), or None. Today's
    own share, not the previous days': a flow that grew (a network ramping up, a partner
    onboarding, Double-11) is measured at its size, and the district's other carriers
    carry the time of day and any drop they share."""
    t = series.t
    begin = w - t.max_run + 1
    if not t.share_windows or (floor is not None and begin - t.share_windows < floor):
        return None
    reference = share_reference(series, begin, w)
    if reference is None:
        return None
    own, rest = reference.own, reference.rest
    observed = others = 0
    for first in range(w, begin - 1, -1):
        seen = series.counts.get(first, 0)
        held = _held(series, first, w, reference)
        if seen > t.low_ratio * own * held / rest:
            break
        observed += seen
        others += held
        if (
            first < w
            and own * others / rest >= t.min_expected * (w - first + 1)
            and share_tail(observed, others, own, rest) <= t.share_alpha
            and _confirmed(series, first, w, reference)
        ):
            return first
    return None


def _confirmed(series: Series, first: int, last: int, reference: Share) -> bool:
    """True when windows first..last are still no noise once the flow's share is
    scaled by how it moved from the reference span to that time of day on the previous
    days, when it fell then: a carrier's own rounds (a pickup district's collection
    waves) move its share through the day, the same each day; and by how the flow held
    those windows on the same weekday a week before (`Series.week_factor`), when that is
    lower: its own week (a later Sunday round) moves its share as it moves its count."""
    t = series.t
    span = t.share_windows
    begin = last - t.max_run + 1
    own_run = own_ref = all_run = all_ref = 0
    out = reference.left_out
    for k in range(1, t.baseline_days + 1):
        shift = k * WINDOWS_PER_DAY
        if begin - span - shift < series.first:
            break
        run = (first - shift, last + 1 - shift)
        ref = (begin - span - shift, begin - shift)
        own_run += series.count(*run)
        own_ref += series.count(*ref)
        all_run += reference.district.count(*run, last) - out.count(*run)
        all_ref += reference.district.count(*ref, last) - out.count(*ref)
    rest_run, rest_ref = all_run - own_run, all_ref - own_ref
    drift = series.week_factor(first, last)
    # Too few scans before that time of day on the previous days to tell (a network
    # still filling): the days' drift is left out.
    if own_ref >= t.min_expected * span and rest_run > 0 and rest_ref > 0:
        # An upper bound (2 standard errors of the flow's count then): noise on the
        # previous days alone does not lower today's expectation.
        bound = (own_run + 2 * math.sqrt(own_run)) / own_ref / (rest_run / rest_ref)
        drift = min(drift, bound)
    if drift >= 1.0:
        return True
    own = reference.own * drift
    observed = sum(series.counts.get(x, 0) for x in range(first, last + 1))
    others = sum(_held(series, x, last, reference) for x in range(first, last + 1))
    return (
        all(
            series.counts.get(x, 0)
            <= t.low_ratio * own * _held(series, x, last, reference) / reference.rest
            for x in range(first, last + 1)
        )
        and share_tail(observed, others, round(own), reference.rest) <= t.share_alpha
    )


def share_reference(series: Series, begin: int, last: int) -> Share | None:
    """The flow's scans over the `share_windows` before window `begin`, its peers'
    (watched on `last`'s day) then, and the peer left out of them: the one that rose
    most from then to `last` (one carrier's burst, the drain after its own incident,
    would make every other one's share look low). None when the flow carried under
    `min_expected` a window then or has under `share_peers` peers."""
    span = series.t.share_windows
    own = series.count(begin - span, begin)
    if own < series.t.min_expected * span or series.district is None:
        return None
    flows, total = series.district.before(begin, last, span)
    mine = series.district.before_of(series, begin, last)
    if len(flows) - (1 if mine else 0) < series.t.share_peers:
        return None
    left_out, before = flows[0] if flows[0][0] is not series else flows[1]
    return Share(own, total - mine - before, left_out, series.district)


def _held(series: Series, x: int, last: int, reference: Share) -> int:
    """The peers' scans in window `x` (those of `share_reference`)."""
    mine = series.counts.get(x, 0) if series.watched(last) else 0
    return reference.district.held(x, last) - mine - reference.left_out.counts.get(x, 0)


def share_low(series: Series, w: int, begin: int) -> bool:
    """True when window `w` holds at most `low_ratio` of what the share the flow carried
    before window `begin` expects (an incident that began then stays open)."""
    expected = share_expected(series, w, begin)
    return expected is not None and series.counts.get(w, 0) <= series.t.low_ratio * expected


def share_expected(series: Series, w: int, begin: int) -> float | None:
    """Scans window `w` should hold by the share the flow carried before `begin`."""
    reference = share_reference(series, begin, w)
    if reference is None:
        return None
    return reference.own * _held(series, w, w, reference) / reference.rest
