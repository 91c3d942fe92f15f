"""Which ledger events a partner's feed carries, as one SQL predicate over `ledger_events e`.

Built from the query API's object predicates (`quanhub.ledger.read.visibility`), so a feed
carries an event exactly when its caller could fetch the object the event is about:

    parcel event   the parcel is visible (carrier: its own; platform: its carrier named
                   one of the platform's orders in a scan)
    order event    the order is visible (platform: its own; carrier: the platform named
                   one of the carrier's waybills in the order)
    customs event  the declaration is visible (carrier: names it as logistics enterprise;
                   platform: its ebp_code; customs agent: it declared it)
    insight        (hub-authored, kind 'insight') exactly as an event of the object it is
                   about: a parcel's (carrier_id, waybill_no) by the parcel rule, a
                   declaration's (declaration_id) by the declaration rule; an incident
                   (a carrier's flow in a district: carrier_id, no waybill) to that
                   carrier, and to the city's roles (customs liaison, admin)

So a feed follows the trust rule of the object routes: a link widens a feed only when the
owner of the object revealed asserted it; one side's claim about another's object (a
parcel naming an order, an order naming a waybill, a declaration naming either) brings
nothing of that object into the claimant's feed, and a customs agent's feed carries its
own declarations only.

Narrower than the object rules in two places: a customs liaison's feed carries declaration
status changes only (not the orders and parcels linked to them), and analysts get no feed.
Visibility is decided when an event is read: a customs receipt read before anything links
it to a carrier is not in that carrier's feed; later events of the declaration are.
"""

from __future__ import annotations

from quanhub.common.access.model import Principal, Role
from quanhub.ledger.read.params import Params
from quanhub.ledger.read.visibility import declaration_visible, order_visible, parcel_visible

#: A partner's feed over `ledger_events e`: the object predicates of read.visibility (fixed
#: fragments over aliases chosen here; every caller value a bound parameter).
#: Which object an insight row is about: a declaration names it by id, a parcel by its
#: waybill, an incident by its carrier alone.
_DECLARATION_INSIGHT = "(e.kind = 'insight' AND e.declaration_id IS NOT NULL)"
_INCIDENT_INSIGHT = "(e.kind = 'insight' AND e.declaration_id IS NULL AND e.waybill_no = '')"
_PARTNER_FEED = (
    "(((e.kind = 'parcel' OR (e.kind = 'insight' AND e.declaration_id IS NULL"
    " AND e.waybill_no <> '')) AND {parcel})"
    " OR (e.kind = 'order' AND {order})"
    " OR ((e.kind = 'customs' OR (e.kind = 'insight' AND e.declaration_id IS NOT NULL))"
    " AND EXISTS (SELECT 1 FROM declarations fd"
    " WHERE fd.declaration_id = e.declaration_id"
    " AND {declaration}))"
    " OR ((e.kind = 'insight' AND e.declaration_id IS NULL AND e.waybill_no = '')"
    " AND {incident}))"
)


def receives_events(principal: Principal) -> bool:
    """Whether the role has a feed at all (analysts read aggregates only)."""
    return principal.role is not Role.ANALYST


def feed_predicate(principal: Principal, params: Params) -> str:
    """SQL over `ledger_events e`; caller values are bound into `params`."""
    role = principal.role
    if role is Role.ADMIN:
        return "true"
    if role is Role.CUSTOMS_LIAISON:
        return f"(e.kind = 'customs' OR {_DECLARATION_INSIGHT} OR {_INCIDENT_INSIGHT})"
    if not receives_events(principal):
        return "false"
    # Bound in this order: the parcel's, the order's, the declaration's, the incident's.
    parcel = parcel_visible(principal, "e", params)
    order = order_visible(principal, "e", params)
    declaration = declaration_visible(principal, "fd", params)
    # A carrier's incidents are its own; no other partner's.
    incident = (
        f"e.carrier_id = {params.add(principal.partner_code)}" if role is Role.CARRIER else "false"
    )
    return _PARTNER_FEED.format(
        parcel=parcel, order=order, declaration=declaration, incident=incident
    )
