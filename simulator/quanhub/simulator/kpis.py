"""The indicators the hub should report for a run, computed from the run's ground truth.

The ledger owns the report: its shape (quanhub.ledger.kpis.models, whose field names are a
contract), targets, duration buckets, number of rejection reasons and how a share or a
distribution is stated from its counts (`durations`: the same coarse and fine buckets the
rollups count) are imported from it. What is computed here is the
oracle: which objects fall in each cohort and what they count, from the simulator's facts
rather than from the ledger's rollups. The end-to-end test compares the two on a live hub.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from quanhub.ledger.kpis.compute import TOP_REASONS, durations, share
from quanhub.ledger.kpis.models import (
    CARRIER_VOLUME_TARGET,
    E_WAYBILL_TARGET,
    RECYCLABLE_BAG_TARGET,
    SMART_LOCKER_TARGET,
    CarrierVolume,
    CarrierVolumes,
    ClearanceGroup,
    CustomsClearance,
    CustomsRejection,
    DeliveryTimeGroup,
    KpiReport,
    Period,
    PickupToDelivery,
    ReasonCount,
)
from quanhub.simulator.facts import DeclarationFacts, Facts, ParcelFacts

Json = dict[str, Any]
#: A report's days are calendar days in the zone its period names.
_ZONE = ZoneInfo(Period.model_fields["timezone"].default)


def cst_date(at: datetime) -> date:
    """The calendar day of an instant in the reports' zone (China Standard Time)."""
    return at.astimezone(_ZONE).date()


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


def _parcel_figures(cohort: list[ParcelFacts], window: Window) -> dict[str, Any]:
    known = [p for p in cohort if p.e_waybill is not None]
    bagged = [p for p in cohort if p.transit_bag]
    events = sum(p.events for p in cohort)
    per_carrier: dict[str, list[ParcelFacts]] = {}
    for parcel in cohort:
        per_carrier.setdefault(parcel.carrier_id, []).append(parcel)
    carriers = [
        CarrierVolume(
            carrier_id=carrier_id,
            parcels=len(parcels),
            parcels_per_year=len(parcels) * 365 / window.days,
            meets_target=len(parcels) * 365 / window.days >= CARRIER_VOLUME_TARGET,
            events=sum(p.events for p in parcels),
        )
        for carrier_id, parcels in sorted(per_carrier.items(), key=lambda kv: (-len(kv[1]), kv[0]))
    ]
    return {
        "e_waybill_share": share(
            _count(known, lambda p: p.e_waybill),
            len(known),
            sum(p.events for p in known),
            E_WAYBILL_TARGET,
        ),
        "recyclable_bag_share": share(
            _count(bagged, lambda p: p.transit_bag == "RECYCLABLE"),
            len(bagged),
            sum(p.events for p in bagged),
            RECYCLABLE_BAG_TARGET,
        ),
        "exception_rate": share(_count(cohort, lambda p: p.had_exception), len(cohort), events),
        "return_rate": share(_count(cohort, lambda p: p.had_return), len(cohort), events),
        "carrier_volumes": CarrierVolumes(
            carriers_meeting_target=_count(carriers, lambda c: c.meets_target),
            carriers=carriers,
            events=events,
            status="ok" if cohort else "no_data",
        ),
    }


def _delivery_figures(delivered: list[ParcelFacts]) -> dict[str, Any]:
    pointed = [p for p in delivered if p.point.value]
    timed = [
        p
        for p in delivered
        if p.picked_up_at is not None
        and p.delivered_at is not None
        and p.delivered_at >= p.picked_up_at
    ]
    groups: dict[tuple[str, str], list[tuple[int, int]]] = {}
    overall = []
    for p in timed:
        item = (_seconds(p.picked_up_at, p.delivered_at), p.events)  # type: ignore[arg-type]
        overall.append(item)
        groups.setdefault((p.district.value, p.carrier_id), []).append(item)
    return {
        "smart_locker_share": share(
            _count(pointed, lambda p: p.point.value == "SMART_LOCKER"),
            len(pointed),
            sum(p.events for p in pointed),
            SMART_LOCKER_TARGET,
        ),
        "pickup_to_delivery": PickupToDelivery(
            overall=durations(overall),
            groups=[
                DeliveryTimeGroup(
                    district_code=district, carrier_id=carrier, distribution=durations(items)
                )
                for (district, carrier), items in sorted(groups.items())
            ],
        ),
    }


def _customs_figures(
    declared: list[DeclarationFacts], released: list[DeclarationFacts]
) -> dict[str, Any]:
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
        "customs_clearance": CustomsClearance(
            overall=durations(overall),
            by_trade_mode=[
                ClearanceGroup(trade_mode=mode, distribution=durations(items))
                for mode, items in sorted(by_mode.items())
            ],
        ),
        "customs_rejection": CustomsRejection(
            rate=share(
                _count(answered, lambda d: d.rejected),
                len(answered),
                sum(d.events for d in answered),
            ),
            top_reasons=[ReasonCount(reason=r, declarations=n) for r, n in top],
        ),
    }


def kpi_report(facts: Facts, window: Window) -> Json:
    """Every indicator for one period (and optionally one district), as GET /v1/kpis
    answers it (JSON)."""
    parcels = list(facts.parcels.values())
    cohort = [p for p in parcels if window.holds(p.first_at, p.district.value)]
    delivered = [p for p in parcels if window.holds(p.delivered_at, p.district.value)]
    declarations = list(facts.declarations.values())
    declared = [d for d in declarations if window.holds(d.declared_at, d.district.value)]
    released = [
        d
        for d in declarations
        if d.document == "INVENTORY"
        and d.released_at is not None
        and d.declared_at is not None
        and d.released_at >= d.declared_at
        and window.holds(d.released_at, d.district.value)
    ]
    report = KpiReport(
        period=Period(
            from_date=window.from_date,
            to_date=window.to_date,
            days=window.days,
            district=window.district,
        ),
        **_parcel_figures(cohort, window),
        **_delivery_figures(delivered),
        **_customs_figures(declared, released),
    )
    return report.model_dump(mode="json")
