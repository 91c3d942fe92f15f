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
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from types import MappingProxyType
from typing import NamedTuple, cast

from google.protobuf.descriptor import Descriptor
from google.protobuf.message import Message

from quanhub.common import contract, formats
from quanhub.common.canonical import customs_document_no, customs_message
from quanhub.common.formats import KNOWN_TRADE_MODES, parse_return_time
from quanhub.common.timestamps import EPOCH, in_range
from quanhub.ingest.v1 import ingest_pb2 as ipb

__all__ = [
    "EARLIEST_US",
    "KNOWN_TRADE_MODES",
    "MAX_FUTURE",
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
#: Goods lines one order or customs event may hold (`max_items` of `lines` in ingest.proto;
#: a real declaration has a few dozen). Without a bound, one event of empty lines within
#: the size limits (170,000 in 512 KiB) costs every reader (gateway, normalizer, ledger)
#: seconds.
MAX_LINES = contract.rule("OrderEvent", "lines").max_items


@dataclass(frozen=True, slots=True)
class Violation:
    """One reason an event is invalid: a machine code, the field path, a readable message."""

    code: str
    field: str
    message: str

    def __str__(self) -> str:
        return f"{self.code}: {self.message}"


def validate_event(event: ipb.Event, now: datetime) -> list[Violation]:
    """Every violation in `event` judged at instant `now` (empty when the event is valid).

    The per-field rules are ingest.proto's options (`quanhub.common.contract`), checked in
    field-number order; the rules that join fields (the event time against the clock, a
    declaration's document number, a receipt's status) follow, as code.
    """
    kind = event.WhichOneof("body")
    body: Message | None = None if kind is None else getattr(event, kind)
    if (body is None or not _over_item_limits(body)) and _clean(event, _clean_plan(_EVENT)):
        return _joined_rules(_Checks(), event, kind, now).found  # the common case
    check = _Checks()
    _check_fields(check, event, _event_plan(), None)
    if event.HasField("occurred_at"):
        _check_time(check, event, now)
    if body is not None and kind is not None and _too_many_items(check, body, kind):
        return check.found  # refused: its items are not worth reading one by one
    _check_lengths(check, event, None)
    if body is None or kind is None:
        _require_oneofs(check)
        return check.found
    _check_fields(check, body, _field_plan(cast("Descriptor", body.DESCRIPTOR)), (None, kind, None))
    if kind == "customs":
        _check_customs(check, event.customs)
    return check.found


def _joined_rules(check: _Checks, event: ipb.Event, kind: str | None, now: datetime) -> _Checks:
    """The rules that join fields, for an event whose every field passed its own."""
    _check_time(check, event, now)
    if kind is None:
        _require_oneofs(check)
    elif kind == "customs":
        _check_customs(check, event.customs)
    return check


def _require_oneofs(check: _Checks) -> None:
    for oneof in contract.required_oneofs().get(_EVENT.name, ()):
        members = ", ".join(f.name for f in _EVENT.oneofs_by_name[oneof].fields)
        check.add("missing_field", oneof, f"(one of {members}) is required")


_EVENT: Descriptor = ipb.Event.DESCRIPTOR


@functools.cache
def _event_plan() -> tuple[_FieldCheck, ...]:
    """The event's own field rules; its body (a oneof member) is checked on its own, after
    the checks that decide whether it is worth reading."""
    fields = _EVENT.fields_by_name
    return tuple(f for f in _field_plan(_EVENT) if fields[f.name].containing_oneof is None)


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


#: What is done to a value before its format is checked.
_NORMALIZE: Mapping[contract.Normalize, Callable[[str], str]] = MappingProxyType(
    {
        contract.Normalize.STRIP: str.strip,
        contract.Normalize.STRIP_UPPER: lambda value: value.strip().upper(),
    }
)
_STRING, _INTEGER, _PRESENT, _MESSAGE, _MESSAGES = range(5)


class _FieldCheck(NamedTuple):
    """One field's rules, as `_check_fields` applies them."""

    name: str
    #: _STRING, _INTEGER (non-negative), _PRESENT (a required message), or _MESSAGE(S)
    #: (a message type with rules inside, singular or repeated).
    kind: int
    required: bool
    normalize: Callable[[str], str] | None
    format: formats.Check | None


@functools.cache
def _field_plan(message_type: Descriptor) -> tuple[_FieldCheck, ...]:
    """The rules of `message_type`'s fields that can fail, by field number."""
    plan: list[_FieldCheck] = []
    for rule in contract.rules().get(message_type.name, ()):
        field = message_type.fields_by_number[rule.number]
        if rule.is_string and (rule.required or rule.format is not contract.Format.NONE):
            check = formats.FORMATS.get(rule.format)
            normalize = _NORMALIZE.get(rule.normalize)
            plan.append(_FieldCheck(rule.name, _STRING, rule.required, normalize, check))
        elif rule.non_negative:
            plan.append(_FieldCheck(rule.name, _INTEGER, False, None, None))
        elif field.message_type is not None and rule.required:
            plan.append(_FieldCheck(rule.name, _PRESENT, True, None, None))
        elif field.message_type is not None and _field_plan(field.message_type):
            kind = _MESSAGES if rule.repeated else _MESSAGE
            plan.append(_FieldCheck(rule.name, kind, False, None, None))
    return tuple(plan)


_StringRules = tuple[
    tuple[int, bool, Callable[[str], str] | None, Callable[[str], object] | None], ...
]


class _CleanPlan(NamedTuple):
    """What `_clean` reads of one message type: every rule of its own fields and every
    string's length, in one pass."""

    #: All its singular strings in one call, as a tuple, and each one's length limit.
    strings: Callable[[Message], tuple[str, ...]]
    limits: tuple[int, ...]
    #: (position in `strings`, required, normalize, matches) of the strings with rules.
    rules: _StringRules
    integers: tuple[str, ...]
    present: tuple[str, ...]
    #: (field, repeated, its type's plan) of the message fields with strings or rules inside.
    nested: tuple[tuple[str, bool, _CleanPlan], ...]


@functools.cache
def _clean_plan(message_type: Descriptor) -> _CleanPlan:
    length_plan = _PLANS.get(message_type) or _plan(message_type)
    names = [name for name, kind in length_plan.fields if kind == _STRING]
    checks = _field_plan(message_type)
    position = {name: i for i, name in enumerate(names)}
    fields = message_type.fields_by_name
    nested_names = [name for name, _ in length_plan.messages]
    nested_names += [f.name for f in checks if f.kind in {_MESSAGE, _MESSAGES}]
    nested = []
    for name in sorted(set(nested_names), key=lambda n: fields[n].number):
        inner = cast("Descriptor", fields[name].message_type)
        nested.append((name, fields[name].is_repeated, _clean_plan(inner)))
    return _CleanPlan(
        strings=length_plan.strings,
        limits=tuple(
            _LIMITS.get((message_type.name, n), contract.DEFAULT_MAX_LENGTH) for n in names
        ),
        rules=tuple(
            (
                position[f.name],
                f.required,
                f.normalize,
                None if f.format is None else f.format.matches,
            )
            for f in checks
            if f.kind == _STRING
        ),
        integers=tuple(f.name for f in checks if f.kind == _INTEGER),
        present=tuple(f.name for f in checks if f.kind == _PRESENT),
        nested=tuple(nested),
    )


def _clean(message: Message, plan: _CleanPlan) -> bool:
    """Whether `message` and the messages in it break no rule of a single field and no
    length limit: the common case, decided in one pass without paths or messages (the
    reporting walk then goes over a failing event in order)."""
    strings = plan.strings(message)
    joined = "".join(strings)
    suspect = len(joined) > _MIN_MAX_LEN and max(map(len, strings)) > _MIN_MAX_LEN
    if ("\x00" in joined or suspect) and not _within_limits(strings, plan):
        return False
    if plan.rules and not _rules_pass(strings, plan.rules):
        return False
    if plan.integers and any(getattr(message, name) < 0 for name in plan.integers):
        return False
    if plan.present and not all(message.HasField(name) for name in plan.present):
        return False
    for name, repeated, inner in plan.nested:
        if repeated:
            for item in getattr(message, name):
                if not _clean(item, inner):
                    return False
        elif message.HasField(name) and not _clean(getattr(message, name), inner):
            return False
    return True


def _within_limits(strings: tuple[str, ...], plan: _CleanPlan) -> bool:
    return all(
        len(value) <= limit and "\x00" not in value
        for value, limit in zip(strings, plan.limits, strict=True)
    )


def _rules_pass(strings: tuple[str, ...], rules: _StringRules) -> bool:
    for index, required, normalize, matches in rules:
        value = text = strings[index]
        if not value:
            if required:
                return False
            continue
        if normalize is not None:
            text = normalize(value)
            if not text:
                if required:
                    return False
                continue
        elif required and value.isspace():
            return False
        if matches is not None and not matches(text):
            return False
    return True


def _check_fields(
    check: _Checks, message: Message, plan: tuple[_FieldCheck, ...], place: _Place | None
) -> None:
    """Apply `plan` (the field rules of `message`'s type) to `message` and the messages in it."""
    for field in plan:
        name, kind = field.name, field.kind
        if kind == _STRING:
            _check_string_field(check, getattr(message, name), field, place)
        elif kind == _INTEGER:
            if getattr(message, name) < 0:
                check.add("invalid_format", _path(place, name), "is negative")
        elif kind == _PRESENT:
            if not message.HasField(name):
                check.add("missing_field", _path(place, name), "is required")
        elif kind == _MESSAGE:
            if message.HasField(name):
                inner = getattr(message, name)
                _check_fields(check, inner, _field_plan(inner.DESCRIPTOR), (place, name, None))
        else:
            for i, item in enumerate(getattr(message, name)):
                _check_fields(check, item, _field_plan(item.DESCRIPTOR), (place, name, i))


def _check_string_field(
    check: _Checks, value: str, field: _FieldCheck, place: _Place | None
) -> None:
    if field.required and not value.strip():
        check.add("missing_field", _path(place, field.name), "is required")
        return
    if field.normalize is not None:
        value = field.normalize(value)
    if value and field.format is not None and not field.format.matches(value):
        check.add(field.format.code, _path(place, field.name), field.format.why)


@functools.cache
def _item_limits(message_type: Descriptor) -> tuple[tuple[str, int], ...]:
    """(field, max_items) of `message_type`'s repeated fields that have a limit."""
    rules = contract.rules().get(message_type.name, ())
    return tuple((r.name, r.max_items) for r in rules if r.repeated and r.max_items)


def _over_item_limits(body: Message) -> bool:
    limits = _item_limits(cast("Descriptor", body.DESCRIPTOR))
    return any(len(getattr(body, name)) > limit for name, limit in limits)


def _too_many_items(check: _Checks, body: Message, kind: str) -> bool:
    """Whether a repeated field of the body holds more than its `max_items` (reported)."""
    for name, limit in _item_limits(cast("Descriptor", body.DESCRIPTOR)):
        if (count := len(getattr(body, name))) > limit:
            check.add(
                "too_long",
                f"{kind}.{name}",
                f"has {count} items; an event may have at most {limit}",
            )
            return True
    return False


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
#: (message name, field name) -> the string field's length limit (ingest.proto).
_LIMITS: Mapping[tuple[str, str], int] = MappingProxyType(
    {
        (message, r.name): r.max_length
        for message, fields in contract.rules().items()
        for r in fields
        if r.is_string
    }
)
_MIN_MAX_LEN = min(_LIMITS.values())
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
                _check_string(check, place, (message.DESCRIPTOR.name, name), value)
        elif kind == _MESSAGE:
            if message.HasField(name):
                _check_lengths(check, getattr(message, name), (place, name, None))
        else:
            for i, item in enumerate(getattr(message, name)):
                _check_lengths(check, item, (place, name, i))


def _check_string(check: _Checks, place: _Place | None, field: tuple[str, str], value: str) -> None:
    name = field[1]
    limit = _LIMITS.get(field, contract.DEFAULT_MAX_LENGTH)
    if len(value) > limit:
        check.add("too_long", _path(place, name), f"is longer than {limit} characters")
    if "\x00" in value:  # PostgreSQL text cannot hold it: the ledger write would fail
        check.add("invalid_format", _path(place, name), "contains the NUL character U+0000")


def _check_customs(check: _Checks, customs: ipb.CustomsEvent) -> None:
    """A message names its document (cop_no or order_no, or the key the spec gives a payment
    or waybill receipt: canonical.customs_document_no); a receipt carries its status."""
    if not customs_document_no(customs):
        check.add(
            "missing_field",
            "customs.cop_no",
            "(or customs.order_no; for a payment customs.pay_transaction_id, for a waybill"
            " customs.logistics_no) is required",
        )
    kind = customs_message(customs.message_type.strip().upper())
    if kind is not None and kind.is_receipt:
        check.required("customs.return_status", customs.return_status)
        check.required("customs.return_time", customs.return_time)


def forget_plans() -> None:
    """Drop every plan made from the contract's rules, so the next event is judged by the
    rules as they are now (for tests that change a rule in `contract.rules()`; `_LIMITS`
    is theirs to rebuild)."""
    for plan in (_field_plan, _event_plan, _item_limits, _clean_plan):
        plan.cache_clear()
    _PLANS.clear()
