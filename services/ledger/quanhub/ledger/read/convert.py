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
    TimelineEntry,
)


def as_json(value: Any) -> dict[str, Any]:
    """A jsonb column as a dict (asyncpg hands jsonb over as text)."""
    if value is None:
        return {}
    if isinstance(value, str):
        loaded = orjson.loads(value)
        return loaded if isinstance(loaded, dict) else {}
    return dict(value)


def parcel_summary(row: Record) -> ParcelSummary:
    """A parcels row as its summary."""
    return ParcelSummary.model_validate(dict(row))


def order_summary(row: Record) -> OrderSummary:
    """An orders row as its summary (shipment and amount from its detail)."""
    detail = as_json(row["detail"])
    amounts = detail.get("amounts") or {}
    return OrderSummary(
        platform_code=row["platform_code"],
        order_no=row["order_no"],
        status=row["status"],
        status_at=row["status_at"],
        trade_mode=row["trade_mode"],
        ie_flag=row["ie_flag"],
        district_code=row["district_code"],
        carrier_id=detail.get("carrier_id", ""),
        waybill_no=detail.get("waybill_no", ""),
        actual_paid=amounts.get("actual_paid", ""),
        currency=amounts.get("currency", ""),
        event_count=row["event_count"],
    )


def declaration_summary(row: Record) -> DeclarationSummary:
    """A declarations row as its summary."""
    data = dict(row)
    data["id"] = data.pop("declaration_id")
    return DeclarationSummary.model_validate(data)


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


def object_label(row: Record) -> str:
    """Which object an event belongs to, e.g. `parcel:SF/SF1234`."""
    kind = row["kind"]
    if kind == "parcel":
        return f"parcel:{row['carrier_id']}/{row['waybill_no']}"
    if kind == "order":
        return f"order:{row['platform_code']}/{row['order_no']}"
    return f"customs:{row['declaration_id']}"


def timeline_entry(row: Record) -> TimelineEntry:
    """A ledger_events row as a timeline entry."""
    return TimelineEntry(
        seq=row["seq"],
        event_id=row["event_id"],
        kind=row["kind"],
        object=object_label(row),
        at=row["status_time"],
        occurred_at=row["occurred_at"],
        received_at=row["received_at"],
        status=row["status"],
        sub_status=row["sub_status"],
        code_system=row["code_system"],
        raw_code=row["raw_code"],
        raw_text=row["raw_text"],
        unmapped_code=row["unmapped_code"],
        source_partner=row["source_partner"],
        location=row["location"],
        district_code=row["district_code"],
        delivery_point=row["delivery_point"],
        message_type=row["message_type"],
        return_status=row["return_status"],
        return_info=row["return_info"],
    )


#: ledger_events columns a timeline needs.
TIMELINE_COLUMNS = (
    "seq, event_id, kind, carrier_id, waybill_no, platform_code, order_no, declaration_id, "
    "status_time, occurred_at, received_at, status, sub_status, code_system, raw_code, "
    "raw_text, unmapped_code, source_partner, location, district_code, delivery_point, "
    "message_type, return_status, return_info"
)
