"""Parcel and order views: current state, linked objects and one merged timeline.

Each view is one SQL statement (the object, its visible links and its timeline as arrays),
so an answer is one consistent snapshot without an explicit transaction, and one round
trip. Links are found through indexes only: declarations of an order by
`declarations_order_idx` and, through the order's `order_parcels`, by
`declarations_logistics_idx`, never by one join whose `OR` defeats both.

A view lists the links its caller is a side of (quanhub.ledger.read.visibility), each with
who asserted it; the object on the other side appears only when the caller may read it.
An order's consignment and timeline take in its confirmed parcels only (both sides assert
the link), so one side's claim never becomes part of the other's order.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from asyncpg import Record

from quanhub.common.access import Principal
from quanhub.ledger.errors import NotFound
from quanhub.ledger.read import convert
from quanhub.ledger.read.params import Params, Reader
from quanhub.ledger.read.visibility import (
    declaration_confirmed,
    declaration_matches_order,
    declaration_matches_parcel,
    declaration_visible,
    link_confirmed,
    link_visible,
    order_visible,
    parcel_visible,
)

_DONE_CUSTOMS = frozenset({"RELEASED", "CLOSED"})


# The statements are SQL templates. Their slots hold fixed fragments only: the visibility
# predicates of read.visibility (over aliases chosen here, every caller value a bound
# parameter from Params), the matching rules and timeline columns, and other templates.

#: Timeline rows (convert.TIMELINE_COLUMNS of alias `e`) of the visible events `{where}`
#: selects from `{source}`.
_EVENTS = "SELECT {columns} FROM {source} WHERE {where} AND {projected}"

#: Ids of the declarations in the array `{declarations}` whose claim is confirmed to the
#: caller (`{confirmed}`: visibility.declaration_confirmed over alias `x`).
_CONFIRMED_IDS = "ARRAY(SELECT x.declaration_id FROM unnest({declarations}) x WHERE {confirmed})"

#: One parcel ($1 carrier, $2 waybill) and its linked orders, links, declarations and
#: timeline; the `*_visible` and `{confirmed}` slots are the caller's predicates.
_PARCEL = (
    "SELECT p.*, "
    "ARRAY(SELECT o FROM order_parcels op JOIN orders o ON o.platform_code = op.platform_code"
    " AND o.order_no = op.order_no WHERE {of_parcel} "
    "AND {order_visible} "
    "ORDER BY o.platform_code, o.order_no) AS linked_orders, "
    "ARRAY(SELECT op FROM order_parcels op WHERE {of_parcel} "
    "AND {link_visible} "
    "ORDER BY op.platform_code, op.order_no) AS linked_links, "
    "lds.declarations AS linked_customs, "
    "{confirmed} AS confirmed_customs, "
    "ARRAY(SELECT t FROM ({timeline}) t ORDER BY t.status_time, t.seq) AS linked_timeline "
    "FROM parcels p "
    "CROSS JOIN LATERAL (SELECT ARRAY(SELECT d FROM declarations d "
    "WHERE {declares_parcel} "
    "AND {declaration_visible} ORDER BY d.declared_at) "
    "AS declarations OFFSET 0) lds "
    "WHERE p.carrier_id = $1::text AND p.waybill_no = $2::text "
    "AND {parcel_visible}"
)
_OF_PARCEL = "op.carrier_id = p.carrier_id AND op.waybill_no = p.waybill_no"

#: Declarations of the order `o`: by order_no + ebp_code, or covering one of its confirmed
#: parcels; each branch is an index lookup, the IN that reads it removes a declaration
#: found by both.
_ORDER_DECLARATIONS = (
    "SELECT d1.declaration_id FROM declarations d1 "
    "WHERE {declares_order} "
    "UNION ALL SELECT d2.declaration_id FROM order_parcels op JOIN declarations d2 "
    "ON {declares_parcel} WHERE {of_order} "
    "AND {link_confirmed}"
)
_OF_ORDER = "op.platform_code = o.platform_code AND op.order_no = o.order_no"
#: The parcel `lp` is one of the order's confirmed parcels.
_CONFIRMED_PARCEL = (
    "EXISTS (SELECT 1 FROM order_parcels cl WHERE cl.platform_code = o.platform_code "
    "AND cl.order_no = o.order_no AND cl.carrier_id = lp.carrier_id "
    "AND cl.waybill_no = lp.waybill_no AND {link_confirmed})"
)

#: One order ($1 platform, $2 order number) and its parcels, declarations, links and
#: merged timeline. OFFSET 0 keeps each lateral one evaluation (the planner would
#: otherwise inline the array's subquery again where the timeline reads it).
_ORDER = (
    "SELECT o.*, lps.parcels AS linked_parcels, lds.declarations AS linked_declarations, "
    "ARRAY(SELECT op FROM order_parcels op WHERE {of_order} "
    "AND {link_visible} "
    "ORDER BY op.carrier_id, op.waybill_no) AS linked_links, "
    "{confirmed} AS confirmed_declarations, "
    "ARRAY(SELECT t FROM ({timeline}) t ORDER BY t.status_time, t.seq) "
    "AS linked_timeline FROM orders o "
    "CROSS JOIN LATERAL (SELECT ARRAY(SELECT p FROM order_parcels op JOIN parcels p "
    "ON p.carrier_id = op.carrier_id AND p.waybill_no = op.waybill_no "
    "WHERE {of_order} AND {parcel_visible} "
    "ORDER BY p.first_event_at) AS parcels OFFSET 0) lps "
    "CROSS JOIN LATERAL (SELECT ARRAY(SELECT d FROM declarations d "
    "WHERE d.declaration_id IN ({declarations}) AND {declaration_visible} "
    "ORDER BY d.declared_at) AS declarations OFFSET 0) lds "
    "WHERE o.platform_code = $1::text AND o.order_no = $2::text "
    "AND {order_visible}"
)


def _events(where: str, source: str = "ledger_events e") -> str:
    """Timeline rows (convert.TIMELINE_COLUMNS of alias `e`) of the visible events `where`
    selects."""
    columns, projected = convert.timeline_columns("e"), convert.projected("e")
    return _EVENTS.format(columns=columns, source=source, where=where, projected=projected)


_PARCEL_TIMELINE = _events(
    "e.kind = 'parcel' AND e.carrier_id = p.carrier_id AND e.waybill_no = p.waybill_no"
)
#: The order's events, its confirmed parcels' and its declarations'.
_ORDER_TIMELINE = " UNION ALL ".join(
    (
        _events(
            "e.kind = 'order' AND e.platform_code = o.platform_code AND e.order_no = o.order_no"
        ),
        _events(
            "e.kind = 'parcel' AND e.carrier_id = lp.carrier_id "
            "AND e.waybill_no = lp.waybill_no AND "
            + _CONFIRMED_PARCEL.format(link_confirmed=link_confirmed("cl")),
            "unnest(lps.parcels) AS lp JOIN ledger_events e ON true",
        ),
        _events(
            "e.kind = 'customs' AND e.declaration_id = ld.declaration_id",
            "unnest(lds.declarations) AS ld JOIN ledger_events e ON true",
        ),
    )
)
_DECLARATIONS_OF_ORDER = _ORDER_DECLARATIONS.format(
    declares_order=declaration_matches_order("d1", "o"),
    declares_parcel=declaration_matches_parcel("d2", "op"),
    of_order=_OF_ORDER,
    link_confirmed=link_confirmed("op"),
)


def _confirmed_ids(principal: Principal, declarations: str, params: Params) -> str:
    """SQL array: ids of the declarations in the array `declarations` whose claim is
    confirmed to the caller (visibility.declaration_confirmed)."""
    confirmed = declaration_confirmed(principal, "x", params)
    return _CONFIRMED_IDS.format(declarations=declarations, confirmed=confirmed)


def parcel_sql(principal: Principal, carrier_id: str, waybill_no: str) -> tuple[str, Params]:
    """The parcel (its columns), with arrays `linked_orders`, `linked_customs` (table rows),
    `linked_links` (order_parcels rows the caller is a side of), `confirmed_customs` (ids)
    and `linked_timeline` (timeline tuples, in event-time order)."""
    params = Params()
    params.add(carrier_id)  # $1
    params.add(waybill_no)  # $2
    # The caller's predicates, bound in the order they appear in the statement.
    order = order_visible(principal, "o", params)
    link = link_visible(principal, "op", params)
    confirmed = _confirmed_ids(principal, "lds.declarations", params)
    declaration = declaration_visible(principal, "d", params)
    parcel = parcel_visible(principal, "p", params)
    sql = _PARCEL.format(
        of_parcel=_OF_PARCEL,
        order_visible=order,
        link_visible=link,
        confirmed=confirmed,
        timeline=_PARCEL_TIMELINE,
        declares_parcel=declaration_matches_parcel("d", "p"),
        declaration_visible=declaration,
        parcel_visible=parcel,
    )
    return sql, params


async def get_parcel(
    conn: Reader, principal: Principal, carrier_id: str, waybill_no: str
) -> dict[str, Any]:
    """A parcel with its timeline, linked orders and customs status (a ParcelView's fields);
    NotFound if unseen."""
    sql, params = parcel_sql(principal, carrier_id, waybill_no)
    row = await conn.fetchrow(sql, *params.values)
    if row is None:
        raise NotFound(f"no parcel {waybill_no} of carrier {carrier_id}")
    return parcel_answer(
        row,
        orders=row["linked_orders"],
        links=convert.Links(row["linked_links"]),
        declarations=row["linked_customs"],
        confirmed=set(row["confirmed_customs"]),
        timeline=row["linked_timeline"],
    )


def parcel_answer(
    row: Record,
    *,
    orders: Sequence[Record],
    links: convert.Links,
    declarations: Sequence[Record],
    confirmed: set[Any],
    timeline: Sequence[tuple[Any, ...]],
) -> dict[str, Any]:
    """A ParcelView's fields: the parcel `row`, its visible linked orders, the links its
    caller is a side of, its visible declarations (`confirmed`: ids confirmed to the
    caller) and its timeline tuples, in event-time order."""
    key = (row["carrier_id"], row["waybill_no"])
    return {
        **convert.parcel_fields(row),
        "first_event_at": row["first_event_at"],
        "platform_code": row["platform_code"],
        "order_no": row["order_no"],
        "orders": [
            convert.order_fields(o) | links.status((o["platform_code"], o["order_no"], *key))
            for o in orders
        ],
        "customs": [convert.linked_declaration_fields(d, confirmed) for d in declarations],
        "timeline": [convert.timeline_fields(t) for t in timeline],
        "links": links.fields({(o["platform_code"], o["order_no"], *key) for o in orders}),
    }


def order_sql(principal: Principal, platform_code: str, order_no: str) -> tuple[str, Params]:
    """The order (its columns), with arrays `linked_parcels`, `linked_declarations` (table
    rows), `linked_links` (order_parcels rows the caller is a side of),
    `confirmed_declarations` (ids) and `linked_timeline` (the order's, its visible
    confirmed parcels' and its visible declarations' events, in event-time order)."""
    params = Params()
    params.add(platform_code)  # $1
    params.add(order_no)  # $2
    # The caller's predicates, bound in the order they appear in the statement.
    link = link_visible(principal, "op", params)
    confirmed = _confirmed_ids(principal, "lds.declarations", params)
    parcel = parcel_visible(principal, "p", params)
    declaration = declaration_visible(principal, "d", params)
    order = order_visible(principal, "o", params)
    sql = _ORDER.format(
        of_order=_OF_ORDER,
        link_visible=link,
        confirmed=confirmed,
        timeline=_ORDER_TIMELINE,
        parcel_visible=parcel,
        declarations=_DECLARATIONS_OF_ORDER,
        declaration_visible=declaration,
        order_visible=order,
    )
    return sql, params


def consignment(order: Record, parcels: list[Record], declarations: list[Record]) -> dict[str, Any]:
    """The shipment at a glance, and whether it is complete (a Consignment's fields)."""
    parcel_statuses = {f"{p['carrier_id']}/{p['waybill_no']}": p["status"] for p in parcels}
    declaration_statuses = {
        f"{d['document']}:{d['declarant']}/{d['cop_no']}": d["status"] for d in declarations
    }
    delivered = bool(parcels) and all(s == "DELIVERED" for s in parcel_statuses.values())
    cleared = not order["trade_mode"] or any(
        d["document"] == "INVENTORY" and d["status"] in _DONE_CUSTOMS for d in declarations
    )
    return {
        "order_status": order["status"],
        "parcel_statuses": parcel_statuses,
        "declaration_statuses": declaration_statuses,
        "complete": delivered and cleared,
    }


async def get_order(
    conn: Reader, principal: Principal, platform_code: str, order_no: str
) -> dict[str, Any]:
    """An order with its parcels, declarations and merged timeline (an OrderView's fields);
    NotFound if unseen."""
    sql, params = order_sql(principal, platform_code, order_no)
    row = await conn.fetchrow(sql, *params.values)
    if row is None:
        raise NotFound(f"no order {order_no} of platform {platform_code}")
    return order_answer(
        row,
        parcels=row["linked_parcels"],
        declarations=row["linked_declarations"],
        links=convert.Links(row["linked_links"]),
        confirmed=set(row["confirmed_declarations"]),
        timeline=row["linked_timeline"],
    )


def order_answer(
    row: Record,
    *,
    parcels: Sequence[Record],
    declarations: Sequence[Record],
    links: convert.Links,
    confirmed: set[Any],
    timeline: Sequence[tuple[Any, ...]],
) -> dict[str, Any]:
    """An OrderView's fields: the order `row`, its visible parcels, its visible
    declarations (`confirmed`: ids confirmed to the caller), the links its caller is a
    side of and the merged timeline tuples, in event-time order."""
    key = (row["platform_code"], row["order_no"])
    linked = [(p, links.status((*key, p["carrier_id"], p["waybill_no"]))) for p in parcels]
    detail = convert.as_json(row["detail"])
    return {
        **convert.order_fields(row, detail),
        "first_event_at": row["first_event_at"],
        "buyer": convert.party_fields(detail.get("buyer")),
        "consignee": convert.party_fields(detail.get("consignee")),
        "lines": convert.line_fields(detail.get("lines")),
        "parcels": [convert.parcel_fields(p) | status for p, status in linked],
        "declarations": [convert.linked_declaration_fields(d, confirmed) for d in declarations],
        "consignment": consignment(
            row, [p for p, status in linked if status["confirmed"]], list(declarations)
        ),
        "timeline": [convert.timeline_fields(t) for t in timeline],
        "links": links.fields({(*key, p["carrier_id"], p["waybill_no"]) for p in parcels}),
    }
