"""Which objects are flagged at an instant: their state then, against their norm (pure)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from quanhub.ledger.alerts.model import Alert, AlertKind
from quanhub.ledger.alerts.norms import (
    CUSTOMS_DONE,
    CUSTOMS_HELD_SUB_STATUSES,
    NO_STATUS,
    PARCEL_DONE,
    PICKUP_STATUS,
    UNCOLLECTED,
    Norms,
    Threshold,
    leg_of,
)


@dataclass(frozen=True, slots=True)
class ParcelState:
    """A parcel as it stood at the instant: its status, its last scan, where it sits."""

    carrier: str
    waybill_no: str
    status: str
    sub_status: str
    since: datetime
    district: str


@dataclass(frozen=True, slots=True)
class DeclarationState:
    """An inventory as it stood at the instant: its customs state and since when."""

    declarant: str
    cop_no: str
    trade_mode: str
    status: str
    since: datetime
    district: str


def _hours(seconds: float) -> float:
    return round(seconds / 3600, 2)


def parcel_alert(state: ParcelState, norms: Norms, as_of: datetime) -> Alert | None:
    """The parcel's alert at `as_of`, or None while it is within its norm or done."""
    if state.status in PARCEL_DONE or state.status in NO_STATUS:
        return None
    if state.sub_status in CUSTOMS_HELD_SUB_STATUSES:
        return None
    if state.status == PICKUP_STATUS:
        kind, threshold = AlertKind.UNCOLLECTED, Threshold(UNCOLLECTED, "uncollected")
    else:
        kind = AlertKind.STALLED
        threshold = norms.parcel(
            state.carrier, state.status, leg_of(state.district, state.sub_status)
        )
    silent = as_of - state.since
    if silent <= threshold.value:
        return None
    return Alert(
        key=f"P|{state.carrier}|{state.waybill_no}",
        kind=kind,
        object="parcel",
        carrier=state.carrier,
        waybill_no=state.waybill_no,
        status=state.status,
        sub_status=state.sub_status,
        district=state.district,
        since=state.since,
        silent_hours=_hours(silent.total_seconds()),
        threshold_hours=_hours(threshold.value.total_seconds()),
        norm=threshold.segment,
    )


def declaration_alert(state: DeclarationState, norms: Norms, as_of: datetime) -> Alert | None:
    """The inventory's alert at `as_of`, or None while within its norm or not waiting on
    customs."""
    if state.status in CUSTOMS_DONE or state.status in NO_STATUS:
        return None
    threshold = norms.customs(state.trade_mode, state.status)
    silent = as_of - state.since
    if silent <= threshold.value:
        return None
    return Alert(
        key=f"C|{state.declarant}|{state.cop_no}",
        kind=AlertKind.CUSTOMS_STUCK,
        object="declaration",
        carrier="",
        declarant=state.declarant,
        cop_no=state.cop_no,
        trade_mode=state.trade_mode,
        status=state.status,
        district=state.district,
        since=state.since,
        silent_hours=_hours(silent.total_seconds()),
        threshold_hours=_hours(threshold.value.total_seconds()),
        norm=threshold.segment,
    )
