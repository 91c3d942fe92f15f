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


# The fragments below are SQL templates: `{d}`, `{o}`, `{p}`, `{op}` are table aliases the
# callers choose in code, `{code}` and `{customs}` placeholders ($n) that Params hands out,
# `{names}`, `{matches}`, `{order}` and `{parcel}` other fragments of this module. No
# caller value is ever formatted into one.

#: Declaration `{d}` belongs to order `{o}`: order_no + ebp_code (registry-resolved).
_DECLARATION_MATCHES_ORDER = (
    "{d}.order_no = {o}.order_no AND ({d}.ebp_code = {o}.platform_code OR {d}.ebp_code IN "
    "(SELECT customs_code FROM partners WHERE code = {o}.platform_code))"
)
#: Declaration `{d}` covers parcel `{p}`: logistics_code + logistics_no.
_DECLARATION_MATCHES_PARCEL = (
    "{d}.logistics_no = {p}.waybill_no AND ({d}.carrier_id = {p}.carrier_id "
    "OR {d}.logistics_code = {p}.carrier_id OR {d}.logistics_code IN "
    "(SELECT customs_code FROM partners WHERE code = {p}.carrier_id))"
)
_NAMES_PLATFORM = "{d}.ebp_code IN ({code}, {customs})"
# The carrier's code is bound once per comparison (two placeholders).
_NAMES_CARRIER = "({d}.carrier_id = {code} OR {d}.logistics_code IN ({code_again}, {customs}))"
_DECLARANT_IS = "{d}.declarant = {code}"
_CONFIRMED_TO_ENTITLED = (
    "(EXISTS (SELECT 1 FROM orders co WHERE {order}) "
    "OR EXISTS (SELECT 1 FROM parcels cp WHERE {parcel}))"
)
_CONFIRMED_TO_PLATFORM = (
    "({names} AND EXISTS (SELECT 1 FROM orders co "
    "WHERE co.platform_code = {code} AND co.order_no = {d}.order_no))"
)
_CONFIRMED_TO_CARRIER = (
    "({names} AND EXISTS (SELECT 1 FROM parcels cp "
    "WHERE cp.carrier_id = {code} AND cp.waybill_no = {d}.logistics_no))"
)
_PLATFORM_OF = "{o}.platform_code = {code}"
_CARRIER_OF = "{p}.carrier_id = {code}"
_LINK_CONFIRMED = "({op}.from_order AND {op}.from_parcel)"
# Only the carrier's own assertion (from_parcel) shares its parcel with a platform.
_PARCEL_SHARED_WITH_PLATFORM = (
    "EXISTS (SELECT 1 FROM order_parcels vp WHERE vp.carrier_id = "
    "{p}.carrier_id AND vp.waybill_no = {p}.waybill_no "
    "AND vp.platform_code = {code} AND vp.from_parcel)"
)
# Only the platform's own assertion (from_order) shares its order with a carrier.
_ORDER_SHARED_WITH_CARRIER = (
    "EXISTS (SELECT 1 FROM order_parcels vo WHERE vo.platform_code = "
    "{o}.platform_code AND vo.order_no = {o}.order_no "
    "AND vo.carrier_id = {code} AND vo.from_order)"
)
_NAMED_BY_A_DECLARATION = "EXISTS (SELECT 1 FROM declarations vd WHERE {matches})"


def declaration_matches_order(d: str, o: str) -> str:
    """Declaration `d` belongs to order `o`: order_no + ebp_code (registry-resolved)."""
    return _DECLARATION_MATCHES_ORDER.format(d=d, o=o)


def declaration_matches_parcel(d: str, p: str) -> str:
    """Declaration `d` covers parcel `p`: logistics_code + logistics_no, the code resolved
    through the registry or the normalizer's carrier resolution."""
    return _DECLARATION_MATCHES_PARCEL.format(d=d, p=p)


def _names_platform(principal: Principal, d: str, params: Params) -> str:
    customs = principal.customs_code or principal.partner_code
    code = params.add(principal.partner_code)
    return _NAMES_PLATFORM.format(d=d, code=code, customs=params.add(customs))


def _names_carrier(principal: Principal, d: str, params: Params) -> str:
    code, customs = principal.partner_code, principal.customs_code or principal.partner_code
    first, again = params.add(code), params.add(code)
    return _NAMES_CARRIER.format(d=d, code=first, code_again=again, customs=params.add(customs))


def declaration_visible(principal: Principal, d: str, params: Params) -> str:
    """Predicate on a declarations row aliased `d`: its declarant, the platform and the
    carrier it names (the declarant shares its document with them), entitled roles."""
    role = principal.role
    if role in ENTITLED_ROLES:
        return "true"
    if role is Role.CUSTOMS_AGENT:
        return _DECLARANT_IS.format(d=d, code=params.add(principal.partner_code))
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
        return _CONFIRMED_TO_ENTITLED.format(
            order=declaration_matches_order(d, "co"), parcel=declaration_matches_parcel(d, "cp")
        )
    if role is Role.PLATFORM:
        names = _names_platform(principal, d, params)
        return _CONFIRMED_TO_PLATFORM.format(names=names, code=params.add(code), d=d)
    if role is Role.CARRIER:
        names = _names_carrier(principal, d, params)
        return _CONFIRMED_TO_CARRIER.format(names=names, code=params.add(code), d=d)
    return "false"


def link_visible(principal: Principal, op: str, params: Params) -> str:
    """Predicate on an order_parcels row aliased `op`: the caller is one side of the link
    (it asserted it, or the other side shared it with it), or entitled. A link tells its
    reader only that it exists and who asserted it, never the other side's contents."""
    role, code = principal.role, principal.partner_code
    if role in ENTITLED_ROLES:
        return "true"
    if role is Role.PLATFORM:
        return _PLATFORM_OF.format(o=op, code=params.add(code))
    if role is Role.CARRIER:
        return _CARRIER_OF.format(p=op, code=params.add(code))
    return "false"


def link_confirmed(op: str) -> str:
    """SQL boolean on an order_parcels row aliased `op`: both sides asserted the link."""
    return _LINK_CONFIRMED.format(op=op)


def parcel_visible(principal: Principal, p: str, params: Params) -> str:
    """Predicate on a parcels row aliased `p` (columns carrier_id, waybill_no)."""
    role, code = principal.role, principal.partner_code
    if role is Role.ADMIN:
        return "true"
    if role is Role.CARRIER:
        return _CARRIER_OF.format(p=p, code=params.add(code))
    if role is Role.PLATFORM:
        return _PARCEL_SHARED_WITH_PLATFORM.format(p=p, code=params.add(code))
    if role is Role.CUSTOMS_LIAISON:
        return _NAMED_BY_A_DECLARATION.format(matches=declaration_matches_parcel("vd", p))
    return "false"


def order_visible(principal: Principal, o: str, params: Params) -> str:
    """Predicate on an orders row aliased `o` (columns platform_code, order_no)."""
    role, code = principal.role, principal.partner_code
    if role is Role.ADMIN:
        return "true"
    if role is Role.PLATFORM:
        return _PLATFORM_OF.format(o=o, code=params.add(code))
    if role is Role.CARRIER:
        return _ORDER_SHARED_WITH_CARRIER.format(o=o, code=params.add(code))
    if role is Role.CUSTOMS_LIAISON:
        return _NAMED_BY_A_DECLARATION.format(matches=declaration_matches_order("vd", o))
    return "false"
