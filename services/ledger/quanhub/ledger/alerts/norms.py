"""The normal silence of a parcel or declaration, and the threshold beyond which it alerts.

A norm is learned per segment from the ledger's own completed gaps (one scan to the next):
parcels by carrier x status x leg, declarations (inventories) by trade mode x state. The
threshold is FACTOR times the segment's QUANTILE gap, never below FLOOR. The 95th
percentile rather than a higher one because the training gaps include the very stalls the
alerts look for (about 1 % of a segment's gaps in the simulator, more in a bad week): a
95th percentile does not move when they are there, a 99.9th does. A segment with fewer than
MIN_SAMPLES gaps borrows its parent's norm (carrier x status x leg -> status x leg; trade
mode x state -> state), and with no norm at all the DEFAULT threshold
applies: a week, longer than any ordinary silence (a cross-border parcel's flight at a
Double-11 peak took up to 142 h in the simulator), so an unlearned segment never cries wolf.

A locker or station parcel is uncollected after UNCOLLECTED, a fixed rule (the consignee's
48 hours), not a learned one.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import timedelta
from enum import StrEnum

from quanhub.common.districts import JINAN_PREFIX

QUANTILE = 0.95
FACTOR = 3.0
FLOOR = timedelta(hours=24)
MIN_SAMPLES = 30
DEFAULT = timedelta(days=7)
UNCOLLECTED = timedelta(hours=48)
#: Gaps that start within HORIZON of the training cutoff are left out, complete or not: the
#: long ones among them are not over yet, so keeping the short ones would pull the norm down.
HORIZON = timedelta(days=3)

#: Parcel statuses the city awaits nothing of: ended, or going back to the sender (a
#: return leaves the city, and its scans often stop at the sender's network).
PARCEL_DONE = frozenset({"DELIVERED", "RETURNED", "CANCELLED", "RETURNING"})
#: Waiting for the consignee, not for the carrier.
PICKUP_STATUS = "AVAILABLE_FOR_PICKUP"
#: A parcel held by a customs decision (a hold, an exception) waits on customs, not on its
#: carrier; it is the declaration's matter.
CUSTOMS_HELD_SUB_STATUSES = frozenset({"CUSTOMS_EXCEPTION", "CUSTOMS_HOLD"})
#: Sub-statuses of a parcel in customs' hands: it waits on clearance, not on its carrier.
AT_CUSTOMS_SUB_STATUSES = frozenset({"HANDED_TO_CUSTOMS", "CUSTOMS_CLEARING"})
#: Declaration states in which nobody waits on customs: ended (closed, returned), a
#: decision taken (detained), or waiting on the declarant (rejected, e-port errors).
CUSTOMS_DONE = frozenset({"CLOSED", "RETURNED", "DETAINED", "REJECTED", "ERROR", "SEND_FAILED"})
#: Statuses that say nothing about where an object stands (unknown codes are kept without
#: moving the status, so they break no silence either).
NO_STATUS = frozenset({"UNKNOWN", "UNSPECIFIED"})
#: The document whose receipts follow a declaration through customs.
INVENTORY = "INVENTORY"


class Leg(StrEnum):
    """Where a parcel is: in customs' hands, in the city, elsewhere, or nowhere named (a
    cross-border parcel still abroad), from its sub-status and latest district. A line haul
    from Shenzhen is silent for a day and a half, a scan in a Jinan station for hours, a
    parcel under inspection for two days: one norm for all would hide the stalls."""

    CUSTOMS = "customs"
    CITY = "city"
    AWAY = "away"
    NONE = "none"


def leg_of(district_code: str, sub_status: str = "") -> Leg:
    """The leg of a parcel whose latest non-empty district is `district_code`."""
    if sub_status in AT_CUSTOMS_SUB_STATUSES:
        return Leg.CUSTOMS
    if not district_code:
        return Leg.NONE
    return Leg.CITY if district_code.startswith(JINAN_PREFIX) else Leg.AWAY


def leg_sql(district: str, sub_status: str) -> str:
    """leg_of as a SQL expression over two columns (the lists are constants)."""
    at_customs = ", ".join(f"'{s}'" for s in sorted(AT_CUSTOMS_SUB_STATUSES))
    return (
        f"CASE WHEN {sub_status} IN ({at_customs}) THEN '{Leg.CUSTOMS.value}' "
        f"WHEN {district} = '' THEN '{Leg.NONE.value}' "
        f"WHEN {district} LIKE '{JINAN_PREFIX}%' THEN '{Leg.CITY.value}' "
        f"ELSE '{Leg.AWAY.value}' END"
    )


def threshold_of(quantile_seconds: float) -> timedelta:
    """The alert threshold of a segment whose QUANTILE gap is `quantile_seconds`."""
    return max(FLOOR, timedelta(seconds=FACTOR * quantile_seconds))


@dataclass(frozen=True, slots=True)
class Norm:
    """One segment's learned gap. `segment` is (carrier, status, leg) or (status, leg) for
    parcels, (trade mode, state) or (state,) for declarations; `scope` is parcel or
    customs."""

    scope: str
    segment: tuple[str, ...]
    samples: int
    quantile_seconds: float

    @property
    def threshold(self) -> timedelta:
        return threshold_of(self.quantile_seconds)


@dataclass(frozen=True, slots=True)
class Threshold:
    """The threshold that applies to one object, and which segment it came from ("" when
    the default applied)."""

    value: timedelta
    segment: str


class Norms:
    """Learned norms, looked up with fallbacks to the parent segment, then the default."""

    def __init__(self, norms: list[Norm]) -> None:
        self._by: dict[tuple[str, tuple[str, ...]], Norm] = {
            (n.scope, n.segment): n for n in norms if n.samples >= MIN_SAMPLES
        }
        self._memo: dict[tuple[str, tuple[str, ...]], Threshold] = {}

    def __len__(self) -> int:
        return len(self._by)

    def _first(self, scope: str, *segments: tuple[str, ...]) -> Threshold:
        memo = self._memo.get((scope, segments[0]))
        if memo is not None:
            return memo
        found = self._lookup(scope, *segments)
        self._memo[(scope, segments[0])] = found
        return found

    def _lookup(self, scope: str, *segments: tuple[str, ...]) -> Threshold:
        for segment in segments:
            norm = self._by.get((scope, segment))
            if norm is not None:
                return Threshold(norm.threshold, "/".join(segment))
        return Threshold(DEFAULT, "")

    def parcel(self, carrier: str, status: str, leg: Leg) -> Threshold:
        """Threshold of a parcel of `carrier` in `status` on `leg`."""
        return self._first("parcel", (carrier, status, leg.value), (status, leg.value))

    def customs(self, trade_mode: str, state: str) -> Threshold:
        """Threshold of an inventory of `trade_mode` in `state`."""
        return self._first("customs", (trade_mode, state), (state,))

    def lowest(self) -> timedelta:
        """No threshold is below this: objects silent for less need not be read."""
        return min(FLOOR, UNCOLLECTED, DEFAULT)


def percentile_cont(values: Sequence[float], fraction: float) -> float:
    """PostgreSQL's `percentile_cont(fraction)` of `values`, to the last bit: the same
    interpolation between the order statistics around fraction x (n - 1), in the same
    float8 steps (orderedsetaggs.c)."""
    ordered = sorted(values)
    position = fraction * (len(ordered) - 1)
    first, second = math.floor(position), math.ceil(position)
    low = ordered[first]
    if second == first:
        return low
    return low + (ordered[second] - low) * (position - first)


def gap_norms(scope: str, lists: Iterable[tuple[tuple[str, ...], Sequence[float]]]) -> list[Norm]:
    """The norms of `scope` from gaps listed per finest segment ((carrier, status, leg) or
    (trade mode, state)), a segment possibly listed more than once (once per instance):
    each segment's and each parent's (the segment less its first part) QUANTILE over all
    of its gaps, as the learning statement's grouping sets give on one instance."""
    gaps: dict[tuple[str, ...], list[float]] = {}
    for segment, seconds in lists:
        gaps.setdefault(segment, []).extend(seconds)
        gaps.setdefault(segment[1:], []).extend(seconds)
    return [
        Norm(scope, segment, len(seconds), percentile_cont(seconds, QUANTILE))
        for segment, seconds in gaps.items()
    ]
