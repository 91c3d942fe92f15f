"""Customs declarations: a filtered, keyset-paginated list, and one declaration in full."""

# Aliases and column lists come from code; caller values are bound parameters (Params).
# ruff: noqa: S608

from __future__ import annotations

import base64
import binascii
import uuid
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from asyncpg import Record

from quanhub.common.access import Principal
from quanhub.ledger.api.schemas import (
    DeclarationPage,
    DeclarationView,
    ImportLimits,
    Receipt,
)
from quanhub.ledger.errors import InvalidQuery, NotFound
from quanhub.ledger.read import convert
from quanhub.ledger.read.documents import (
    ANNUAL_LIMIT,
    ORDER_LIMIT,
    Document,
    Documents,
    buyer_token,
    order_amount,
    three_document_check,
)
from quanhub.ledger.read.params import Params
from quanhub.ledger.read.visibility import (
    declaration_matches_order,
    declaration_matches_parcel,
    declaration_visible,
    order_visible,
    parcel_visible,
)
from quanhub.ledger.store.writer import AnyConnection

CST = ZoneInfo("Asia/Shanghai")
_DOC_NAMES = {
    "ORDER": "order",
    "PAYMENT": "payment",
    "WAYBILL": "waybill",
    "INVENTORY": "inventory",
}
_MONEY = r"^-?[0-9]+(\.[0-9]+)?$"


@dataclass(frozen=True, slots=True)
class DeclarationFilter:
    """List filters; every one optional."""

    trade_mode: str | None = None
    ie_flag: str | None = None
    status: str | None = None
    customs_code: str | None = None
    document: str | None = None
    declared_from: datetime | None = None
    declared_to: datetime | None = None


def encode_cursor(row: Record) -> str:
    """An opaque cursor after `row` in (declared_at, id) descending order."""
    raw = f"{row['declared_at'].isoformat()}|{row['declaration_id']}".encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[datetime, uuid.UUID]:
    """The position a cursor stands for; InvalidQuery if it is not one of ours."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        at, _, ident = raw.partition("|")
        position = datetime.fromisoformat(at), uuid.UUID(ident)
    except (binascii.Error, UnicodeDecodeError, ValueError) as exc:
        raise InvalidQuery("the cursor is not valid; start again without one") from exc
    if position[0].tzinfo is None:
        raise InvalidQuery("the cursor is not valid; start again without one")
    return position


async def list_declarations(
    conn: AnyConnection,
    principal: Principal,
    filters: DeclarationFilter,
    *,
    limit: int,
    cursor: str | None,
) -> DeclarationPage:
    """Declarations newest first (declared_at, id), filtered, one page after `cursor`."""
    params = Params()
    where = [declaration_visible(principal, "d", params)]
    for column, value in (
        ("trade_mode", filters.trade_mode),
        ("ie_flag", filters.ie_flag),
        ("status", filters.status),
        ("customs_code", filters.customs_code),
        ("document", filters.document),
    ):
        if value is not None:
            where.append(f"d.{column} = {params.add(value)}")
    if filters.declared_from is not None:
        where.append(f"d.declared_at >= {params.add(filters.declared_from)}")
    if filters.declared_to is not None:
        where.append(f"d.declared_at < {params.add(filters.declared_to)}")
    if cursor is not None:
        at, ident = decode_cursor(cursor)
        where.append(f"(d.declared_at, d.declaration_id) < ({params.add(at)}, {params.add(ident)})")
    rows = await conn.fetch(
        f"SELECT d.* FROM declarations d WHERE {' AND '.join(where)} "
        f"ORDER BY d.declared_at DESC, d.declaration_id DESC LIMIT {params.add(limit + 1)}",
        *params.values,
    )
    page = rows[:limit]
    return DeclarationPage(
        items=[convert.declaration_summary(r) for r in page],
        next_cursor=encode_cursor(page[-1]) if len(rows) > limit else None,
    )


async def _documents(conn: AnyConnection, row: Record, order: Record | None) -> Documents:
    siblings = await conn.fetch(
        "SELECT s.* FROM declarations s WHERE (s.order_no <> '' AND s.order_no = $1 "
        "AND s.ebp_code = $2) OR (s.logistics_no <> '' AND s.logistics_no = $3 "
        "AND s.logistics_code = $4) ORDER BY s.declared_at",
        row["order_no"],
        row["ebp_code"],
        row["logistics_no"],
        row["logistics_code"],
    )
    docs = Documents()
    for s in siblings:  # the latest declared of each kind wins
        name = _DOC_NAMES.get(s["document"])
        if name is not None:
            doc = Document(
                "customs", convert.as_json(s["content"]), s["declaration_id"], s["status"]
            )
            setattr(docs, name, doc)
    if docs.order is None and order is not None:
        docs.order = Document("hub_order", convert.as_json(order["detail"]), None, order["status"])
    return docs


async def _limits(conn: AnyConnection, row: Record, docs: Documents) -> ImportLimits:
    amount = order_amount(docs)
    if row["ie_flag"] != "I":
        return ImportLimits(
            applies=False, order_amount=None, exceeds_order_limit=None, year=None,
            buyer_year_total=None, buyer_year_orders=0, exceeds_annual_limit=None,
        )  # fmt: skip
    year = row["declared_at"].astimezone(CST).year
    token = buyer_token(docs)
    total: Decimal | None = None
    orders = 0
    if token:
        start, end = datetime(year, 1, 1, tzinfo=CST), datetime(year + 1, 1, 1, tzinfo=CST)
        found = await conn.fetchrow(
            "SELECT count(*) AS n, coalesce(sum(CASE WHEN detail->'amounts'->>'actual_paid' ~ $4 "
            "THEN (detail->'amounts'->>'actual_paid')::numeric END), 0) AS total FROM orders "
            "WHERE buyer_id_token = $1 AND first_event_at >= $2 AND first_event_at < $3 "
            "AND ie_flag = 'I' AND trade_mode <> '' "
            "AND status NOT IN ('CANCELLED', 'REFUNDED', 'RETURNED')",
            token, start, end, _MONEY,
        )  # fmt: skip
        if found is not None:
            orders, total = int(found["n"]), Decimal(found["total"])
    return ImportLimits(
        applies=True,
        order_amount=None if amount is None else f"{amount:.2f}",
        exceeds_order_limit=None if amount is None else amount > ORDER_LIMIT,
        year=year,
        buyer_year_total=None if total is None else f"{total:.2f}",
        buyer_year_orders=orders,
        exceeds_annual_limit=None if total is None else total > ANNUAL_LIMIT,
    )


async def get_declaration(
    conn: AnyConnection, principal: Principal, declaration_id: uuid.UUID
) -> DeclarationView:
    """One declaration with receipts (by return_time), links, the match and the limits."""
    params = Params()
    ident = params.add(declaration_id)
    row = await conn.fetchrow(
        f"SELECT d.* FROM declarations d WHERE d.declaration_id = {ident} "
        f"AND {declaration_visible(principal, 'd', params)}",
        *params.values,
    )
    if row is None:
        raise NotFound(f"no declaration {declaration_id}")
    receipts = await conn.fetch(
        "SELECT seq, event_id, message_type, return_status, return_time, return_info, status "
        "FROM ledger_events WHERE kind = 'customs' AND declaration_id = $1 AND is_receipt "
        "ORDER BY return_time NULLS LAST, seq",
        declaration_id,
    )
    params = Params()
    ident = params.add(declaration_id)
    order = await conn.fetchrow(
        f"SELECT o.* FROM declarations d JOIN orders o ON {declaration_matches_order('d', 'o')} "
        f"WHERE d.declaration_id = {ident} AND {order_visible(principal, 'o', params)} "
        "ORDER BY o.first_event_at LIMIT 1",
        *params.values,
    )
    params = Params()
    ident = params.add(declaration_id)
    parcels = await conn.fetch(
        f"SELECT p.* FROM declarations d JOIN parcels p ON {declaration_matches_parcel('d', 'p')} "
        "OR EXISTS (SELECT 1 FROM orders o JOIN order_parcels op USING (platform_code, order_no)"
        f" WHERE {declaration_matches_order('d', 'o')} AND op.carrier_id = p.carrier_id "
        f"AND op.waybill_no = p.waybill_no) WHERE d.declaration_id = {ident} "
        f"AND {parcel_visible(principal, 'p', params)} ORDER BY p.first_event_at",
        *params.values,
    )
    docs = await _documents(conn, row, order)
    return DeclarationView(
        **convert.declaration_summary(row).model_dump(),
        carrier_id=row["carrier_id"],
        agent_code=row["agent_code"],
        ebc_code=row["ebc_code"],
        district_code=row["district_code"],
        receipts=[Receipt.model_validate(dict(r)) for r in receipts],
        order=convert.order_summary(order) if order is not None else None,
        parcels=[convert.parcel_summary(p) for p in parcels],
        three_documents=three_document_check(docs),
        limits=await _limits(conn, row, docs),
    )
