"""Parcel and order views: current state, linked objects and one merged timeline."""

# Aliases and column lists come from code; caller values are bound parameters (Params).
# ruff: noqa: S608

from __future__ import annotations

import uuid

from asyncpg import Record

from quanhub.common.access import Principal
from quanhub.ledger.api.schemas import Consignment, OrderView, ParcelView, TimelineEntry
from quanhub.ledger.errors import NotFound
from quanhub.ledger.read import convert
from quanhub.ledger.read.params import Params
from quanhub.ledger.read.visibility import (
    declaration_matches_order,
    declaration_matches_parcel,
    declaration_visible,
    order_visible,
    parcel_visible,
)
from quanhub.ledger.store.writer import AnyConnection

_DONE_CUSTOMS = frozenset({"RELEASED", "CLOSED"})


async def timeline(
    conn: AnyConnection,
    *,
    order: tuple[str, str] | None = None,
    parcels: list[tuple[str, str]] | None = None,
    declarations: list[uuid.UUID] | None = None,
) -> list[TimelineEntry]:
    """Every event of the given objects, in event-time order (seq breaks ties)."""
    params = Params()
    parts: list[str] = []
    cols = convert.TIMELINE_COLUMNS
    if order is not None:
        parts.append(
            f"SELECT {cols} FROM ledger_events WHERE kind = 'order' "
            f"AND platform_code = {params.add(order[0])} AND order_no = {params.add(order[1])}"
        )
    if parcels:
        carriers, waybills = (
            params.add([c for c, _ in parcels]),
            params.add([w for _, w in parcels]),
        )
        parts.append(
            f"SELECT {cols} FROM ledger_events e JOIN unnest({carriers}::text[], "
            f"{waybills}::text[]) AS k(c, w) ON e.kind = 'parcel' AND e.carrier_id = k.c "
            "AND e.waybill_no = k.w"
        )
    if declarations:
        parts.append(
            f"SELECT {cols} FROM ledger_events WHERE kind = 'customs' "
            f"AND declaration_id = ANY({params.add(declarations)}::uuid[])"
        )
    if not parts:
        return []
    sql = " UNION ALL ".join(f"({part})" for part in parts) + " ORDER BY status_time, seq"
    return [convert.timeline_entry(r) for r in await conn.fetch(sql, *params.values)]


async def get_parcel(
    conn: AnyConnection, principal: Principal, carrier_id: str, waybill_no: str
) -> ParcelView:
    """A parcel with its timeline, linked orders and customs status; NotFound if unseen."""
    params = Params()
    key = params.row(carrier_id=carrier_id, waybill_no=waybill_no)
    row = await conn.fetchrow(
        f"SELECT p.* FROM parcels p, {key} k WHERE p.carrier_id = k.carrier_id "
        f"AND p.waybill_no = k.waybill_no AND {parcel_visible(principal, 'p', params)}",
        *params.values,
    )
    if row is None:
        raise NotFound(f"no parcel {waybill_no} of carrier {carrier_id}")
    params = Params()
    key = params.row(carrier_id=carrier_id, waybill_no=waybill_no)
    orders = await conn.fetch(
        f"SELECT o.* FROM {key} k JOIN order_parcels op USING (carrier_id, waybill_no) "
        "JOIN orders o ON o.platform_code = op.platform_code AND o.order_no = op.order_no "
        f"WHERE {order_visible(principal, 'o', params)} ORDER BY o.platform_code, o.order_no",
        *params.values,
    )
    params = Params()
    key = params.row(carrier_id=carrier_id, waybill_no=waybill_no)
    customs = await conn.fetch(
        f"SELECT d.* FROM {key} k JOIN declarations d "
        f"ON {declaration_matches_parcel('d', 'k')} "
        f"WHERE {declaration_visible(principal, 'd', params)} ORDER BY d.declared_at",
        *params.values,
    )
    summary = convert.parcel_summary(row)
    return ParcelView(
        **summary.model_dump(),
        first_event_at=row["first_event_at"],
        platform_code=row["platform_code"],
        order_no=row["order_no"],
        orders=[convert.order_summary(o) for o in orders],
        customs=[convert.declaration_summary(d) for d in customs],
        timeline=await timeline(conn, parcels=[(carrier_id, waybill_no)]),
    )


async def _order_links(
    conn: AnyConnection, principal: Principal, platform_code: str, order_no: str
) -> tuple[list[Record], list[Record]]:
    params = Params()
    key = params.row(platform_code=platform_code, order_no=order_no)
    parcels = await conn.fetch(
        f"SELECT p.* FROM {key} k JOIN order_parcels op USING (platform_code, order_no) "
        "JOIN parcels p ON p.carrier_id = op.carrier_id AND p.waybill_no = op.waybill_no "
        f"WHERE {parcel_visible(principal, 'p', params)} ORDER BY p.first_event_at",
        *params.values,
    )
    params = Params()
    key = params.row(platform_code=platform_code, order_no=order_no)
    declarations = await conn.fetch(
        f"SELECT d.* FROM {key} k JOIN declarations d "
        f"ON {declaration_matches_order('d', 'k')} OR EXISTS (SELECT 1 FROM order_parcels op "
        "WHERE op.platform_code = k.platform_code AND op.order_no = k.order_no "
        f"AND {declaration_matches_parcel('d', 'op')}) "
        f"WHERE {declaration_visible(principal, 'd', params)} ORDER BY d.declared_at",
        *params.values,
    )
    return parcels, declarations


def consignment(order: Record, parcels: list[Record], declarations: list[Record]) -> Consignment:
    """The shipment at a glance, and whether it is complete."""
    parcel_statuses = {f"{p['carrier_id']}/{p['waybill_no']}": p["status"] for p in parcels}
    declaration_statuses = {
        f"{d['document']}:{d['declarant']}/{d['cop_no']}": d["status"] for d in declarations
    }
    delivered = bool(parcels) and all(s == "DELIVERED" for s in parcel_statuses.values())
    cleared = not order["trade_mode"] or any(
        d["document"] == "INVENTORY" and d["status"] in _DONE_CUSTOMS for d in declarations
    )
    return Consignment(
        order_status=order["status"],
        parcel_statuses=parcel_statuses,
        declaration_statuses=declaration_statuses,
        complete=delivered and cleared,
    )


async def get_order(
    conn: AnyConnection, principal: Principal, platform_code: str, order_no: str
) -> OrderView:
    """An order with its parcels, declarations and merged timeline; NotFound if unseen."""
    params = Params()
    key = params.row(platform_code=platform_code, order_no=order_no)
    row = await conn.fetchrow(
        f"SELECT o.* FROM orders o, {key} k WHERE o.platform_code = k.platform_code "
        f"AND o.order_no = k.order_no AND {order_visible(principal, 'o', params)}",
        *params.values,
    )
    if row is None:
        raise NotFound(f"no order {order_no} of platform {platform_code}")
    parcels, declarations = await _order_links(conn, principal, platform_code, order_no)
    detail = convert.as_json(row["detail"])
    events = await timeline(
        conn,
        order=(platform_code, order_no),
        parcels=[(p["carrier_id"], p["waybill_no"]) for p in parcels],
        declarations=[d["declaration_id"] for d in declarations],
    )
    return OrderView(
        **convert.order_summary(row).model_dump(),
        first_event_at=row["first_event_at"],
        buyer=convert.party(detail.get("buyer")),
        consignee=convert.party(detail.get("consignee")),
        lines=convert.lines(detail.get("lines")),
        parcels=[convert.parcel_summary(p) for p in parcels],
        declarations=[convert.declaration_summary(d) for d in declarations],
        consignment=consignment(row, parcels, declarations),
        timeline=events,
    )
