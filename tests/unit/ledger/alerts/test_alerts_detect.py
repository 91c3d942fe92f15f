"""Which parcels and declarations alert, with which threshold (pure)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from quanhub.ledger.alerts.detect import (
    DeclarationState,
    ParcelState,
    declaration_alert,
    parcel_alert,
)
from quanhub.ledger.alerts.model import AlertKind
from quanhub.ledger.alerts.norms import (
    DEFAULT,
    FLOOR,
    MIN_SAMPLES,
    Leg,
    Norm,
    Norms,
    leg_of,
    threshold_of,
)

AT = datetime(2026, 11, 10, 12, tzinfo=UTC)
H = timedelta(hours=1)
HOUR = 3600.0

NORMS = Norms(
    [
        Norm("parcel", ("SF", "IN_TRANSIT", "city"), MIN_SAMPLES, 10 * HOUR),  # 30 h
        Norm("parcel", ("IN_TRANSIT", "city"), 500, 4 * HOUR),  # floor: 24 h
        Norm("parcel", ("ZTO", "IN_TRANSIT", "away"), MIN_SAMPLES - 1, 1 * HOUR),  # thin
        Norm("parcel", ("IN_TRANSIT", "away"), 900, 20 * HOUR),  # 60 h
        Norm("customs", ("1210", "ACCEPTED"), 80, 0.5 * HOUR),  # floor
        Norm("customs", ("RELEASED",), 200, 70 * HOUR),  # 210 h
    ]
)


def _parcel(status: str, silent: timedelta, **kw: str) -> ParcelState:
    fields = {"carrier": "SF", "sub_status": "UNSPECIFIED", "district": "370112"} | kw
    return ParcelState(
        fields["carrier"], "W1", status, fields["sub_status"], AT - silent, fields["district"]
    )


def test_threshold_is_three_times_the_quantile_never_below_the_floor() -> None:
    assert threshold_of(10 * HOUR) == 30 * H
    assert threshold_of(2 * HOUR) == FLOOR


@pytest.mark.parametrize(
    ("district", "sub_status", "leg"),
    [
        ("370112", "UNSPECIFIED", Leg.CITY),
        ("440306", "LINE_HAUL", Leg.AWAY),
        ("", "LINE_HAUL", Leg.NONE),
        ("370105", "CUSTOMS_CLEARING", Leg.CUSTOMS),
        ("370105", "HANDED_TO_CUSTOMS", Leg.CUSTOMS),
        ("370105", "CUSTOMS_CLEARED", Leg.CITY),
    ],
)
def test_leg(district: str, sub_status: str, leg: Leg) -> None:
    assert leg_of(district, sub_status) is leg


def test_a_carriers_own_norm_wins_and_thin_segments_borrow_their_parents() -> None:
    assert NORMS.parcel("SF", "IN_TRANSIT", Leg.CITY).value == 30 * H
    assert NORMS.parcel("YTO", "IN_TRANSIT", Leg.CITY).value == FLOOR
    thin = NORMS.parcel("ZTO", "IN_TRANSIT", Leg.AWAY)
    assert (thin.value, thin.segment) == (60 * H, "IN_TRANSIT/away")
    unknown = NORMS.parcel("SF", "EXCEPTION", Leg.CITY)
    assert (unknown.value, unknown.segment) == (DEFAULT, "")


def test_a_parcel_alerts_once_silent_beyond_its_norm() -> None:
    assert parcel_alert(_parcel("IN_TRANSIT", 30 * H), NORMS, AT) is None
    alert = parcel_alert(_parcel("IN_TRANSIT", 30 * H + timedelta(seconds=1)), NORMS, AT)
    assert alert is not None
    assert (alert.key, alert.kind, alert.norm) == (
        "P|SF|W1",
        AlertKind.STALLED,
        "SF/IN_TRANSIT/city",
    )
    assert alert.since == AT - 30 * H - timedelta(seconds=1)
    assert alert.threshold_hours == 30.0


def test_a_pickup_parcel_is_uncollected_after_48_hours_whatever_the_norms() -> None:
    assert parcel_alert(_parcel("AVAILABLE_FOR_PICKUP", 48 * H), NORMS, AT) is None
    alert = parcel_alert(_parcel("AVAILABLE_FOR_PICKUP", 49 * H), NORMS, AT)
    assert alert is not None
    assert alert.kind is AlertKind.UNCOLLECTED


@pytest.mark.parametrize("status", ["DELIVERED", "RETURNED", "CANCELLED", "RETURNING", "UNKNOWN"])
def test_parcels_awaited_by_nobody_never_alert(status: str) -> None:
    assert parcel_alert(_parcel(status, 1000 * H), NORMS, AT) is None


@pytest.mark.parametrize("sub_status", ["CUSTOMS_EXCEPTION", "CUSTOMS_HOLD"])
def test_a_parcel_held_by_a_customs_decision_is_the_declarations_matter(sub_status: str) -> None:
    held = _parcel("EXCEPTION", 1000 * H, sub_status=sub_status)
    assert parcel_alert(held, NORMS, AT) is None


def test_a_declaration_stuck_in_a_customs_state() -> None:
    accepted = DeclarationState("JNAGENT", "C1", "1210", "ACCEPTED", AT - 25 * H, "370102")
    alert = declaration_alert(accepted, NORMS, AT)
    assert alert is not None
    assert (alert.key, alert.kind, alert.norm) == (
        "C|JNAGENT|C1",
        AlertKind.CUSTOMS_STUCK,
        "1210/ACCEPTED",
    )
    released = DeclarationState("JNAGENT", "C2", "9610", "RELEASED", AT - 200 * H, "370102")
    assert declaration_alert(released, NORMS, AT) is None


@pytest.mark.parametrize("state", ["CLOSED", "DETAINED", "REJECTED", "ERROR", "RETURNED"])
def test_declarations_not_waiting_on_customs_never_alert(state: str) -> None:
    ended = DeclarationState("JNAGENT", "C1", "1210", state, AT - 1000 * H, "370102")
    assert declaration_alert(ended, NORMS, AT) is None
