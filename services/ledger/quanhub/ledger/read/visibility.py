"""Who may see what, as SQL predicates built from the caller's Principal.

- platform: its orders (platform_code = its code), the parcels linked to them, and the
  declarations whose ebp_code is its code or its customs registration code;
- carrier: its parcels (carrier_id = its code), the orders shipped with them, and the
  customs status of those parcels (declarations naming it as logistics enterprise);
- customs_agent: the declarations it sent, and the orders and parcels they link to;
- customs_liaison: every declaration, and the orders and parcels linked to one;
- analyst: indicators only (no object routes);
- admin: everything.

Linked objects inside a response pass through their own predicate too, so a response
never carries an object its caller could not fetch directly. An object the caller may not
see is answered exactly like one that does not exist (404).
"""

# Table aliases come from code; every caller value is a bound parameter (Params).
# ruff: noqa: S608

from __future__ import annotations

from quanhub.common.access import Principal, Role
from quanhub.ledger.errors import Forbidden
from quanhub.ledger.read.params import Params

#: Roles that may read objects (orders, parcels, declarations); analysts read KPIs only.
OBJECT_ROLES = frozenset(
    {Role.PLATFORM, Role.CARRIER, Role.CUSTOMS_AGENT, Role.CUSTOMS_LIAISON, Role.ADMIN}
)


def require_object_access(principal: Principal) -> None:
    """Forbidden unless the caller's role may read objects at all."""
    if principal.role not in OBJECT_ROLES:
        raise Forbidden(f"the {principal.role.value} role may read indicators only")


def declaration_matches_order(d: str, o: str) -> str:
    """Declaration `d` belongs to order `o`: order_no + ebp_code (registry-resolved)."""
    return (
        f"{d}.order_no = {o}.order_no AND ({d}.ebp_code = {o}.platform_code OR {d}.ebp_code IN "
        f"(SELECT customs_code FROM partners WHERE code = {o}.platform_code))"
    )


def declaration_matches_parcel(d: str, p: str) -> str:
    """Declaration `d` covers parcel `p`: logistics_code + logistics_no, the code resolved
    through the registry or the normalizer's carrier resolution."""
    return (
        f"{d}.logistics_no = {p}.waybill_no AND ({d}.carrier_id = {p}.carrier_id "
        f"OR {d}.logistics_code = {p}.carrier_id OR {d}.logistics_code IN "
        f"(SELECT customs_code FROM partners WHERE code = {p}.carrier_id))"
    )


def declaration_visible(principal: Principal, d: str, params: Params) -> str:
    """Predicate on a declarations row aliased `d`."""
    role, code = principal.role, principal.partner_code
    if role in (Role.ADMIN, Role.CUSTOMS_LIAISON):
        return "true"
    if role is Role.CUSTOMS_AGENT:
        return f"{d}.declarant = {params.add(code)}"
    customs = principal.customs_code or code
    if role is Role.PLATFORM:
        return f"{d}.ebp_code IN ({params.add(code)}, {params.add(customs)})"
    if role is Role.CARRIER:
        return (
            f"({d}.carrier_id = {params.add(code)} "
            f"OR {d}.logistics_code IN ({params.add(code)}, {params.add(customs)}))"
        )
    return "false"


def parcel_visible(principal: Principal, p: str, params: Params) -> str:
    """Predicate on a parcels row aliased `p` (columns carrier_id, waybill_no)."""
    role, code = principal.role, principal.partner_code
    if role is Role.ADMIN:
        return "true"
    if role is Role.CARRIER:
        return f"{p}.carrier_id = {params.add(code)}"
    if role is Role.PLATFORM:
        return (
            "EXISTS (SELECT 1 FROM order_parcels vp WHERE vp.carrier_id = "
            f"{p}.carrier_id AND vp.waybill_no = {p}.waybill_no "
            f"AND vp.platform_code = {params.add(code)})"
        )
    if role in (Role.CUSTOMS_LIAISON, Role.CUSTOMS_AGENT):
        return (
            f"EXISTS (SELECT 1 FROM declarations vd WHERE {declaration_matches_parcel('vd', p)}"
            f" AND {declaration_visible(principal, 'vd', params)})"
        )
    return "false"


def order_visible(principal: Principal, o: str, params: Params) -> str:
    """Predicate on an orders row aliased `o` (columns platform_code, order_no)."""
    role, code = principal.role, principal.partner_code
    if role is Role.ADMIN:
        return "true"
    if role is Role.PLATFORM:
        return f"{o}.platform_code = {params.add(code)}"
    if role is Role.CARRIER:
        return (
            "EXISTS (SELECT 1 FROM order_parcels vo WHERE vo.platform_code = "
            f"{o}.platform_code AND vo.order_no = {o}.order_no "
            f"AND vo.carrier_id = {params.add(code)})"
        )
    if role in (Role.CUSTOMS_LIAISON, Role.CUSTOMS_AGENT):
        return (
            f"EXISTS (SELECT 1 FROM declarations vd WHERE {declaration_matches_order('vd', o)}"
            f" AND {declaration_visible(principal, 'vd', params)})"
        )
    return "false"
