"""Pure validation of a partner Event: what the gateway rejects and the normalizer dead-letters.

`validate_event(event, now)` returns every violation found (empty list: valid). Codes:

    missing_field    a required field is empty
    invalid_format   a field is set but malformed (waybill, trade mode, decimal, time, ...)
    future_time      occurred_at is more than MAX_FUTURE ahead of the clock
    unknown_carrier  the carrier code names no carrier the hub knows
    too_long         a string exceeds its length limit

Facts: trade modes, ie_flag, returnTime format from ../shared/reference/customs.md.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from google.protobuf.message import Message

from quanhub.common.canonical import customs_message
from quanhub.common.carriers import resolve_carrier
from quanhub.ingest.v1 import ingest_pb2 as ipb

__all__ = [
    "KNOWN_TRADE_MODES",
    "MAX_FUTURE",
    "Violation",
    "parse_return_time",
    "validate_event",
]

#: How far ahead of the hub's clock an event time may be (clock skew, time zones).
MAX_FUTURE = timedelta(days=1)
#: Nothing the hub tracks happened before this.
_EARLIEST = datetime(2000, 1, 1, tzinfo=UTC)
#: Supervision modes (customs.md "Supervision modes").
KNOWN_TRADE_MODES = frozenset({"9610", "1210", "9710", "9810", "1239"})
#: China Standard Time, in which customs writes returnTime.
CST = timedelta(hours=8)

_WAYBILL = re.compile(r"[A-Za-z0-9-]{6,40}")
_DECIMAL = re.compile(r"\d{1,13}(\.\d{1,4})?")
_EVENT_ID = re.compile(r"[\x21-\x7e]{1,128}")
_DISTRICT = re.compile(r"\d{6}")
_CURRENCY = re.compile(r"[A-Z]{3}")
_MESSAGE_TYPE = re.compile(r"CEB\d{3}")
_RETURN_TIME = re.compile(r"\d{17}")

_DEFAULT_MAX_LEN = 128
_MAX_LEN = {
    "description": 1024,
    "return_info": 1024,
    "address": 512,
    "item_name": 512,
    "location": 256,
    "name": 256,
}


@dataclass(frozen=True, slots=True)
class Violation:
    """One reason an event is invalid: a machine code, the field path, a readable message."""

    code: str
    field: str
    message: str

    def __str__(self) -> str:
        return f"{self.code}: {self.message}"


def parse_return_time(value: str) -> datetime | None:
    """yyyyMMddHHmmssSSS in China Standard Time as an aware UTC instant, or None if invalid."""
    if not _RETURN_TIME.fullmatch(value):
        return None
    try:
        local = datetime.strptime(value[:14], "%Y%m%d%H%M%S").replace(
            microsecond=int(value[14:]) * 1000, tzinfo=UTC
        )
    except ValueError:
        return None
    return local - CST


def validate_event(event: ipb.Event, now: datetime) -> list[Violation]:
    """Every violation in `event` judged at instant `now` (empty when the event is valid)."""
    out: list[Violation] = []
    if not event.event_id:
        out.append(Violation("missing_field", "event_id", "event_id is required"))
    elif not _EVENT_ID.fullmatch(event.event_id):
        out.append(
            Violation("invalid_format", "event_id", "event_id must be 1-128 printable ASCII")
        )
    _check_time(event, now, out)
    _check_lengths(event, "", out)
    kind = event.WhichOneof("body")
    if kind is None:
        out.append(Violation("missing_field", "body", "one of order, parcel, customs is required"))
    elif kind == "order":
        _check_order(event.order, out)
    elif kind == "parcel":
        _check_parcel(event.parcel, out)
    else:
        _check_customs(event.customs, out)
    return out


def _check_time(event: ipb.Event, now: datetime, out: list[Violation]) -> None:
    if not event.HasField("occurred_at"):
        out.append(Violation("missing_field", "occurred_at", "occurred_at is required"))
        return
    ts = event.occurred_at
    if not 0 <= ts.nanos < 1_000_000_000 or not -62135596800 <= ts.seconds <= 253402300799:
        out.append(Violation("invalid_format", "occurred_at", "occurred_at is not a valid time"))
        return
    at = ts.ToDatetime(tzinfo=UTC)
    if at < _EARLIEST:
        out.append(Violation("invalid_format", "occurred_at", "occurred_at is before 2000"))
    elif at > now + MAX_FUTURE:
        out.append(
            Violation("future_time", "occurred_at", "occurred_at is more than a day in the future")
        )


def _check_lengths(message: Message, prefix: str, out: list[Violation]) -> None:
    for descriptor, value in message.ListFields():
        path = f"{prefix}{descriptor.name}"
        if isinstance(value, str):
            limit = _MAX_LEN.get(descriptor.name, _DEFAULT_MAX_LEN)
            if len(value) > limit:
                out.append(Violation("too_long", path, f"{path} is longer than {limit} characters"))
        elif isinstance(value, Message):
            _check_lengths(value, f"{path}.", out)
        elif descriptor.type == descriptor.TYPE_MESSAGE:
            for i, item in enumerate(value):
                _check_lengths(item, f"{path}[{i}].", out)


def _required(out: list[Violation], prefix: str, **fields: str) -> None:
    for name, value in fields.items():
        if not value.strip():
            out.append(
                Violation("missing_field", f"{prefix}.{name}", f"{prefix}.{name} is required")
            )


def _check_waybill(out: list[Violation], field: str, value: str) -> None:
    if not _WAYBILL.fullmatch(value.strip()):
        out.append(
            Violation("invalid_format", field, f"{field} must be 6-40 letters, digits or '-'")
        )


def _check_carrier(out: list[Violation], field: str, value: str) -> None:
    if resolve_carrier(value) is None:
        out.append(Violation("unknown_carrier", field, f"{field} {value!r} names no known carrier"))


def _check_cross_border(out: list[Violation], prefix: str, trade_mode: str, ie_flag: str) -> None:
    if trade_mode and trade_mode not in KNOWN_TRADE_MODES:
        known = ", ".join(sorted(KNOWN_TRADE_MODES))
        out.append(
            Violation(
                "invalid_format",
                f"{prefix}.trade_mode",
                f"{prefix}.trade_mode must be one of {known}",
            )
        )
    if ie_flag and ie_flag not in {"I", "E"}:
        out.append(
            Violation("invalid_format", f"{prefix}.ie_flag", f"{prefix}.ie_flag must be I or E")
        )


def _check_money(out: list[Violation], prefix: str, fields: dict[str, str]) -> None:
    for name, value in fields.items():
        if value and not _DECIMAL.fullmatch(value):
            out.append(
                Violation(
                    "invalid_format",
                    f"{prefix}.{name}",
                    f"{prefix}.{name} must be a non-negative decimal string like 199.00",
                )
            )


def _check_lines(out: list[Violation], prefix: str, lines: list[ipb.GoodsLine]) -> None:
    for i, line in enumerate(lines):
        at = f"{prefix}.lines[{i}]"
        if line.quantity < 0:
            out.append(Violation("invalid_format", f"{at}.quantity", f"{at}.quantity is negative"))
        _check_money(out, at, {"unit_price": line.unit_price, "total_price": line.total_price})


def _check_district(out: list[Violation], field: str, value: str) -> None:
    if value and not _DISTRICT.fullmatch(value):
        out.append(Violation("invalid_format", field, f"{field} must be a six-digit code"))


def _check_currency(out: list[Violation], field: str, value: str) -> None:
    if value and not _CURRENCY.fullmatch(value):
        out.append(Violation("invalid_format", field, f"{field} must be an ISO 4217 code"))


def _check_order(order: ipb.OrderEvent, out: list[Violation]) -> None:
    _required(
        out,
        "order",
        platform_code=order.platform_code,
        order_no=order.order_no,
        code_system=order.code_system,
        code=order.code,
    )
    if order.carrier_code:
        _check_carrier(out, "order.carrier_code", order.carrier_code)
    if order.waybill_no:
        _check_waybill(out, "order.waybill_no", order.waybill_no)
    _check_cross_border(out, "order", order.trade_mode, order.ie_flag)
    _check_currency(out, "order.currency", order.currency)
    _check_money(
        out,
        "order",
        {
            "goods_value": order.goods_value,
            "freight": order.freight,
            "discount": order.discount,
            "tax_total": order.tax_total,
            "actual_paid": order.actual_paid,
        },
    )
    _check_lines(out, "order", list(order.lines))
    _check_district(out, "order.consignee.district_code", order.consignee.district_code)


def _check_parcel(parcel: ipb.ParcelEvent, out: list[Violation]) -> None:
    _required(out, "parcel", code_system=parcel.code_system, code=parcel.code)
    if not parcel.carrier_code.strip():
        out.append(
            Violation("missing_field", "parcel.carrier_code", "parcel.carrier_code is required")
        )
    else:
        _check_carrier(out, "parcel.carrier_code", parcel.carrier_code)
    if not parcel.waybill_no.strip():
        out.append(Violation("missing_field", "parcel.waybill_no", "parcel.waybill_no is required"))
    else:
        _check_waybill(out, "parcel.waybill_no", parcel.waybill_no)
    _check_district(out, "parcel.district_code", parcel.district_code)
    if parcel.weight_grams < 0:
        out.append(
            Violation("invalid_format", "parcel.weight_grams", "parcel.weight_grams is negative")
        )


def _check_customs(customs: ipb.CustomsEvent, out: list[Violation]) -> None:
    message_type = customs.message_type.strip().upper()
    if not message_type:
        out.append(
            Violation("missing_field", "customs.message_type", "customs.message_type is required")
        )
    elif not _MESSAGE_TYPE.fullmatch(message_type):
        out.append(
            Violation(
                "invalid_format", "customs.message_type", "customs.message_type must be like CEB621"
            )
        )
    if not (customs.cop_no.strip() or customs.order_no.strip()):
        out.append(
            Violation(
                "missing_field", "customs.cop_no", "customs.cop_no or customs.order_no is required"
            )
        )
    kind = customs_message(message_type)
    if kind is not None and kind.is_receipt:
        _required(
            out, "customs", return_status=customs.return_status, return_time=customs.return_time
        )
    if customs.return_status and len(customs.return_status) > 10:
        out.append(
            Violation(
                "invalid_format",
                "customs.return_status",
                "customs.return_status is 1-10 characters",
            )
        )
    if customs.return_time and parse_return_time(customs.return_time) is None:
        out.append(
            Violation(
                "invalid_format",
                "customs.return_time",
                "customs.return_time must be 17 digits yyyyMMddHHmmssSSS",
            )
        )
    _check_cross_border(out, "customs", customs.trade_mode, customs.ie_flag)
    _check_currency(out, "customs.currency", customs.currency)
    _check_money(
        out,
        "customs",
        {
            "goods_value": customs.goods_value,
            "freight": customs.freight,
            "tax_total": customs.tax_total,
            "actual_paid": customs.actual_paid,
        },
    )
    _check_lines(out, "customs", list(customs.lines))
    if customs.logistics_no:
        _check_waybill(out, "customs.logistics_no", customs.logistics_no)
    _check_district(out, "customs.consignee.district_code", customs.consignee.district_code)
