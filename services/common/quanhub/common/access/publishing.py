"""Who may publish what, for the gateway and for partners' own Kafka topics alike.

    platform       order events whose platform_code is the partner's code
    carrier        parcel events whose carrier code (any vocabulary) names the partner's carrier
                   (its partner code: a hub carrier id, never an alias, see own_carrier)
    customs_agent  customs events; an agent_code, when given, must be the partner's customs
                   code (or its hub code). The raw key's declarant is always the sending agent,
                   so an agent can never address another agent's declaration.
    others         publish nothing

Pure: the normalizer calls `check_publish` with the Principal of a partner topic's owner.
"""

from __future__ import annotations

from dataclasses import dataclass

from quanhub.common.access.model import Principal, Role
from quanhub.common.carriers import resolve_carrier
from quanhub.ingest.v1 import ingest_pb2

#: The one kind of event each publishing role sends.
KIND_OF_ROLE = {Role.PLATFORM: "order", Role.CARRIER: "parcel", Role.CUSTOMS_AGENT: "customs"}


@dataclass(frozen=True, slots=True)
class Refusal:
    """Why one event may not be published by this partner (`code` is machine-readable)."""

    code: str
    message: str


def carrier_of(code: str) -> str:
    """The hub carrier id a carrier code names, or the code itself upper-cased."""
    return resolve_carrier(code) or code.strip().upper()


def own_carrier(principal: Principal) -> str:
    """The carrier whose parcels a carrier partner publishes: its own code. A partner code
    that is another carrier's alias (`ZHONGTONG` for ZTO, registered before the registry
    refused such codes) speaks for no carrier: "", which no parcel's carrier resolves to."""
    code = principal.partner_code
    return code if resolve_carrier(code) in {None, code} else ""


def check_publish(principal: Principal, event: ingest_pb2.Event) -> Refusal | None:
    """None if `principal` may publish `event`, else the reason it may not.

    Codes: `role_cannot_publish`, `kind_not_allowed`, `partner_code_mismatch`. An event
    without a body passes here; validation reports it.
    """
    kind = event.WhichOneof("body")
    allowed = KIND_OF_ROLE.get(principal.role)
    if allowed is None:
        return Refusal("role_cannot_publish", f"a {principal.role.value} partner cannot publish")
    if kind is None:
        return None
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
        own = own_carrier(principal)
        if carrier_of(event.parcel.carrier_code) != own:
            return Refusal(
                "partner_code_mismatch", f"parcel.carrier_code must name your own carrier {own!r}"
            )
    agent_code = event.customs.agent_code.strip() if kind == "customs" else ""
    if agent_code and agent_code not in {principal.partner_code, principal.customs_code}:
        return Refusal(
            "partner_code_mismatch", "customs.agent_code must be your customs registration code"
        )
    return None
