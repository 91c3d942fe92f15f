"""Pure validation of a partner Event: what the gateway rejects and the normalizer dead-letters.

`validate_event(event, now)` returns every violation found (empty list: valid). Codes:

    missing_field    a required field is empty
    invalid_format   a field is set but malformed (waybill, trade mode, decimal, time, U+0000;
                     numbers and codes take ASCII digits only)
    future_time      occurred_at is more than MAX_FUTURE ahead of the clock
    unknown_carrier  the carrier code names no carrier the hub knows
    too_long         a string exceeds its length limit, or a body has over MAX_LINES lines

Facts: trade modes, ie_flag, returnTime format from ../shared/reference/customs.md.
"""

from __future__ import annotations

import functools
import operator
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from types import MappingProxyType
from typing import cast

from google.protobuf.descriptor import Descriptor
from google.protobuf.message import Message

from quanhub.common.canonical import customs_message
from quanhub.common.carriers import resolve_carrier
from quanhub.common.timestamps import EPOCH, in_range
from quanhub.ingest.v1 import ingest_pb2 as ipb

__all__ = [
    "DEFAULT_MAX_LEN",
    "EARLIEST_US",
    "KNOWN_TRADE_MODES",
    "MAX_FUTURE",
    "MAX_LEN",
    "MAX_LINES",
    "Violation",
    "latest_us",
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
#: Goods lines one order or customs event may hold (a real declaration has a few dozen).
#: Without a bound, one event of empty lines within the size limits (170,000 in 512 KiB)
#: costs every reader (gateway, normalizer, ledger) seconds. The native path has it too.
MAX_LINES = 1000

# Numbers and codes are ASCII: a bare \d (and int(), Decimal()) also reads other scripts'
# digits, so fullwidth 30000.00 would pass here as 30000 and count as nothing in SQL, which
# reads ASCII digits only (the native path's predicates are ASCII too).
_WAYBILL = re.compile(r"[A-Za-z0-9-]{6,40}")
_DECIMAL = re.compile(r"[0-9]{1,13}(\.[0-9]{1,4})?")
_EVENT_ID = re.compile(r"[\x21-\x7e]{1,128}")
_DISTRICT = re.compile(r"[0-9]{6}")
_CURRENCY = re.compile(r"[A-Z]{3}")
_MESSAGE_TYPE = re.compile(r"CEB[0-9]{3}")
_RETURN_TIME = re.compile(r"[0-9]{17}")

#: A string's length limit in characters, by field name (others: DEFAULT_MAX_LEN).
DEFAULT_MAX_LEN = 128
MAX_LEN: Mapping[str, int] = MappingProxyType(
    {
        "description": 1024,
        "return_info": 1024,
        "address": 512,
        "item_name": 512,
        "location": 256,
        "name": 256,
    }
)


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
    # Fixed-width fields, as strptime("%Y%m%d%H%M%S") reads 14 digits (a field it would read
    # shorter leaves digits over, which it refuses too), at a tenth of its cost.
    try:
        local = datetime(
            int(value[:4]),
            int(value[4:6]),
            int(value[6:8]),
            int(value[8:10]),
            int(value[10:12]),
            int(value[12:14]),
            int(value[14:]) * 1000,
            tzinfo=UTC,
        )
        return local - CST
    except (ValueError, OverflowError):  # no such date; or before 0001-01-01T08:00 CST
        return None


def validate_event(event: ipb.Event, now: datetime) -> list[Violation]:
    """Every violation in `event` judged at instant `now` (empty when the event is valid)."""
    check = _Checks()
    if check.required("event_id", event.event_id):
        check.pattern("event_id", event.event_id, _EVENT_ID, "must be 1-128 printable ASCII")
    _check_time(check, event, now)
    kind = event.WhichOneof("body")
    if kind in {"order", "customs"} and (count := len(getattr(event, kind).lines)) > MAX_LINES:
        why = f"has {count} goods lines; an event may have at most {MAX_LINES}"
        check.add("too_long", f"{kind}.lines", why)
        return check.found  # refused: its lines are not worth reading one by one
    _check_lengths(check, event, None)
    if kind is None:
        check.add("missing_field", "body", "(one of order, parcel, customs) is required")
    elif kind == "order":
        _check_order(check, event.order)
    elif kind == "parcel":
        _check_parcel(check, event.parcel)
    else:
        _check_customs(check, event.customs)
    return check.found


class _Checks:
    """Collects violations; every message starts with the field path it is about and names
    the rule broken, never the value (it may be personal data, and messages go into
    dead-letter headers and logs, not only back to the sender)."""

    def __init__(self) -> None:
        self.found: list[Violation] = []

    def add(self, code: str, field: str, why: str) -> None:
        self.found.append(Violation(code, field, f"{field} {why}"))

    def required(self, field: str, value: str) -> bool:
        if value.strip():
            return True
        self.add("missing_field", field, "is required")
        return False

    def pattern(self, field: str, value: str, regex: re.Pattern[str], why: str) -> None:
        if value and not regex.fullmatch(value):
            self.add("invalid_format", field, why)

    def money(self, prefix: str, **fields: str) -> None:
        for name, value in fields.items():
            if value and not _DECIMAL.fullmatch(value):
                why = "must be a non-negative decimal string like 199.00"
                self.add("invalid_format", f"{prefix}.{name}", why)

    def carrier(self, field: str, value: str) -> None:
        if resolve_carrier(value) is None:
            # Never quote the value: a message travels into dead-letter headers and logs.
            self.add("unknown_carrier", field, "names no carrier the hub knows")

    def waybill(self, field: str, value: str) -> None:
        self.pattern(field, value.strip(), _WAYBILL, "must be 6-40 letters, digits or '-'")

    def cross_border(self, prefix: str, trade_mode: str, ie_flag: str) -> None:
        if trade_mode and trade_mode not in KNOWN_TRADE_MODES:
            known = ", ".join(sorted(KNOWN_TRADE_MODES))
            self.add("invalid_format", f"{prefix}.trade_mode", f"must be one of {known}")
        if ie_flag and ie_flag not in {"I", "E"}:
            self.add("invalid_format", f"{prefix}.ie_flag", "must be I or E")

    def common(self, prefix: str, body: ipb.OrderEvent | ipb.CustomsEvent) -> None:
        """Rules order and customs bodies share: currency, lines, consignee district."""
        self.pattern(f"{prefix}.currency", body.currency, _CURRENCY, "must be an ISO 4217 code")
        for i, line in enumerate(body.lines):
            if line.quantity < 0:
                self.add("invalid_format", f"{prefix}.lines[{i}].quantity", "is negative")
            unit_price, total_price = line.unit_price, line.total_price
            if unit_price or total_price:
                self.money(f"{prefix}.lines[{i}]", unit_price=unit_price, total_price=total_price)
        district = body.consignee.district_code
        if district and not _DISTRICT.fullmatch(district):
            why = "must be a six-digit code"
            self.add("invalid_format", f"{prefix}.consignee.district_code", why)


def _check_time(check: _Checks, event: ipb.Event, now: datetime) -> None:
    if not event.HasField("occurred_at"):
        check.add("missing_field", "occurred_at", "is required")
        return
    ts = event.occurred_at
    seconds, nanos = ts.seconds, ts.nanos
    if not in_range(seconds, nanos):
        check.add("invalid_format", "occurred_at", "is not a valid time")
        return
    # Whole microseconds since the epoch, as Timestamp.ToDatetime would give (nanos
    # truncated), compared as integers: exact, and without building a datetime per event.
    at = seconds * 1_000_000 + nanos // 1000
    if at < EARLIEST_US:
        check.add("invalid_format", "occurred_at", "is before 2000")
    elif at > latest_us(now):
        check.add("future_time", "occurred_at", "is more than a day in the future")


_MICROSECOND = timedelta(microseconds=1)
EARLIEST_US = (_EARLIEST - EPOCH) // _MICROSECOND


@functools.lru_cache(maxsize=4)
def latest_us(now: datetime) -> int:
    """The latest acceptable event time at `now`, in epoch microseconds (a batch shares one
    `now`, hence the cache)."""
    return (now + MAX_FUTURE - EPOCH) // _MICROSECOND


#: No string this short needs its own limit looked up.
_MIN_MAX_LEN = min(DEFAULT_MAX_LEN, *MAX_LEN.values())
_STRING, _MESSAGE, _MESSAGES = range(3)
#: Message types with a string field somewhere inside (a Timestamp has none).
_HAS_STRINGS: dict[str, bool] = {}


def _has_strings(message_type: Descriptor, seen: frozenset[str] = frozenset()) -> bool:
    name = message_type.full_name
    if name not in _HAS_STRINGS:
        found = False
        for field in message_type.fields:
            if field.type == field.TYPE_STRING and not field.is_repeated:
                found = True
            elif field.message_type is not None:
                inner = field.message_type
                # A type that contains itself: assume strings (entering only costs time).
                found = inner.full_name in seen or _has_strings(inner, seen | {name})
            if found:
                break
        _HAS_STRINGS[name] = found
    return _HAS_STRINGS[name]


@dataclass(frozen=True, slots=True)
class _Plan:
    """What _check_lengths reads of one message type."""

    #: (field name, what it is) of its singular strings and the message fields with strings
    #: inside, by field number (the order violations are reported in).
    fields: tuple[tuple[str, int], ...]
    #: All its singular strings in one call, as a tuple.
    strings: Callable[[Message], tuple[str, ...]]
    #: (field name, repeated) of its message fields with strings inside.
    messages: tuple[tuple[str, bool], ...]


#: Per message type, its plan.
_PLANS: dict[Descriptor, _Plan] = {}


def _plan(message_type: Descriptor) -> _Plan:
    fields: list[tuple[str, int]] = []
    for field in sorted(message_type.fields, key=lambda f: f.number):
        inner = field.message_type
        if field.type == field.TYPE_STRING and not field.is_repeated:
            fields.append((field.name, _STRING))
        elif inner is not None and _has_strings(inner):
            fields.append((field.name, _MESSAGES if field.is_repeated else _MESSAGE))
    names = [name for name, kind in fields if kind == _STRING]
    strings = _getter(names)
    messages = tuple((name, kind == _MESSAGES) for name, kind in fields if kind != _STRING)
    plan = _PLANS[message_type] = _Plan(tuple(fields), strings, messages)
    return plan


def _getter(names: list[str]) -> Callable[[Message], tuple[str, ...]]:
    """The named fields of a message as one tuple (attrgetter gives a bare value for one)."""
    if len(names) > 1:
        return cast("Callable[[Message], tuple[str, ...]]", operator.attrgetter(*names))
    if names:
        (name,) = names
        return lambda message: (getattr(message, name),)
    return lambda _: ()


#: Where a nested message sits: (its parent's place, field name, index in a repeated field).
_Place = tuple["_Place | None", str, int | None]


def _path(place: _Place | None, name: str) -> str:
    """The dotted field path ("order.lines[2].item_name"), built only for a violation."""
    parts = [name]
    while place is not None:
        place, field, index = place
        parts.append(field if index is None else f"{field}[{index}]")
    return ".".join(reversed(parts))


def _check_lengths(check: _Checks, message: Message, place: _Place | None) -> None:
    """Every string within its length limit and free of U+0000, nested messages too.

    Reads a message's strings in one attrgetter call, from a plan made once per message type,
    and judges them together (joined); never enters message types without strings
    (timestamps). A message with a suspect string is walked again field by field
    (_report_lengths), which reports violations in field-number order with their paths.
    """
    descriptor = cast("Descriptor", message.DESCRIPTOR)
    plan = _PLANS.get(descriptor) or _plan(descriptor)
    strings = plan.strings(message)
    joined = "".join(strings)
    if "\x00" in joined or (len(joined) > _MIN_MAX_LEN and max(map(len, strings)) > _MIN_MAX_LEN):
        _report_lengths(check, message, place, plan)
        return
    for name, repeated in plan.messages:
        if repeated:
            for i, item in enumerate(getattr(message, name)):
                _check_lengths(check, item, (place, name, i))
        elif message.HasField(name):
            _check_lengths(check, getattr(message, name), (place, name, None))


def _report_lengths(check: _Checks, message: Message, place: _Place | None, plan: _Plan) -> None:
    for name, kind in plan.fields:
        if kind == _STRING:
            value = getattr(message, name)
            if len(value) > _MIN_MAX_LEN or "\x00" in value:
                _check_string(check, place, name, value)
        elif kind == _MESSAGE:
            if message.HasField(name):
                _check_lengths(check, getattr(message, name), (place, name, None))
        else:
            for i, item in enumerate(getattr(message, name)):
                _check_lengths(check, item, (place, name, i))


def _check_string(check: _Checks, place: _Place | None, name: str, value: str) -> None:
    limit = MAX_LEN.get(name, DEFAULT_MAX_LEN)
    if len(value) > limit:
        check.add("too_long", _path(place, name), f"is longer than {limit} characters")
    if "\x00" in value:  # PostgreSQL text cannot hold it: the ledger write would fail
        check.add("invalid_format", _path(place, name), "contains the NUL character U+0000")


def _check_order(check: _Checks, order: ipb.OrderEvent) -> None:
    for name in ("platform_code", "order_no", "code_system", "code"):
        check.required(f"order.{name}", getattr(order, name))
    if order.carrier_code:
        check.carrier("order.carrier_code", order.carrier_code)
    check.waybill("order.waybill_no", order.waybill_no)
    check.cross_border("order", order.trade_mode, order.ie_flag)
    check.money(
        "order",
        goods_value=order.goods_value,
        freight=order.freight,
        discount=order.discount,
        tax_total=order.tax_total,
        actual_paid=order.actual_paid,
    )
    check.common("order", order)


def _check_parcel(check: _Checks, parcel: ipb.ParcelEvent) -> None:
    check.required("parcel.code_system", parcel.code_system)
    check.required("parcel.code", parcel.code)
    if check.required("parcel.carrier_code", parcel.carrier_code):
        check.carrier("parcel.carrier_code", parcel.carrier_code)
    if check.required("parcel.waybill_no", parcel.waybill_no):
        check.waybill("parcel.waybill_no", parcel.waybill_no)
    check.pattern(
        "parcel.district_code", parcel.district_code, _DISTRICT, "must be a six-digit code"
    )
    if parcel.weight_grams < 0:
        check.add("invalid_format", "parcel.weight_grams", "is negative")


def _check_customs(check: _Checks, customs: ipb.CustomsEvent) -> None:
    message_type = customs.message_type.strip().upper()
    if check.required("customs.message_type", message_type):
        check.pattern("customs.message_type", message_type, _MESSAGE_TYPE, "must be like CEB621")
    if not (customs.cop_no.strip() or customs.order_no.strip()):
        check.add("missing_field", "customs.cop_no", "(or customs.order_no) is required")
    kind = customs_message(message_type)
    if kind is not None and kind.is_receipt:
        check.required("customs.return_status", customs.return_status)
        check.required("customs.return_time", customs.return_time)
    if len(customs.return_status) > 10:
        check.add("invalid_format", "customs.return_status", "is 1-10 characters")
    if customs.return_time and parse_return_time(customs.return_time) is None:
        check.add("invalid_format", "customs.return_time", "must be 17 digits yyyyMMddHHmmssSSS")
    check.cross_border("customs", customs.trade_mode, customs.ie_flag)
    check.money(
        "customs",
        goods_value=customs.goods_value,
        freight=customs.freight,
        tax_total=customs.tax_total,
        actual_paid=customs.actual_paid,
    )
    check.waybill("customs.logistics_no", customs.logistics_no)
    check.common("customs", customs)
