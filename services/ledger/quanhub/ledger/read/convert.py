"""Database rows -> API models (the only place that knows both shapes)."""

from __future__ import annotations

from typing import Any

import orjson
from asyncpg import Record

from quanhub.ledger.api.schemas import (
    DeclarationSummary,
    GoodsLineView,
    OrderSummary,
    ParcelSummary,
    PartyView,
    Receipt,
    TimelineEntry,
)

_PARCEL_FIELDS = tuple(ParcelSummary.model_fields)
_DECLARATION_COLUMNS = tuple(name for name in DeclarationSummary.model_fields if name != "id")


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
    return {name: row[name] for name in _PARCEL_FIELDS}


def parcel_summary(row: Record) -> ParcelSummary:
    """A parcels row as its summary."""
    return ParcelSummary(**parcel_fields(row))


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


def order_summary(row: Record) -> OrderSummary:
    """An orders row as its summary (shipment and amount from its detail)."""
    return OrderSummary(**order_fields(row))


def declaration_fields(row: Record) -> dict[str, Any]:
    """The DeclarationSummary fields of a declarations row (its id as `id`)."""
    fields = {name: row[name] for name in _DECLARATION_COLUMNS}
    fields["id"] = row["declaration_id"]
    return fields


def declaration_summary(row: Record) -> DeclarationSummary:
    """A declarations row as its summary."""
    return DeclarationSummary(**declaration_fields(row))


def receipt(row: tuple[Any, ...]) -> Receipt:
    """A receipt from (seq, event_id, message_type, return_status, return_time,
    return_info, status)."""
    seq, event_id, message_type, return_status, return_time, return_info, status = row
    return Receipt(
        seq=seq,
        event_id=event_id,
        message_type=message_type,
        return_status=return_status,
        return_time=return_time,
        return_info=return_info,
        status=status,
    )


def party(value: Any) -> PartyView | None:
    """Masked forms of a canonical Party; tokens stay inside the ledger."""
    if not isinstance(value, dict):
        return None
    return PartyView(
        id_masked=value.get("id_masked", ""),
        name_masked=value.get("name_masked", ""),
        telephone_masked=value.get("telephone_masked", ""),
        address_masked=value.get("address_masked", ""),
        district_code=value.get("district_code", ""),
    )


def lines(value: Any) -> list[GoodsLineView]:
    """Goods lines of a body."""
    if not isinstance(value, list):
        return []
    return [GoodsLineView.model_validate(line) for line in value if isinstance(line, dict)]


#: ledger_events columns a timeline needs, in the order timeline_tuple reads them.
TIMELINE_COLUMNS = (
    "seq", "event_id", "kind", "carrier_id", "waybill_no", "platform_code", "order_no",
    "declaration_id", "status_time", "occurred_at", "received_at", "status", "sub_status",
    "code_system", "raw_code", "raw_text", "unmapped_code", "source_partner", "location",
    "district_code", "delivery_point", "message_type", "return_status", "return_info",
)  # fmt: skip


def timeline_columns(alias: str) -> str:
    """TIMELINE_COLUMNS of the ledger_events row aliased `alias`, for a select list."""
    return ", ".join(f"{alias}.{column}" for column in TIMELINE_COLUMNS)


def timeline_tuple(row: tuple[Any, ...]) -> TimelineEntry:
    """A timeline entry from the values of TIMELINE_COLUMNS, in that order."""
    (seq, event_id, kind, carrier_id, waybill_no, platform_code, order_no, declaration_id,
     status_time, occurred_at, received_at, status, sub_status, code_system, raw_code,
     raw_text, unmapped_code, source_partner, location, district_code, delivery_point,
     message_type, return_status, return_info) = row  # fmt: skip
    return TimelineEntry(
        seq=seq,
        event_id=event_id,
        kind=kind,
        object=(
            f"parcel:{carrier_id}/{waybill_no}"
            if kind == "parcel"
            else f"order:{platform_code}/{order_no}"
            if kind == "order"
            else f"customs:{declaration_id}"
        ),
        at=status_time,
        occurred_at=occurred_at,
        received_at=received_at,
        status=status,
        sub_status=sub_status,
        code_system=code_system,
        raw_code=raw_code,
        raw_text=raw_text,
        unmapped_code=unmapped_code,
        source_partner=source_partner,
        location=location,
        district_code=district_code,
        delivery_point=delivery_point,
        message_type=message_type,
        return_status=return_status,
        return_info=return_info,
    )
