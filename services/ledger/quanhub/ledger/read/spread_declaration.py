"""One customs declaration when the ledger's shards live on several PostgreSQL instances.

A declaration's id names no shard, so each instance is asked for it (the primary key; one
holds it). Its receipts are read where it lives; what it links is looked for on every
instance, as read.spread does for views: orders by order number and ebp code (through
home's registry), parcels by logistics number and through those orders' links, sibling
documents by order or shipment, each under the caller's visibility decided over every
instance; the buyer's yearly import figures are summed over the instances. The answer is
read.customs.get_declaration's on one instance holding everything.
"""

from __future__ import annotations

import asyncio
import uuid
from decimal import Decimal
from typing import Any

from asyncpg import Record

from quanhub.common.access import Principal
from quanhub.ledger.errors import NotFound
from quanhub.ledger.read import convert
from quanhub.ledger.read.customs import (
    YearFigures,
    buyer_year,
    declaration_answer,
    latest_siblings,
)
from quanhub.ledger.read.params import Params
from quanhub.ledger.read.spread import Instances, Reads, global_seqs, reads_of
from quanhub.ledger.read.visibility import (
    declaration_matches_order,
    declaration_matches_parcel,
    declaration_visible,
    order_visible,
    parcel_visible,
)

#: The declaration ($n: `{ident}`) when the caller may read it.
_DECLARATION = "SELECT d.* FROM declarations d WHERE d.declaration_id = {ident} AND {visible}"
#: The declaration's naming columns as a one-row relation `d` (text placeholders).
_NAMES = (
    "(VALUES ({order_no}::text, {ebp_code}::text, {logistics_no}::text, "
    "{logistics_code}::text, {carrier_id}::text)) "
    "AS d(order_no, ebp_code, logistics_no, logistics_code, carrier_id)"
)
#: Orders the declaration names (order_no + ebp_code, registry-resolved).
_ORDERS = "SELECT o.* FROM {names} JOIN orders o ON {declares_order}"
#: Parcels the declaration covers (logistics number and code).
_PARCELS = "SELECT p.carrier_id, p.waybill_no FROM {names} JOIN parcels p ON {declares_parcel}"
#: Parcels linked to the orders ($1, $2: text[]).
_LINKED = (
    "SELECT op.carrier_id, op.waybill_no FROM unnest($1::text[], $2::text[]) "
    "AS k(platform_code, order_no) JOIN order_parcels op "
    "ON op.platform_code = k.platform_code AND op.order_no = k.order_no"
)
#: Each declarant's latest sibling of each kind the caller may read (read.customs).
_SIBLINGS = (
    "SELECT s.* FROM {names} CROSS JOIN LATERAL (SELECT s.* FROM declarations s "
    "WHERE s.declaration_id IN ({latest})) s"
)
#: The declaration's visible receipts ($1), each with its shard's seq.
_RECEIPTS = (
    "SELECT e.seq, e.event_id, e.message_type, e.return_status, e.return_time, "
    "e.return_info, e.status FROM ledger_events e WHERE e.kind = 'customs' "
    "AND e.declaration_id = $1 AND e.is_receipt AND {projected}"
)


def _names(row: Record, params: Params) -> str:
    """_NAMES over the declaration `row`'s values."""
    columns = ("order_no", "ebp_code", "logistics_no", "logistics_code", "carrier_id")
    return _NAMES.format(**{c: params.add(row[c]) for c in columns})


async def _find(reads: Reads, principal: Principal, ident: uuid.UUID) -> tuple[Record, int]:
    """The declaration and its instance; NotFound when none holds it for the caller."""

    def build(params: Params) -> str:
        at = params.add(ident)
        return _DECLARATION.format(ident=at, visible=declaration_visible(principal, "d", params))

    count = len(reads.instances.readers)
    parts = await asyncio.gather(*(reads.on(i, build) for i in range(count)))
    for instance, rows in enumerate(parts):
        if rows:
            return rows[0], instance
    raise NotFound(f"no declaration {ident}")


async def _orders(reads: Reads, row: Record) -> tuple[list[Record], Record | None]:
    """Every order the declaration names, and the first (by first event) the caller may
    read."""

    def build(params: Params) -> str:
        names = _names(row, params)
        return _ORDERS.format(names=names, declares_order=declaration_matches_order("d", "o"))

    orders = await reads.everywhere(build)
    keys = [(o["platform_code"], o["order_no"]) for o in orders]
    visible = await reads.holding(order_visible, ("platform_code", "order_no"), keys)
    shown = [o for o in orders if (o["platform_code"], o["order_no"]) in visible]
    return orders, min(shown, key=lambda o: o["first_event_at"], default=None)


async def _parcels(reads: Reads, row: Record, orders: list[Record]) -> list[Record]:
    """The parcels the declaration covers or its orders ship, that the caller may read,
    by first event."""

    def build(params: Params) -> str:
        names = _names(row, params)
        return _PARCELS.format(names=names, declares_parcel=declaration_matches_parcel("d", "p"))

    instances = reads.instances
    count = len(instances.readers)
    platforms, numbers = [o["platform_code"] for o in orders], [o["order_no"] for o in orders]
    covered, *linked = await asyncio.gather(
        reads.everywhere(build),
        *(instances.fetch(i, _LINKED, platforms, numbers) for i in range(count)),
    )
    keys = sorted({(r[0], r[1]) for r in covered} | {(r[0], r[1]) for p in linked for r in p})
    columns = ("carrier_id", "waybill_no")
    found, visible = await asyncio.gather(
        reads.objects("parcels", columns, keys, instances.route.parcel),
        reads.holding(parcel_visible, columns, keys),
    )
    parcels = [found[k][0] for k in keys if k in found and k in visible]
    return sorted(parcels, key=lambda p: p["first_event_at"])


async def _siblings(reads: Reads, principal: Principal, row: Record) -> list[Record]:
    """Each declarant's latest declared of each document kind among the siblings the
    caller may read, newest first."""

    def build(params: Params) -> str:
        names = _names(row, params)
        return _SIBLINGS.format(names=names, latest=latest_siblings(principal, params))

    latest: dict[tuple[str, str], Record] = {}
    for s in await reads.everywhere(build):
        kind = (s["document"], s["declarant"])
        seen = latest.get(kind)
        if seen is None or (s["declared_at"], s["declaration_id"]) > (
            seen["declared_at"],
            seen["declaration_id"],
        ):
            latest[kind] = s
    return sorted(
        latest.values(), key=lambda s: (s["declared_at"], s["declaration_id"]), reverse=True
    )


async def _receipts(instances: Instances, instance: int, ident: uuid.UUID) -> list[tuple[Any, ...]]:
    """The declaration's visible receipts (numbered globally), by return time."""
    sql = _RECEIPTS.format(projected=convert.projected("e"))
    rows = [tuple(r) for r in await instances.fetch(instance, sql, ident)]
    numbered = await global_seqs(instances, [r[0] for r in rows])
    receipts = [(g, *r[1:]) for g, r in zip(numbered, rows, strict=True) if g is not None]
    # return_time NULLS LAST, then global seq
    return sorted(receipts, key=lambda r: (r[4] is None, r[4] or 0, r[0]))


async def spread_declaration(
    instances: Instances, principal: Principal, declaration_id: uuid.UUID
) -> dict[str, Any]:
    """read.customs.get_declaration's answer, read from the instances."""
    reads = await reads_of(instances, principal)
    row, at = await _find(reads, principal, declaration_id)
    (orders, order), siblings, receipts, confirmed = await asyncio.gather(
        _orders(reads, row),
        _siblings(reads, principal, row),
        _receipts(instances, at, declaration_id),
        reads.confirmed([row]),
    )
    parcels = await _parcels(reads, row, orders)

    async def lookup(token: str, year: int) -> YearFigures:
        count = len(instances.readers)
        each = await asyncio.gather(
            *(buyer_year(instances.readers[i], token, year) for i in range(count))
        )
        return YearFigures(
            sum(f.orders for f in each),
            sum((f.total for f in each), Decimal(0)),
            sum(f.unreadable for f in each),
        )

    merged = dict(row.items()) | {
        "confirmed": declaration_id in confirmed,
        "linked_receipts": receipts,
        "linked_order": order,
        "linked_parcels": parcels,
        "linked_documents": siblings,
    }
    return await declaration_answer(merged, principal, lookup)
