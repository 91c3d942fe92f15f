"""Who may publish what: each partner publishes only its own kind of event, under its own code.

platform       order events whose platform_code is the partner's code
carrier        parcel events whose carrier code (any vocabulary) names the partner's carrier
customs_agent  customs events; an agent_code, when given, must be the partner's customs
               code (or its hub code). The raw key's declarant is always the sending agent,
               so an agent can never address another agent's declaration.
others         publish nothing (NotAllowedToPublish, the whole request is refused)
"""

from __future__ import annotations

from dataclasses import dataclass

from quanhub.common.access import PUBLISHING_ROLES, Principal, Role
from quanhub.common.carriers import resolve_carrier
from quanhub.gateway.errors import NotAllowedToPublish
from quanhub.ingest.v1 import ingest_pb2

_KIND_OF_ROLE = {Role.PLATFORM: "order", Role.CARRIER: "parcel", Role.CUSTOMS_AGENT: "customs"}


@dataclass(frozen=True, slots=True)
class Refusal:
    """Why one event may not be published by this partner."""

    code: str
    message: str


def ensure_may_publish(principal: Principal) -> None:
    """Refuse the whole request when the partner's role publishes nothing."""
    if principal.role not in PUBLISHING_ROLES:
        msg = f"a {principal.role.value} partner reads from the hub and cannot publish events"
        raise NotAllowedToPublish(msg)


def carrier_of(code: str) -> str:
    """The hub carrier id a carrier code names, or the code itself upper-cased."""
    return resolve_carrier(code) or code.strip().upper()


def check_publish(principal: Principal, event: ingest_pb2.Event) -> Refusal | None:
    """None if `principal` may publish `event`, else the reason it may not."""
    kind = event.WhichOneof("body")
    allowed = _KIND_OF_ROLE.get(principal.role)
    if kind is None:
        return None  # validation reports the missing body
    if kind != allowed:
        return Refusal(
            "kind_not_allowed",
            f"a {principal.role.value} partner publishes {allowed} events only, not {kind} events",
        )
    if kind == "order" and event.order.platform_code != principal.partner_code:
        return Refusal(
            "partner_code_mismatch",
            f"order.platform_code must be your partner code {principal.partner_code!r}",
        )
    if kind == "parcel" and event.parcel.carrier_code.strip():
        own = carrier_of(principal.partner_code)
        if carrier_of(event.parcel.carrier_code) != own:
            return Refusal(
                "partner_code_mismatch",
                f"parcel.carrier_code must name your own carrier {own!r}",
            )
    if kind == "customs" and event.customs.agent_code.strip():
        own_codes = {principal.partner_code, principal.customs_code}
        if event.customs.agent_code.strip() not in own_codes:
            return Refusal(
                "partner_code_mismatch",
                "customs.agent_code must be your customs registration code",
            )
    return None
