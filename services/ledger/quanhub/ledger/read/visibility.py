"""Who may see what, as SQL predicates built from the caller's Principal.

The trust rule (docs/ledger.md, "Visibility"): every object has an owner (an order its
platform, a parcel its carrier, a declaration its declarant), and a link reveals an object
only when that owner asserted the link. A one-sided claim by the other side is kept and
shown to the claimant as unconfirmed, but widens nobody's view.

- platform: its orders (platform_code = its code), the parcels whose carrier named one of
  its orders (order_parcels.from_parcel), and the declarations naming it as ebp_code (by
  its code or its customs registration code);
- carrier: its parcels (carrier_id = its code), the orders whose platform named one of its
  waybills (order_parcels.from_order), and the declarations naming it as logistics
  enterprise;
- customs_agent: the declarations it sent; never an order or parcel (no order or parcel
  event names a customs agent, so no owner ever shares one with it);
- customs_liaison: every declaration, and the orders and parcels one names;
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
#: Roles entitled to every declaration and what declarations name (the customs authority).
ENTITLED_ROLES = frozenset({Role.ADMIN, Role.CUSTOMS_LIAISON})


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


def _names_platform(principal: Principal, d: str, params: Params) -> str:
    customs = principal.customs_code or principal.partner_code
    return f"{d}.ebp_code IN ({params.add(principal.partner_code)}, {params.add(customs)})"


def _names_carrier(principal: Principal, d: str, params: Params) -> str:
    code, customs = principal.partner_code, principal.customs_code or principal.partner_code
    return (
        f"({d}.carrier_id = {params.add(code)} "
        f"OR {d}.logistics_code IN ({params.add(code)}, {params.add(customs)}))"
    )


def declaration_visible(principal: Principal, d: str, params: Params) -> str:
    """Predicate on a declarations row aliased `d`: its declarant, the platform and the
    carrier it names (the declarant shares its document with them), entitled roles."""
    role = principal.role
    if role in ENTITLED_ROLES:
        return "true"
    if role is Role.CUSTOMS_AGENT:
        return f"{d}.declarant = {params.add(principal.partner_code)}"
    if role is Role.PLATFORM:
        return _names_platform(principal, d, params)
    if role is Role.CARRIER:
        return _names_carrier(principal, d, params)
    return "false"


def declaration_confirmed(principal: Principal, d: str, params: Params) -> str:
    """SQL boolean on a declarations row aliased `d`: what it names is confirmed to the
    reader. For a platform, the order it names exists and is the platform's; for a
    carrier, the parcel it names exists and is the carrier's; for entitled roles, an order
    or parcel it names exists. Its declarant is never told (whether an order or parcel of
    someone else exists is not the declarant's to learn), nor is anyone else."""
    role, code = principal.role, principal.partner_code
    if role in ENTITLED_ROLES:
        return (
            f"(EXISTS (SELECT 1 FROM orders co WHERE {declaration_matches_order(d, 'co')}) "
            f"OR EXISTS (SELECT 1 FROM parcels cp WHERE {declaration_matches_parcel(d, 'cp')}))"
        )
    if role is Role.PLATFORM:
        return (
            f"({_names_platform(principal, d, params)} AND EXISTS (SELECT 1 FROM orders co "
            f"WHERE co.platform_code = {params.add(code)} AND co.order_no = {d}.order_no))"
        )
    if role is Role.CARRIER:
        return (
            f"({_names_carrier(principal, d, params)} AND EXISTS (SELECT 1 FROM parcels cp "
            f"WHERE cp.carrier_id = {params.add(code)} AND cp.waybill_no = {d}.logistics_no))"
        )
    return "false"


def link_visible(principal: Principal, op: str, params: Params) -> str:
    """Predicate on an order_parcels row aliased `op`: the caller is one side of the link
    (it asserted it, or the other side shared it with it), or entitled. A link tells its
    reader only that it exists and who asserted it, never the other side's contents."""
    role, code = principal.role, principal.partner_code
    if role in ENTITLED_ROLES:
        return "true"
    if role is Role.PLATFORM:
        return f"{op}.platform_code = {params.add(code)}"
    if role is Role.CARRIER:
        return f"{op}.carrier_id = {params.add(code)}"
    return "false"


def link_confirmed(op: str) -> str:
    """SQL boolean on an order_parcels row aliased `op`: both sides asserted the link."""
    return f"({op}.from_order AND {op}.from_parcel)"


def parcel_visible(principal: Principal, p: str, params: Params) -> str:
    """Predicate on a parcels row aliased `p` (columns carrier_id, waybill_no)."""
    role, code = principal.role, principal.partner_code
    if role is Role.ADMIN:
        return "true"
    if role is Role.CARRIER:
        return f"{p}.carrier_id = {params.add(code)}"
    if role is Role.PLATFORM:
        # Only the carrier's own assertion (from_parcel) shares its parcel with a platform.
        return (
            "EXISTS (SELECT 1 FROM order_parcels vp WHERE vp.carrier_id = "
            f"{p}.carrier_id AND vp.waybill_no = {p}.waybill_no "
            f"AND vp.platform_code = {params.add(code)} AND vp.from_parcel)"
        )
    if role is Role.CUSTOMS_LIAISON:
        return f"EXISTS (SELECT 1 FROM declarations vd WHERE {declaration_matches_parcel('vd', p)})"
    return "false"


def order_visible(principal: Principal, o: str, params: Params) -> str:
    """Predicate on an orders row aliased `o` (columns platform_code, order_no)."""
    role, code = principal.role, principal.partner_code
    if role is Role.ADMIN:
        return "true"
    if role is Role.PLATFORM:
        return f"{o}.platform_code = {params.add(code)}"
    if role is Role.CARRIER:
        # Only the platform's own assertion (from_order) shares its order with a carrier.
        return (
            "EXISTS (SELECT 1 FROM order_parcels vo WHERE vo.platform_code = "
            f"{o}.platform_code AND vo.order_no = {o}.order_no "
            f"AND vo.carrier_id = {params.add(code)} AND vo.from_order)"
        )
    if role is Role.CUSTOMS_LIAISON:
        return f"EXISTS (SELECT 1 FROM declarations vd WHERE {declaration_matches_order('vd', o)})"
    return "false"
