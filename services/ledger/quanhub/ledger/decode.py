"""Canonical topic record -> LedgerRow: pure, no I/O (the only place that reads the proto)."""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

import orjson
from google.protobuf.message import DecodeError
from google.protobuf.timestamp_pb2 import Timestamp

from quanhub.canonical.v1 import canonical_pb2 as cpb
from quanhub.common.canonical import (
    CUSTOMS_DOCUMENT,
    DECLARATION_STATUS,
    DELIVERY_POINT,
    ORDER_STATUS,
    PARCEL_STATUS,
    PARCEL_SUB_STATUS,
    TRANSIT_BAG,
    customs_document_no,
    customs_message,
    normalize_waybill,
)
from quanhub.common.tracecontext import TRACEPARENT, safe_trace_id_of
from quanhub.ledger.errors import UndecodableEvent
from quanhub.ledger.precedence import precedence
from quanhub.ledger.store.rows import LedgerRow

#: Namespace of declaration ids (UUIDv5 of declarant, document, copNo); never change it.
DECLARATION_NAMESPACE = uuid.UUID("0b7d3c52-6a0e-5f43-9a61-2f4f6c1d8e90")


def declaration_id(declarant: str, document: str, cop_no: str) -> uuid.UUID:
    """The stable id of one customs document of one declarant."""
    return uuid.uuid5(DECLARATION_NAMESPACE, f"{declarant}\x1f{document}\x1f{cop_no}")


def _instant(ts: Timestamp) -> datetime | None:
    if ts.seconds == 0 and ts.nanos == 0:
        return None
    return datetime.fromtimestamp(ts.seconds + ts.nanos / 1e9, UTC)


_PARTY_FIELDS = tuple(f.name for f in cpb.Party.DESCRIPTOR.fields)
_AMOUNT_FIELDS = tuple(f.name for f in cpb.Amounts.DESCRIPTOR.fields)
_LINE_FIELDS = tuple(f.name for f in cpb.GoodsLine.DESCRIPTOR.fields)
_MESSAGES = {"buyer", "consignee", "payer", "amounts"}
_SKIPPED = {"status", "document", "detention", "return_time", "lines", *_MESSAGES}


def _fields(message: Any, names: tuple[str, ...]) -> dict[str, Any]:
    return {name: value for name in names if (value := getattr(message, name))}


def _body_json(message: cpb.OrderUpdate | cpb.CustomsUpdate) -> str:
    """The body as JSON with proto field names, empty fields left out (like MessageToDict,
    without its reflection cost); enums and times are columns of their own."""
    data = _fields(message, _BODY_SCALARS[type(message)])
    for name in _MESSAGES:
        if message.HasField(name):  # type: ignore[arg-type]
            sub = getattr(message, name)
            data[name] = _fields(sub, _PARTY_FIELDS if name != "amounts" else _AMOUNT_FIELDS)
    if message.lines:
        data["lines"] = [_fields(line, _LINE_FIELDS) for line in message.lines]
    if isinstance(message, cpb.OrderUpdate) and message.HasField("green_packaging"):
        data["green_packaging"] = message.green_packaging
    return orjson.dumps(data).decode()


_BODY_SCALARS: dict[type, tuple[str, ...]] = {
    kind: tuple(
        f.name
        for f in kind.DESCRIPTOR.fields
        if f.name not in _SKIPPED
        and f.message_type is None
        and f.enum_type is None
        and f.name != "green_packaging"
    )
    for kind in (cpb.OrderUpdate, cpb.CustomsUpdate)
}


def decode(
    value: bytes | None,
    *,
    topic: str,
    partition: int,
    offset: int,
    recorded_at: datetime,
    headers: Sequence[tuple[str, bytes]] = (),
) -> LedgerRow:
    """Parse one canonical record into a ledger row; UndecodableEvent if it is not usable.

    The row's trace id is the event's; an event without one (the normalizer always sets
    it) takes the safe trace-id of the record's `traceparent` header."""
    if not value:
        raise UndecodableEvent("empty record value")
    event = cpb.CanonicalEvent()
    try:
        event.ParseFromString(value)
    except DecodeError as exc:
        raise UndecodableEvent(f"not a CanonicalEvent: {exc}") from exc
    try:
        event_id = uuid.UUID(event.event_id)
    except ValueError as exc:
        raise UndecodableEvent(f"event_id is not a UUID: {event.event_id!r}") from exc
    occurred_at = _instant(event.occurred_at)
    if occurred_at is None:
        raise UndecodableEvent("occurred_at is missing")
    kind = event.WhichOneof("body")
    if kind is None:
        raise UndecodableEvent("the event has no body")
    try:
        fields = _KIND_FIELDS[kind](event)
    except ValueError as exc:  # a stray enum number
        raise UndecodableEvent(str(exc)) from exc
    if fields["status_time"] is None:
        fields["status_time"] = occurred_at
    prec = precedence(kind, fields["status"])
    row = LedgerRow(
        event_id=event_id,
        kind=kind,
        source_partner=event.source_partner,
        source_event_id=event.source_event_id,
        partner_role=event.partner_role,
        code_system=event.code_system,
        raw_code=event.raw_code,
        raw_text=event.raw_text,
        unmapped_code=event.unmapped_code,
        occurred_at=occurred_at,
        received_at=_instant(event.received_at) or recorded_at,
        recorded_at=recorded_at,
        trace_id=event.trace_id or _header_trace_id(headers),
        phase=prec.phase,
        rank=prec.rank,
        canonical=value,
        kafka_topic=topic,
        kafka_partition=partition,
        kafka_offset=offset,
        **fields,
    )
    # PostgreSQL text and jsonb cannot hold NUL; such a record is refused here, not retried.
    if row.has_nul():
        raise UndecodableEvent("a text field contains a NUL character")
    return row


def _header_trace_id(headers: Sequence[tuple[str, bytes]]) -> str:
    for name, value in headers:
        if name == TRACEPARENT:
            return safe_trace_id_of(value)
    return ""


_EMPTY: dict[str, Any] = {
    "carrier_id": "",
    "waybill_no": "",
    "platform_code": "",
    "order_no": "",
    "declaration_id": None,
    "declarant": "",
    "document": "",
    "cop_no": "",
    "sub_status": "",
    "district_code": "",
    "delivery_point": "",
    "delivery_point_id": "",
    "location": "",
    "e_waybill": None,
    "transit_bag": "",
    "message_type": "",
    "is_receipt": False,
    "return_status": "",
    "return_time": None,
    "return_info": "",
    "trade_mode": "",
    "ie_flag": "",
    "body": None,
    "status_time": None,
}


def _parcel(event: cpb.CanonicalEvent) -> dict[str, Any]:
    p = event.parcel
    if not p.carrier_id or not p.waybill_no:
        raise ValueError("a parcel event needs carrier_id and waybill_no")
    bag = TRANSIT_BAG.name(p.transit_bag)
    point = DELIVERY_POINT.name(p.delivery_point)
    return _EMPTY | {
        "carrier_id": p.carrier_id,
        "waybill_no": normalize_waybill(p.waybill_no),
        "platform_code": p.platform_code.strip(),
        "order_no": p.order_no.strip(),
        "status": PARCEL_STATUS.name(p.status),
        "sub_status": PARCEL_SUB_STATUS.name(p.sub_status),
        "district_code": p.district_code,
        "delivery_point": "" if point == "UNSPECIFIED" else point,
        "delivery_point_id": p.delivery_point_id,
        "location": p.location,
        "e_waybill": p.e_waybill if p.HasField("e_waybill") else None,
        "transit_bag": "" if bag == "UNSPECIFIED" else bag,
    }


def _order(event: cpb.CanonicalEvent) -> dict[str, Any]:
    o = event.order
    if not o.platform_code or not o.order_no:
        raise ValueError("an order event needs platform_code and order_no")
    return _EMPTY | {
        "platform_code": o.platform_code.strip(),
        "order_no": o.order_no.strip(),
        "carrier_id": o.carrier_id,
        "waybill_no": normalize_waybill(o.waybill_no),
        "status": ORDER_STATUS.name(o.status),
        "district_code": o.consignee.district_code,
        "trade_mode": o.trade_mode,
        "ie_flag": o.ie_flag,
        "body": _body_json(o),
    }


def _customs(event: cpb.CanonicalEvent) -> dict[str, Any]:
    c = event.customs
    # The document's number: a receipt the spec keys by its payment transaction or waybill
    # (CEB412, CEB512) names its declaration by that key, as the declaration does.
    cop_no = customs_document_no(c)
    if not cop_no:
        raise ValueError("a customs event needs cop_no, order_no or its spec key")
    document = CUSTOMS_DOCUMENT.name(c.document)
    known = customs_message(c.message_type)
    if document == "UNSPECIFIED" and known is not None:
        document = CUSTOMS_DOCUMENT.name(known.document)
    declarant = event.source_partner
    return_time = _instant(c.return_time)
    return _EMPTY | {
        "declaration_id": declaration_id(declarant, document, cop_no),
        "declarant": declarant,
        "document": document,
        "cop_no": cop_no,
        "order_no": c.order_no.strip(),
        "carrier_id": c.carrier_id,
        "waybill_no": normalize_waybill(c.logistics_no),
        "status": DECLARATION_STATUS.name(c.status),
        "district_code": c.consignee.district_code,
        "message_type": c.message_type.strip().upper(),
        "is_receipt": c.is_receipt,
        "return_status": c.return_status,
        "return_time": return_time,
        "return_info": c.return_info,
        "trade_mode": c.trade_mode,
        "ie_flag": c.ie_flag,
        "body": _body_json(c),
        "status_time": return_time if c.is_receipt else None,
    }


def _insight(event: cpb.CanonicalEvent) -> dict[str, Any]:
    """A hub-authored insight: its type is the row's status, its object's keys the row's
    (so the feeds' visibility of that object applies; an incident is a carrier's flow: its
    carrier_id without a waybill), its ordering time the clock it was judged at.
    Projections select parcels, orders and declarations by kind: never this."""
    i = event.insight
    if not i.type:
        raise ValueError("an insight needs a type")
    fields = _EMPTY | {
        "status": i.type,
        "district_code": i.district_code,
        "status_time": _instant(i.as_of),
    }
    if i.carrier_id and i.waybill_no:
        return fields | {"carrier_id": i.carrier_id, "waybill_no": normalize_waybill(i.waybill_no)}
    if i.carrier_id and i.HasField("incident"):
        return fields | {"carrier_id": i.carrier_id}
    if i.declarant and i.cop_no:
        document = CUSTOMS_DOCUMENT.name(i.document)
        return fields | {
            "declaration_id": declaration_id(i.declarant, document, i.cop_no),
            "declarant": i.declarant,
            "document": document,
            "cop_no": i.cop_no,
        }
    raise ValueError("an insight names a parcel, a declaration or a carrier's incident")


_KIND_FIELDS = {"parcel": _parcel, "order": _order, "customs": _customs, "insight": _insight}
