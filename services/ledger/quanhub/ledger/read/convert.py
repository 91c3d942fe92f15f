"""Database rows -> the plain field data of the API's views.

The `*_fields` functions give a view's parts as plain data (dicts of the response models'
field names), so the API validates a whole view (a parcel with its links and timeline) in
one call (`View.model_validate`) rather than one model construction per timeline entry and
link. The names below are the response models' fields (api.schemas); a unit test holds the
two to each other, so this layer never imports the API's models.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

import orjson
from asyncpg import Record

from quanhub.ledger.store.shards import visible

#: ParcelSummary's fields, each a parcels column.
PARCEL_FIELDS = (
    "carrier_id",
    "waybill_no",
    "status",
    "sub_status",
    "status_at",
    "delivery_point",
    "delivery_point_id",
    "district_code",
    "origin_district",
    "location",
    "e_waybill",
    "transit_bag",
    "picked_up_at",
    "delivered_at",
    "out_for_delivery_at",
    "event_count",
)
#: DeclarationSummary's fields but `id`, each a declarations column.
DECLARATION_COLUMNS = (
    "declarant",
    "document",
    "cop_no",
    "message_type",
    "trade_mode",
    "ie_flag",
    "invt_no",
    "order_no",
    "ebp_code",
    "logistics_code",
    "logistics_no",
    "customs_code",
    "status",
    "status_at",
    "return_status",
    "return_info",
    "declared_at",
    "released_at",
    "rejected",
    "receipt_count",
)
#: PartyView's fields, each a key of a canonical Party.
PARTY_FIELDS = ("id_masked", "name_masked", "telephone_masked", "address_masked", "district_code")
#: Receipt's fields, in the order of the receipt tuples the declaration view selects.
RECEIPT_FIELDS = (
    "seq",
    "event_id",
    "message_type",
    "return_status",
    "return_time",
    "return_info",
    "status",
)


def as_json(value: Any) -> dict[str, Any]:
    """A jsonb column as a dict (asyncpg hands jsonb over as text)."""
    if value is None:
        return {}
    if isinstance(value, str):
        loaded = orjson.loads(value)
        return loaded if isinstance(loaded, dict) else {}
    return dict(value)


def parcel_fields(row: Record) -> dict[str, Any]:
    """The ParcelSummary fields of a parcels row."""
    return {name: row[name] for name in PARCEL_FIELDS}


def order_fields(row: Record, detail: dict[str, Any] | None = None) -> dict[str, Any]:
    """The OrderSummary fields of an orders row (shipment and amount from its detail)."""
    if detail is None:
        detail = as_json(row["detail"])
    amounts = detail.get("amounts") or {}
    return {
        "platform_code": row["platform_code"],
        "order_no": row["order_no"],
        "status": row["status"],
        "status_at": row["status_at"],
        "trade_mode": row["trade_mode"],
        "ie_flag": row["ie_flag"],
        "district_code": row["district_code"],
        "carrier_id": detail.get("carrier_id", ""),
        "waybill_no": detail.get("waybill_no", ""),
        "actual_paid": amounts.get("actual_paid", ""),
        "currency": amounts.get("currency", ""),
        "event_count": row["event_count"],
    }


def declaration_columns(alias: str) -> str:
    """The columns declaration_fields reads, of the declarations row aliased `alias` (a
    list needs no document content)."""
    return ", ".join(f"{alias}.{c}" for c in ("declaration_id", *DECLARATION_COLUMNS))


def declaration_fields(row: Record | Mapping[str, Any]) -> dict[str, Any]:
    """The DeclarationSummary fields of a declarations row (its id as `id`)."""
    fields = {name: row[name] for name in DECLARATION_COLUMNS}
    fields["id"] = row["declaration_id"]
    return fields


def linked_declaration_fields(row: Record, confirmed: set[Any]) -> dict[str, Any]:
    """The LinkedDeclaration fields of a declarations row; `confirmed` holds the ids of the
    declarations whose claim is confirmed to the caller."""
    return declaration_fields(row) | {"confirmed": row["declaration_id"] in confirmed}


#: An order <-> parcel link's key: (platform_code, order_no, carrier_id, waybill_no).
LinkKey = tuple[str, str, str, str]


class Links:
    """The order_parcels rows of one view (those its caller is a side of), by key."""

    def __init__(self, rows: Sequence[Record | Mapping[str, Any]]) -> None:
        self._rows: dict[LinkKey, Record | Mapping[str, Any]] = {
            (r["platform_code"], r["order_no"], r["carrier_id"], r["waybill_no"]): r for r in rows
        }

    def status(self, key: LinkKey) -> dict[str, Any]:
        """LinkStatus fields of the link `key` (none asserted if the caller is no side of
        it, which a view never asks: it reveals objects through the caller's links)."""
        row = self._rows.get(key)
        sides = [] if row is None else [s for s in ("order", "parcel") if row[f"from_{s}"]]
        return {"confirmed": len(sides) == 2, "asserted_by": sides}

    def fields(self, revealed: set[LinkKey]) -> list[dict[str, Any]]:
        """OrderParcelLink fields of every link; `revealed` are the keys whose other side
        is in the view."""
        return [
            {
                "platform_code": key[0],
                "order_no": key[1],
                "carrier_id": key[2],
                "waybill_no": key[3],
                **self.status(key),
                "revealed": key in revealed,
            }
            for key in self._rows
        ]


def receipt_fields(row: tuple[Any, ...]) -> dict[str, Any]:
    """A Receipt's fields from (seq, event_id, message_type, return_status, return_time,
    return_info, status)."""
    return dict(zip(RECEIPT_FIELDS, row, strict=True))


def party_fields(value: Any) -> dict[str, Any] | None:
    """A PartyView's fields: masked forms of a canonical Party; tokens stay in the ledger."""
    if not isinstance(value, dict):
        return None
    return {name: value.get(name, "") for name in PARTY_FIELDS}


def line_fields(value: Any) -> list[dict[str, Any]]:
    """Goods lines of a body, as GoodsLineView input (validated with the view)."""
    if not isinstance(value, list):
        return []
    return [line for line in value if isinstance(line, dict)]


#: ledger_events columns a timeline needs, in the order timeline_fields reads them.
TIMELINE_COLUMNS = (
    "seq",
    "event_id",
    "kind",
    "carrier_id",
    "waybill_no",
    "platform_code",
    "order_no",
    "declaration_id",
    "status_time",
    "occurred_at",
    "received_at",
    "status",
    "sub_status",
    "code_system",
    "raw_code",
    "raw_text",
    "unmapped_code",
    "source_partner",
    "location",
    "district_code",
    "delivery_point",
    "message_type",
    "return_status",
    "return_info",
)


#: The ledger_events row aliased `{alias}` (an alias from code) is projected.
def projected(alias: str) -> str:
    """SQL: the ledger_events row aliased `alias` is visible, i.e. projected (its seq is
    at most its shard's ledger_visible row; the projector moves it with the projections,
    so a response never shows an event its object's status does not include yet)."""
    return visible(alias)


#: SQL: the global seq of the visible ledger_events row aliased `{alias}` (an alias from
#: code): its shard's range of ledger_global_ranges that holds its seq, one backward probe
#: of the (shard, first_seq) index. With one shard the one range maps a seq to itself.
_GLOBAL_SEQ = (
    "(SELECT r.global_first + ({alias}.seq - r.first_seq) FROM ledger_global_ranges r "
    "WHERE r.shard = {alias}.shard AND r.first_seq <= {alias}.seq "
    "ORDER BY r.first_seq DESC LIMIT 1)"
)


def global_seq(alias: str) -> str:
    """SQL: the global seq of the visible ledger_events row aliased `alias`, the number
    partners' cursors use (SSE, webhooks, replay, the Kafka feed), not its shard's own."""
    return _GLOBAL_SEQ.format(alias=alias)


def timeline_columns(alias: str) -> str:
    """TIMELINE_COLUMNS of the ledger_events row aliased `alias`, for a select list; `seq`
    is the event's global seq."""
    return ", ".join(
        f"{global_seq(alias)} AS seq" if column == "seq" else f"{alias}.{column}"
        for column in TIMELINE_COLUMNS
    )


def timeline_fields(row: tuple[Any, ...]) -> dict[str, Any]:
    """A TimelineEntry's fields from the values of TIMELINE_COLUMNS, in that order."""
    (
        seq,
        event_id,
        kind,
        carrier_id,
        waybill_no,
        platform_code,
        order_no,
        declaration_id,
        status_time,
        occurred_at,
        received_at,
        status,
        sub_status,
        code_system,
        raw_code,
        raw_text,
        unmapped_code,
        source_partner,
        location,
        district_code,
        delivery_point,
        message_type,
        return_status,
        return_info,
    ) = row
    if kind == "parcel":
        label = f"parcel:{carrier_id}/{waybill_no}"
    elif kind == "order":
        label = f"order:{platform_code}/{order_no}"
    else:
        label = f"customs:{declaration_id}"
    return {
        "seq": seq,
        "event_id": event_id,
        "kind": kind,
        "object": label,
        "at": status_time,
        "occurred_at": occurred_at,
        "received_at": received_at,
        "status": status,
        "sub_status": sub_status,
        "code_system": code_system,
        "raw_code": raw_code,
        "raw_text": raw_text,
        "unmapped_code": unmapped_code,
        "source_partner": source_partner,
        "location": location,
        "district_code": district_code,
        "delivery_point": delivery_point,
        "message_type": message_type,
        "return_status": return_status,
        "return_info": return_info,
    }
