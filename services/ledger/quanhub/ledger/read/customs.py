"""Customs declarations: a filtered, keyset-paginated list, and one declaration in full.

No oracle (docs/ledger.md, "No oracle"): a declaration's view is computed only
from what its reader may read. The three-document match takes the sibling documents the
reader may read (declaration_visible), so a declarant never sees, nor is matched against,
another declarant's documents; and the buyer's yearly import figures, which sum every
platform's orders of that buyer, are computed and shown only for the entitled roles
(LIMIT_ROLES). For anyone else they would confirm that a guessed buyer ID has bought.

Integrity: of each document kind the match takes each declarant's latest sibling, and
when more than one declarant filed one (a rogue agent's document for another's order)
the kind is a conflict (documents.py), never silently the newest.
"""

from __future__ import annotations

import base64
import binascii
import uuid
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any, NamedTuple
from zoneinfo import ZoneInfo

from asyncpg import Record

from quanhub.common.access import Principal, Role
from quanhub.ledger.errors import InvalidQuery, NotFound
from quanhub.ledger.read import convert
from quanhub.ledger.read.documents import (
    ANNUAL_LIMIT,
    MONEY_FROM,
    MONEY_PATTERN,
    MONEY_TO,
    ORDER_LIMIT,
    Document,
    DocumentName,
    Documents,
    buyer_token,
    order_amount,
    three_document_check,
)
from quanhub.ledger.read.params import Params, Reader
from quanhub.ledger.read.visibility import (
    declaration_confirmed,
    declaration_matches_order,
    declaration_matches_parcel,
    declaration_visible,
    order_visible,
    parcel_visible,
)

CST = ZoneInfo("Asia/Shanghai")
_DOC_NAMES: dict[str, DocumentName] = {
    "ORDER": "order",
    "PAYMENT": "payment",
    "WAYBILL": "waybill",
    "INVENTORY": "inventory",
}
#: Roles that see a buyer's yearly import figures: the customs authority and the admin.
#: Not the declarant agent (the total covers other agents' and platforms' orders), not the
#: platform or carrier (other platforms' orders).
LIMIT_ROLES = frozenset({Role.CUSTOMS_LIAISON, Role.ADMIN})


def money_sql(text: str) -> str:
    """SQL: the text expression `text` read as money (numeric), NULL when it is not
    money; the same reading as documents.decimal (one table, one grammar)."""
    ascii_text = f"translate({text}, '{MONEY_FROM}', '{MONEY_TO}')"
    return f"(CASE WHEN {ascii_text} ~ '^({MONEY_PATTERN})$' THEN {ascii_text}::numeric END)"


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


# The statements are SQL templates. Their slots hold fixed fragments only: the visibility
# predicates of read.visibility (over aliases chosen here, every caller value a bound
# parameter from Params), the matching rules, column lists, and other fragments below.

#: A page of declarations: `{where}` is the caller's visibility and the filters it set
#: (`d.<column> = $n` over fixed column names), `{limit}` a placeholder.
_LIST = (
    "SELECT {columns}, {confirmed} AS confirmed "
    "FROM declarations d "
    "WHERE {where} "
    "ORDER BY d.declared_at DESC, d.declaration_id DESC LIMIT {limit}"
)
_LIST_COLUMNS = convert.declaration_columns("d")


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
    conn: Reader,
    principal: Principal,
    filters: DeclarationFilter,
    *,
    limit: int,
    cursor: str | None,
) -> dict[str, Any]:
    """Declarations newest first (declared_at, id), filtered, one page after `cursor`, each
    with whether its claim is confirmed to the reader (visibility.declaration_confirmed):
    a DeclarationPage's fields."""
    params = Params()
    sql = list_sql(principal, filters, limit=limit, cursor=cursor, params=params)
    rows = await conn.fetch(sql, *params.values)
    return declaration_page(rows, limit, {r["declaration_id"] for r in rows if r["confirmed"]})


def list_sql(
    principal: Principal,
    filters: DeclarationFilter,
    *,
    limit: int,
    cursor: str | None,
    params: Params,
    columns: str = _LIST_COLUMNS,
) -> str:
    """The statement of list_declarations (`columns` of `d`, and `confirmed`), its values
    bound into `params`: at most `limit` + 1 rows, the extra one telling a next page."""
    confirmed = declaration_confirmed(principal, "d", params)
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
    most = params.add(limit + 1)
    where_sql = " AND ".join(where)
    return _LIST.format(columns=columns, confirmed=confirmed, where=where_sql, limit=most)


def declaration_page(rows: Sequence[Record], limit: int, confirmed: set[Any]) -> dict[str, Any]:
    """A DeclarationPage's fields from up to `limit` + 1 rows, newest first (`confirmed`:
    the ids confirmed to the reader)."""
    page = rows[:limit]
    return {
        "items": [
            convert.declaration_fields(r) | {"confirmed": r["declaration_id"] in confirmed}
            for r in page
        ],
        "next_cursor": encode_cursor(page[-1]) if len(rows) > limit else None,
    }


def _documents(row: Record | Mapping[str, Any]) -> Documents:
    """The consignment's documents: each declarant's latest declared of each kind among
    the declaration's siblings (`linked_documents`, newest first; two declarants' of one
    kind are a conflict), and the platform's order (documents.Documents.add_hub_order)."""
    docs = Documents()
    for s in row["linked_documents"]:
        name = _DOC_NAMES.get(s["document"])
        if name is not None:
            content = convert.as_json(s["content"])
            docs.add(
                name, Document("customs", content, s["declaration_id"], s["status"], s["declarant"])
            )
    order = row["linked_order"]
    if order is not None:
        detail = convert.as_json(order["detail"])
        docs.add_hub_order(
            Document("hub_order", detail, None, order["status"], order["platform_code"])
        )
    return docs


#: The buyer's ID token of the document content `{content}`, NULL when it names none (the
#: rule of documents.buyer_token).
_BUYER_OF = (
    "nullif(CASE WHEN jsonb_typeof({content}->'buyer'->'id_token') = 'string' "
    "THEN {content}->'buyer'->>'id_token' END, '')"
)
#: The newest sibling document of the kind `{kind}` (one of several when declarants
#: conflict; documents.buyer_token then names no buyer and the figures are not used).
_DOCUMENT_OF = (
    "(SELECT x.content FROM unnest(sib.docs) x WHERE x.document = '{kind}' "
    "ORDER BY x.declared_at DESC, x.declaration_id DESC LIMIT 1)"
)
#: The id of each declarant's latest declared sibling of each document kind among those
#: the reader may read (`{visible_1}`, `{visible_2}`): declarations of the same order
#: (order_no + ebp_code) or the same shipment (logistics_no + logistics_code). Visibility
#: filters before the latest is chosen, so a newer document of another declarant neither
#: shows nor hides one; per declarant, so one it may read stands beside (conflicts with)
#: the other. Each branch is an index scan that runs only when its key is not empty (an
#: empty key would match every declaration without one); only the winners' rows are read
#: in full.
_LATEST_SIBLINGS = (
    "SELECT DISTINCT ON (k.document, k.declarant) k.declaration_id FROM ("
    "SELECT s1.document, s1.declarant, s1.declared_at, s1.declaration_id "
    "FROM declarations s1 "
    "WHERE d.order_no <> '' AND s1.order_no = d.order_no AND s1.ebp_code = d.ebp_code "
    "AND {visible_1} "
    "UNION ALL SELECT s2.document, s2.declarant, s2.declared_at, s2.declaration_id "
    "FROM declarations s2 "
    "WHERE d.logistics_no <> '' AND s2.logistics_no = d.logistics_no "
    "AND s2.logistics_code = d.logistics_code "
    "AND {visible_2}) k "
    "ORDER BY k.document, k.declarant, k.declared_at DESC, k.declaration_id DESC"
)


def latest_siblings(principal: Principal, params: Params) -> str:
    """SQL: _LATEST_SIBLINGS under the reader's visibility."""
    visible_1 = declaration_visible(principal, "s1", params)
    visible_2 = declaration_visible(principal, "s2", params)
    return _LATEST_SIBLINGS.format(visible_1=visible_1, visible_2=visible_2)


#: documents.buyer_token in SQL: the order document's buyer (customs', else the platform's
#: order), else the inventory's.
_ORDER_DOCUMENT = "coalesce({order}, (lo.o).detail)".format(order=_DOCUMENT_OF.format(kind="ORDER"))
_BUYER_TOKEN = "coalesce({order}, {inventory})".format(
    order=_BUYER_OF.format(content=_ORDER_DOCUMENT),
    inventory=_BUYER_OF.format(content=_DOCUMENT_OF.format(kind="INVENTORY")),
)
_YEAR = "extract(year FROM d.declared_at AT TIME ZONE 'Asia/Shanghai')::int"
_YEAR_START = "make_timestamptz(lim_year.y, 1, 1, 0, 0, 0, 'Asia/Shanghai')"
_YEAR_END = "make_timestamptz(lim_year.y + 1, 1, 1, 0, 0, 0, 'Asia/Shanghai')"
#: An order's actual_paid, NULL unless a JSON string (documents.decimal reads only strings).
_ORDER_AMOUNT = (
    "(CASE WHEN jsonb_typeof(detail->'amounts'->'actual_paid') = 'string' "
    "THEN detail->'amounts'->>'actual_paid' END)"
)
#: Whatever actual_paid holds, as text ('' when absent or null): given but not money
#: (a JSON number included) is unreadable, never silently left out.
_GIVEN_AMOUNT = "coalesce(detail->'amounts'->>'actual_paid', '')"


#: `n`, `total` (actual_paid read as money, `{amount}`) and `unreadable` (orders whose
#: actual_paid is given but is not money) of the buyer `{token}`'s import orders in
#: [`{start}`, `{end}`); `<> ''` lets the planner use the partial index orders_buyer_idx.
_BUYER_YEAR_OF = (
    "SELECT count(*) AS n, coalesce(sum({amount}), 0) AS total, "
    "count(*) FILTER (WHERE {given} <> '' AND {amount} IS NULL) AS unreadable "
    "FROM orders WHERE buyer_id_token = {token} AND buyer_id_token <> '' "
    "AND first_event_at >= {start} AND first_event_at < {end} "
    "AND ie_flag = 'I' AND trade_mode <> '' "
    "AND status NOT IN ('CANCELLED', 'REFUNDED', 'RETURNED')"
)


def _buyer_year_sql(token: str, start: str, end: str) -> str:
    """SQL: _BUYER_YEAR_OF for the buyer `token` in [start, end) (fixed expressions)."""
    amount = money_sql(_ORDER_AMOUNT)
    given = _GIVEN_AMOUNT
    return _BUYER_YEAR_OF.format(amount=amount, given=given, token=token, start=start, end=end)


#: The buyer $1's figures in [$2, $3), when the declaration's statement read another buyer.
_BUYER_YEAR = _buyer_year_sql("$1", "$2", "$3")

#: The import-limit laterals of declaration_sql (entitled readers only).
_LIMIT_JOINS = (
    "CROSS JOIN LATERAL (SELECT {token} AS token OFFSET 0) tok "
    "CROSS JOIN LATERAL (SELECT {year} AS y) lim_year "
    "CROSS JOIN LATERAL ({figures} "
    "AND d.ie_flag = 'I') lim "
).format(
    token=_BUYER_TOKEN,
    year=_YEAR,
    figures=_buyer_year_sql("tok.token", _YEAR_START, _YEAR_END),
)
_LIMIT_COLUMNS = (
    "tok.token AS limit_token, lim_year.y AS limit_year, lim.n AS limit_orders, "
    "lim.total AS limit_total, lim.unreadable AS limit_unreadable"
)
_NO_LIMIT_COLUMNS = (
    "NULL::text AS limit_token, NULL::int AS limit_year, NULL::bigint AS limit_orders, "
    "NULL::numeric AS limit_total, NULL::bigint AS limit_unreadable"
)


#: The declaration's receipts (Receipt tuples, numbered by global seq), visible (projected)
#: ones only.
_RECEIPTS_OF = (
    "SELECT {seq} AS seq, e.event_id, e.message_type, e.return_status, e.return_time, "
    "e.return_info, e.status FROM ledger_events e WHERE e.kind = 'customs' "
    "AND e.declaration_id = d.declaration_id AND e.is_receipt "
    "AND {projected}"
)
_RECEIPTS = _RECEIPTS_OF.format(seq=convert.global_seq("e"), projected=convert.projected("e"))
#: Parcels of the declaration: by its logistics number, or shipping its order; each
#: branch is an index lookup (parcels_waybill_idx, orders_order_no_idx).
_LINKED_PARCELS_OF = (
    "SELECT p1.carrier_id, p1.waybill_no FROM parcels p1 "
    "WHERE {declares_parcel} "
    "UNION ALL SELECT op.carrier_id, op.waybill_no FROM orders o1 "
    "JOIN order_parcels op USING (platform_code, order_no) "
    "WHERE {declares_order}"
)
_LINKED_PARCELS = _LINKED_PARCELS_OF.format(
    declares_parcel=declaration_matches_parcel("d", "p1"),
    declares_order=declaration_matches_order("d", "o1"),
)
#: One declaration ($1) and what it links. `sib` is the latest declared (declared_at, then
#: id) of each document kind among the siblings; OFFSET 0 keeps each lateral one
#: evaluation (the planner would otherwise inline the array's subquery into every
#: expression that reads it).
_DECLARATION = (
    "SELECT d.*, {confirmed} AS confirmed, "
    "ARRAY(SELECT r FROM ({receipts}) r ORDER BY r.return_time NULLS LAST, r.seq) "
    "AS linked_receipts, lo.o AS linked_order, "
    "ARRAY(SELECT p FROM parcels p WHERE (p.carrier_id, p.waybill_no) IN "
    "({linked_parcels}) AND {parcel_visible} "
    "ORDER BY p.first_event_at) AS linked_parcels, "
    "sib.docs AS linked_documents, {limit_columns} "
    "FROM declarations d "
    "LEFT JOIN LATERAL (SELECT o FROM orders o WHERE {declares_order} "
    "AND {order_visible} ORDER BY o.first_event_at LIMIT 1) lo "
    "ON true "
    "CROSS JOIN LATERAL (SELECT ARRAY(SELECT s FROM declarations s "
    "WHERE s.declaration_id IN ({siblings}) "
    "ORDER BY s.declared_at DESC, s.declaration_id DESC) AS docs "
    "OFFSET 0) sib {limit_joins}"
    "WHERE d.declaration_id = $1 AND {declaration_visible}"
)


def declaration_sql(principal: Principal, declaration_id: uuid.UUID) -> tuple[str, Params]:
    """One declaration (its columns) with `linked_receipts` (Receipt tuples by return_time),
    `linked_order` (an orders row or NULL), `linked_parcels` (parcels rows),
    `linked_documents` (the latest sibling declaration of each document kind the reader
    may read), and the import-limit figures of its buyer's year: `limit_token`,
    `limit_year`, `limit_orders`, `limit_total`, `limit_unreadable` (NULL, and never
    computed, unless the reader's role is in LIMIT_ROLES). One statement, one snapshot,
    one round trip."""
    params = Params()
    params.add(declaration_id)  # $1
    entitled = principal.role in LIMIT_ROLES
    # The caller's predicates, bound in the order they appear in the statement.
    confirmed = declaration_confirmed(principal, "d", params)
    parcel = parcel_visible(principal, "p", params)
    order = order_visible(principal, "o", params)
    siblings = latest_siblings(principal, params)
    declaration = declaration_visible(principal, "d", params)
    sql = _DECLARATION.format(
        confirmed=confirmed,
        receipts=_RECEIPTS,
        linked_parcels=_LINKED_PARCELS,
        parcel_visible=parcel,
        limit_columns=_LIMIT_COLUMNS if entitled else _NO_LIMIT_COLUMNS,
        declares_order=declaration_matches_order("d", "o"),
        order_visible=order,
        siblings=siblings,
        limit_joins=_LIMIT_JOINS if entitled else "",
        declaration_visible=declaration,
    )
    return sql, params


class YearFigures(NamedTuple):
    """A buyer's import orders in a year: how many, their amount, and how many of them
    carry an amount that is not money (counted in `orders`, not in `total`)."""

    orders: int
    total: Decimal
    unreadable: int


def _figures(orders: Any, total: Any, unreadable: Any) -> YearFigures:
    return YearFigures(int(orders), Decimal(total), int(unreadable))


#: How a reader gets a buyer's figures for a year (buyer_year on one instance, their
#: sum over several).
BuyerYear = Callable[[str, int], Awaitable[YearFigures]]


async def buyer_year(conn: Reader, token: str, year: int) -> YearFigures:
    """The buyer's import orders in the year (China Standard Time) on `conn`."""
    start, end = datetime(year, 1, 1, tzinfo=CST), datetime(year + 1, 1, 1, tzinfo=CST)
    found = await conn.fetchrow(_BUYER_YEAR, token, start, end)
    assert found is not None  # noqa: S101 - an aggregate always answers one row
    return _figures(found["n"], found["total"], found["unreadable"])


async def _buyer_year(conn: Reader, row: Record, token: str, year: int) -> YearFigures:
    """The buyer's figures for the year: from the declaration's own statement when it
    looked up the same buyer and year (always, unless the SQL and Python readings of the
    documents ever disagree, in which case the buyer is looked up on its own)."""
    if row["limit_token"] == token and row["limit_year"] == year:
        return _figures(row["limit_orders"], row["limit_total"], row["limit_unreadable"])
    return await buyer_year(conn, token, year)


def _exceeds_annual(year: YearFigures) -> bool | None:
    """Over the annual limit; unknown (None) rather than "no" when an amount that could
    not be read might have tipped it."""
    if year.total > ANNUAL_LIMIT:
        return True
    return None if year.unreadable else False


async def _limits(
    lookup: BuyerYear, row: Record | Mapping[str, Any], docs: Documents, principal: Principal
) -> dict[str, Any]:
    """The per-order figures (from the documents the reader may read) for every reader;
    the buyer's yearly figures only for LIMIT_ROLES (None otherwise, whoever the buyer).
    An ImportLimits' fields."""
    if row["ie_flag"] != "I":
        return {
            "applies": False,
            "order_amount": None,
            "exceeds_order_limit": None,
            "year": None,
            "buyer_year_total": None,
            "buyer_year_orders": None,
            "exceeds_annual_limit": None,
        }
    amount = order_amount(docs)
    year = row["declared_at"].astimezone(CST).year
    # None: conflicting documents name different buyers, so no one buyer's year is shown.
    token = buyer_token(docs)
    entitled = principal.role in LIMIT_ROLES
    figures = await lookup(token, year) if entitled and token else None
    return {
        "applies": True,
        "order_amount": None if amount is None else f"{amount:.2f}",
        "exceeds_order_limit": None if amount is None else amount > ORDER_LIMIT,
        "year": year,
        "buyer_year_total": None if figures is None else f"{figures.total:.2f}",
        # Entitled readers see 0 orders for a declaration naming no buyer; others nothing.
        "buyer_year_orders": (
            (0 if figures is None else figures.orders) if entitled and token is not None else None
        ),
        "buyer_year_unreadable": None if figures is None else figures.unreadable,
        "exceeds_annual_limit": None if figures is None else _exceeds_annual(figures),
    }


async def get_declaration(
    conn: Reader, principal: Principal, declaration_id: uuid.UUID
) -> dict[str, Any]:
    """One declaration with receipts (by return_time), links, the match and the limits (a
    DeclarationView's fields; the match as read/documents' dataclass, which the API's
    model reads by attribute: converting it to dicts first cost ~70 us a request)."""
    sql, params = declaration_sql(principal, declaration_id)
    row = await conn.fetchrow(sql, *params.values)
    if row is None:
        raise NotFound(f"no declaration {declaration_id}")

    async def lookup(token: str, year: int) -> YearFigures:
        return await _buyer_year(conn, row, token, year)

    return await declaration_answer(row, principal, lookup)


async def declaration_answer(
    row: Record | Mapping[str, Any], principal: Principal, lookup: BuyerYear
) -> dict[str, Any]:
    """A DeclarationView's fields from declaration_sql's row (or one with the same
    columns); `lookup` gives the buyer's figures for a year."""
    order = row["linked_order"]
    docs = _documents(row)
    return {
        **convert.declaration_fields(row),
        "confirmed": row["confirmed"],
        "carrier_id": row["carrier_id"],
        "agent_code": row["agent_code"],
        "ebc_code": row["ebc_code"],
        "district_code": row["district_code"],
        "receipts": [convert.receipt_fields(r) for r in row["linked_receipts"]],
        "order": convert.order_fields(order) if order is not None else None,
        "parcels": [convert.parcel_fields(p) for p in row["linked_parcels"]],
        "three_documents": three_document_check(docs),  # read by attribute (the route)
        "limits": await _limits(lookup, row, docs, principal),
    }
