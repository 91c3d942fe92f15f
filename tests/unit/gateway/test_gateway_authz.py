"""Each partner publishes only its own kind of event under its own code."""

from __future__ import annotations

import pytest

from quanhub.common.access import Principal, Role
from quanhub.common.access.publishing import check_publish
from quanhub.gateway.authz import ensure_may_publish
from quanhub.gateway.errors import NotAllowedToPublish
from quanhub.ingest.v1 import ingest_pb2 as ipb

TMALL = Principal("TMALL", Role.PLATFORM, "Tmall", "3701PT0001")
SF = Principal("SF", Role.CARRIER, "SF", "3701LG0001")
AGENT = Principal("JNAGENT", Role.CUSTOMS_AGENT, "Agent", "3701AG0001")


def _order(platform: str) -> ipb.Event:
    return ipb.Event(event_id="o", order=ipb.OrderEvent(platform_code=platform, order_no="1"))


def _parcel(carrier: str) -> ipb.Event:
    return ipb.Event(event_id="p", parcel=ipb.ParcelEvent(carrier_code=carrier, waybill_no="W1"))


def _customs(agent_code: str = "") -> ipb.Event:
    return ipb.Event(
        event_id="c", customs=ipb.CustomsEvent(message_type="CEB621", agent_code=agent_code)
    )


@pytest.mark.parametrize(
    ("principal", "event"),
    [
        (TMALL, _order("TMALL")),
        (SF, _parcel("SF")),
        (SF, _parcel("shunfeng")),  # Kuaidi100 code of the same carrier
        (SF, _parcel(" sf ")),
        (AGENT, _customs()),
        (AGENT, _customs("3701AG0001")),
        (AGENT, _customs("JNAGENT")),
    ],
)
def test_own_events_are_allowed(principal: Principal, event: ipb.Event) -> None:
    assert check_publish(principal, event) is None


@pytest.mark.parametrize(
    ("principal", "event", "code"),
    [
        (SF, _order("TMALL"), "kind_not_allowed"),
        (SF, _order("SF"), "kind_not_allowed"),
        (SF, _parcel("ZTO"), "partner_code_mismatch"),
        (SF, _parcel("zhongtong"), "partner_code_mismatch"),
        (SF, _customs(), "kind_not_allowed"),
        (TMALL, _order("JD"), "partner_code_mismatch"),
        (TMALL, _order("tmall"), "partner_code_mismatch"),
        (TMALL, _parcel("SF"), "kind_not_allowed"),
        (AGENT, _customs("3701AG0002"), "partner_code_mismatch"),
        (AGENT, _order("TMALL"), "kind_not_allowed"),
    ],
)
def test_foreign_events_are_refused(principal: Principal, event: ipb.Event, code: str) -> None:
    refusal = check_publish(principal, event)
    assert refusal is not None
    assert refusal.code == code


@pytest.mark.parametrize("role", [Role.ANALYST, Role.CUSTOMS_LIAISON, Role.ADMIN])
def test_reading_roles_cannot_publish(role: Role) -> None:
    with pytest.raises(NotAllowedToPublish):
        ensure_may_publish(Principal("X1", role, "x"))
    ensure_may_publish(SF)


def test_reading_roles_are_refused_event_by_event_too() -> None:
    refusal = check_publish(Principal("X1", Role.ANALYST, "x"), _order("X1"))
    assert refusal is not None
    assert refusal.code == "role_cannot_publish"
