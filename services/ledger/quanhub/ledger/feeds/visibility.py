"""Which ledger events a partner's feed carries, as one SQL predicate over `ledger_events e`.

    carrier          its parcels' events; orders shipped with it (the order names it, or an
                     order-parcel link does); customs events of declarations that name it
                     (resolved carrier id, or its customs registration code as
                     logistics_code); and whatever it published itself
    platform         its orders' events; tracking of its orders' parcels (the scan names the
                     order, or a link does); customs events of declarations whose ebp_code
                     is its customs code (or its partner code); what it published
    customs_agent    customs events of the declarations it filed
    customs_liaison  every customs event (declaration status changes)
    admin            everything
    analyst          nothing (aggregates only)

Visibility is decided when an event is read: a customs receipt read before anything links
it to a carrier is not in that carrier's feed, even if a later message links it.
The query API's object rules are the reference; this module states the same rules for a
stream of events (merge them into one module when the ledger's predicates land).
"""

from __future__ import annotations

from quanhub.common.access.model import Principal, Role

_CARRIER = """(
    e.source_partner = ${code}
    OR (e.kind = 'parcel' AND e.carrier_id = ${code})
    OR (e.kind = 'order' AND (e.carrier_id = ${code} OR EXISTS (
        SELECT 1 FROM order_parcels op
        WHERE op.platform_code = e.platform_code AND op.order_no = e.order_no
          AND op.carrier_id = ${code})))
    OR (e.kind = 'customs' AND (e.carrier_id = ${code} OR EXISTS (
        SELECT 1 FROM declarations d
        WHERE d.declaration_id = e.declaration_id
          AND (d.carrier_id = ${code} OR d.logistics_code = ${customs}))))
)"""

_PLATFORM = """(
    e.source_partner = ${code}
    OR (e.kind = 'order' AND e.platform_code = ${code})
    OR (e.kind = 'parcel' AND (e.platform_code = ${code} OR EXISTS (
        SELECT 1 FROM order_parcels op
        WHERE op.carrier_id = e.carrier_id AND op.waybill_no = e.waybill_no
          AND op.platform_code = ${code})))
    OR (e.kind = 'customs' AND EXISTS (
        SELECT 1 FROM declarations d
        WHERE d.declaration_id = e.declaration_id
          AND (d.ebp_code = ${customs} OR d.ebp_code = ${code})))
)"""

_CUSTOMS_AGENT = "(e.kind = 'customs' AND (e.declarant = ${code} OR e.source_partner = ${code}))"


def receives_events(principal: Principal) -> bool:
    """Whether the role has a feed at all (analysts read aggregates only)."""
    return principal.role is not Role.ANALYST


def feed_predicate(principal: Principal, first_param: int) -> tuple[str, list[object]]:
    """SQL over `ledger_events e` and its positional arguments, numbered from `first_param`."""
    code, customs = f"${first_param}", f"${first_param + 1}"
    # NULL (not "") when there is no customs code, so it never equals an empty column.
    both: list[object] = [principal.partner_code, principal.customs_code]
    if principal.role is Role.CARRIER:
        return _CARRIER.replace("${code}", code).replace("${customs}", customs), both
    if principal.role is Role.PLATFORM:
        return _PLATFORM.replace("${code}", code).replace("${customs}", customs), both
    if principal.role is Role.CUSTOMS_AGENT:
        return _CUSTOMS_AGENT.replace("${code}", code), [principal.partner_code]
    if principal.role is Role.ADMIN:
        return "TRUE", []
    if principal.role is Role.CUSTOMS_LIAISON:
        return "(e.kind = 'customs')", []
    return "FALSE", []
