"""The indicators the hub should report for a run, in the shape of the ledger's GET /v1/kpis.

The shape and the definitions are the ledger's (quanhub.ledger.kpis.models, whose field
names are a contract); they are mirrored here, not imported, because services never import
each other. A unit test checks the field names against the ledger model's JSON schema, and
the end-to-end test compares the values with a live hub.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from quanhub.simulator.facts import DeclarationFacts, Facts, ParcelFacts

DURATION_BUCKETS_HOURS: tuple[int, ...] = (12, 24, 48, 72, 120)
E_WAYBILL_TARGET = 0.99
RECYCLABLE_BAG_TARGET = 0.70
SMART_LOCKER_TARGET = 0.10
CARRIER_VOLUME_TARGET = 10_000_000
TOP_REASONS = 5
_CST = timedelta(hours=8)

Json = dict[str, Any]


def cst_date(at: datetime) -> date:
    """The calendar day in China Standard Time of an instant."""
    return (at + _CST).date()


def share(numerator: int, denominator: int, events: int, target: float | None = None) -> Json:
    """A ShareFigure: null share (and status no_data) when nothing is in the denominator."""
    value = numerator / denominator if denominator else None
    return {
        "numerator": numerator,
        "denominator": denominator,
        "share": value,
        "target": target,
        "meets_target": None if value is None or target is None else value >= target,
        "events": events,
        "status": "ok" if denominator else "no_data",
    }


def _quantile(buckets: list[Json], count: int, q: float) -> float | None:
    """Linear interpolation inside the histogram bucket that holds the q-quantile."""
    if not count:
        return None
    target = q * count
    seen = 0
    for bucket in buckets:
        n: int = bucket["count"]
        if n and seen + n >= target:
            lower: int = bucket["lower_hours"]
            upper: int | None = bucket["upper_hours"]
            if upper is None:
                return float(lower)
            return lower + (target - seen) / n * (upper - lower)
        seen += n
    return None


def distribution(durations: list[tuple[int, int]]) -> Json:
    """A Distribution of (whole seconds, events) pairs."""
    edges = [0, *DURATION_BUCKETS_HOURS]
    buckets: list[Json] = [
        {"lower_hours": lower, "upper_hours": edges[i + 1] if i + 1 < len(edges) else None,
         "count": 0}
        for i, lower in enumerate(edges)
    ]  # fmt: skip
    for seconds, _ in durations:
        index = sum(1 for edge in DURATION_BUCKETS_HOURS if seconds >= edge * 3600)
        buckets[index]["count"] += 1
    count = len(durations)
    return {
        "count": count,
        "mean_hours": sum(s for s, _ in durations) / count / 3600 if count else None,
        "p50_hours": _quantile(buckets, count, 0.5),
        "p90_hours": _quantile(buckets, count, 0.9),
        "buckets": buckets,
        "events": sum(e for _, e in durations),
        "status": "ok" if count else "no_data",
    }


def _seconds(start: datetime, end: datetime) -> int:
    """Whole seconds between two instants, rounded down (as the ledger stores durations)."""
    return int((end - start).total_seconds() // 1)


@dataclass(frozen=True, slots=True)
class Window:
    """The period (CST days, inclusive) and the optional district prefix of a report."""

    from_date: date
    to_date: date
    district: str | None = None

    @property
    def days(self) -> int:
        """Calendar days in the period."""
        return (self.to_date - self.from_date).days + 1

    def holds(self, at: datetime | None, district: str) -> bool:
        """True when `at` falls in the period and `district` matches the filter."""
        if at is None or not self.from_date <= cst_date(at) <= self.to_date:
            return False
        return self.district is None or (bool(district) and district.startswith(self.district))


def _count(items: Iterable[Any], test: Callable[[Any], bool]) -> int:
    return sum(1 for item in items if test(item))


def _parcel_figures(cohort: list[ParcelFacts], window: Window) -> Json:
    known = [p for p in cohort if p.e_waybill is not None]
    bagged = [p for p in cohort if p.transit_bag]
    events = sum(p.events for p in cohort)
    per_carrier: dict[str, list[ParcelFacts]] = {}
    for parcel in cohort:
        per_carrier.setdefault(parcel.carrier_id, []).append(parcel)
    carriers = []
    for carrier_id, parcels in sorted(per_carrier.items(), key=lambda kv: (-len(kv[1]), kv[0])):
        per_year = len(parcels) * 365 / window.days
        carriers.append({
            "carrier_id": carrier_id,
            "parcels": len(parcels),
            "parcels_per_year": per_year,
            "meets_target": per_year >= CARRIER_VOLUME_TARGET,
            "events": sum(p.events for p in parcels),
        })  # fmt: skip
    return {
        "e_waybill_share": share(
            _count(known, lambda p: p.e_waybill), len(known), sum(p.events for p in known),
            E_WAYBILL_TARGET,
        ),
        "recyclable_bag_share": share(
            _count(bagged, lambda p: p.transit_bag == "RECYCLABLE"), len(bagged),
            sum(p.events for p in bagged), RECYCLABLE_BAG_TARGET,
        ),
        "exception_rate": share(_count(cohort, lambda p: p.had_exception), len(cohort), events),
        "return_rate": share(_count(cohort, lambda p: p.had_return), len(cohort), events),
        "carrier_volumes": {
            "target_per_year": CARRIER_VOLUME_TARGET,
            "target_carriers": "9-12",
            "carriers_meeting_target": _count(carriers, lambda c: c["meets_target"]),
            "carriers": carriers,
            "events": events,
            "status": "ok" if cohort else "no_data",
        },
    }  # fmt: skip


def _delivery_figures(delivered: list[ParcelFacts]) -> Json:
    pointed = [p for p in delivered if p.point.value]
    timed = [
        p for p in delivered
        if p.picked_up_at is not None and p.delivered_at is not None
        and p.delivered_at >= p.picked_up_at
    ]  # fmt: skip
    groups: dict[tuple[str, str], list[tuple[int, int]]] = {}
    overall = []
    for p in timed:
        item = (_seconds(p.picked_up_at, p.delivered_at), p.events)  # type: ignore[arg-type]
        overall.append(item)
        groups.setdefault((p.district.value, p.carrier_id), []).append(item)
    return {
        "smart_locker_share": share(
            _count(pointed, lambda p: p.point.value == "SMART_LOCKER"), len(pointed),
            sum(p.events for p in pointed), SMART_LOCKER_TARGET,
        ),
        "pickup_to_delivery": {
            "overall": distribution(overall),
            "groups": [
                {"district_code": district, "carrier_id": carrier,
                 "distribution": distribution(items)}
                for (district, carrier), items in sorted(groups.items())
            ],
        },
    }  # fmt: skip


def _customs_figures(declared: list[DeclarationFacts], released: list[DeclarationFacts]) -> Json:
    answered = [d for d in declared if d.receipts > 0]
    reasons = Counter(reason for d in answered if d.rejected for reason in d.reasons)
    by_mode: dict[str, list[tuple[int, int]]] = {}
    overall = []
    for d in released:
        item = (_seconds(d.declared_at, d.released_at), d.events)  # type: ignore[arg-type]
        overall.append(item)
        by_mode.setdefault(d.trade_mode.value, []).append(item)
    top = sorted(reasons.items(), key=lambda kv: (-kv[1], kv[0]))[:TOP_REASONS]
    return {
        "customs_clearance": {
            "overall": distribution(overall),
            "by_trade_mode": [
                {"trade_mode": mode, "distribution": distribution(items)}
                for mode, items in sorted(by_mode.items())
            ],
        },
        "customs_rejection": {
            "rate": share(
                _count(answered, lambda d: d.rejected), len(answered),
                sum(d.events for d in answered),
            ),
            "top_reasons": [{"reason": r, "declarations": n} for r, n in top],
        },
    }  # fmt: skip


def kpi_report(facts: Facts, window: Window) -> Json:
    """Every indicator for one period (and optionally one district), as GET /v1/kpis."""
    parcels = list(facts.parcels.values())
    cohort = [p for p in parcels if window.holds(p.first_at, p.district.value)]
    delivered = [p for p in parcels if window.holds(p.delivered_at, p.district.value)]
    declarations = list(facts.declarations.values())
    declared = [d for d in declarations if window.holds(d.declared_at, d.district.value)]
    released = [
        d for d in declarations
        if d.document == "INVENTORY" and d.released_at is not None and d.declared_at is not None
        and d.released_at >= d.declared_at and window.holds(d.released_at, d.district.value)
    ]  # fmt: skip
    return {
        "period": {
            "from_date": window.from_date.isoformat(),
            "to_date": window.to_date.isoformat(),
            "days": window.days,
            "district": window.district,
            "timezone": "Asia/Shanghai",
        },
        **_parcel_figures(cohort, window),
        **_delivery_figures(delivered),
        **_customs_figures(declared, released),
    }
