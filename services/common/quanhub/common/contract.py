"""The ingest contract's per-field rules, read from the options on `ingest.proto`.

`proto/quanhub/options/v1/options.proto` defines the options; `ingest.proto` sets them on
its fields. This module is the only reader: it turns the descriptors into plain, frozen
`Rule`s that the validator (`quanhub.common.validation`), the personal-data plans
(`quanhub.common.pii`, `quanhub.common.fields`), the gateway's native path (handed
`native_table()` at start), the simulator and the docs' field tables interpret. Changing a
field's rule is a change to `ingest.proto` alone.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from enum import StrEnum
from types import MappingProxyType
from typing import Any, TypeVar

from google.protobuf.descriptor import Descriptor, FieldDescriptor

from quanhub.ingest.v1 import ingest_pb2
from quanhub.options.v1 import options_pb2

__all__ = [
    "DEFAULT_MAX_LENGTH",
    "FieldClass",
    "Format",
    "Normalize",
    "PersonalKind",
    "Rule",
    "message_types",
    "native_table",
    "required_oneofs",
    "rule",
    "rules",
]


class FieldClass(StrEnum):
    """How the hub treats a string field's value (options.proto `FieldClass`)."""

    NONE = ""
    PERSONAL = "personal"
    IDENTIFIER = "identifier"
    CLOSED = "closed"
    FREE_TEXT = "free_text"


class PersonalKind(StrEnum):
    """Which kind of personal value a field holds; the values are the token domains."""

    NONE = ""
    ID_NUMBER = "id"
    NAME = "name"
    TELEPHONE = "phone"
    ADDRESS = "address"


class Normalize(StrEnum):
    """What is done to a value before its format is checked."""

    NONE = ""
    STRIP = "strip"
    STRIP_UPPER = "strip_upper"


class Format(StrEnum):
    """A named format (options.proto `Format`); implemented once per language."""

    NONE = ""
    EVENT_ID = "event_id"
    WAYBILL = "waybill"
    DECIMAL = "decimal"
    DISTRICT = "district"
    CURRENCY = "currency"
    CEB_MESSAGE = "ceb_message"
    RETURN_TIME = "return_time"
    TRADE_MODE = "trade_mode"
    IE_FLAG = "ie_flag"
    CARRIER = "carrier"
    RECEIPT_STATUS = "receipt_status"


_E = TypeVar("_E", bound=StrEnum)


def _by_proto_name(enum: type[_E], descriptor: Any, prefix: str) -> dict[int, _E]:
    """Proto enum number -> our enum member, matched by name ("FORMAT_WAYBILL" -> WAYBILL);
    a proto value without a member here fails at import, not at the first event."""
    found: dict[int, _E] = {}
    for value in descriptor.values:
        name = value.name.removeprefix(prefix)
        found[value.number] = enum["NONE" if name == "UNSPECIFIED" else name]
    return found


_CLASSES = _by_proto_name(FieldClass, options_pb2.FieldClass.DESCRIPTOR, "FIELD_CLASS_")
_KINDS = _by_proto_name(PersonalKind, options_pb2.PersonalKind.DESCRIPTOR, "PERSONAL_KIND_")
_NORMALIZE = _by_proto_name(Normalize, options_pb2.Normalize.DESCRIPTOR, "NORMALIZE_")
_FORMATS = _by_proto_name(Format, options_pb2.Format.DESCRIPTOR, "FORMAT_")

#: The length limit of a string field without a max_length of its own.
DEFAULT_MAX_LENGTH: int = ingest_pb2.DESCRIPTOR.GetOptions().Extensions[
    options_pb2.default_max_length
]


@dataclass(frozen=True, slots=True)
class Rule:
    """One field of the contract and its rules (options.proto `FieldRule`)."""

    #: The message it belongs to (`Descriptor.name`: "ParcelEvent").
    message: str
    name: str
    number: int
    #: A string field (the only kind with a length, class, format or personal kind).
    is_string: bool
    repeated: bool
    #: The message type of a message field ("" for scalars).
    message_type: str
    required: bool
    normalize: Normalize
    format: Format
    #: Characters; the contract's default when the field sets none (strings only).
    max_length: int
    field_class: FieldClass
    personal: PersonalKind
    non_negative: bool
    max_items: int


def _rule(message: Descriptor, field: FieldDescriptor) -> Rule:
    options = field.GetOptions().Extensions[options_pb2.rule]
    is_string = field.type == FieldDescriptor.TYPE_STRING
    inner = field.message_type
    return Rule(
        message=message.name,
        name=field.name,
        number=field.number,
        is_string=is_string,
        repeated=field.is_repeated,
        message_type="" if inner is None else inner.name,
        required=options.required,
        normalize=_NORMALIZE[options.normalize],
        format=_FORMATS[options.format],
        max_length=(options.max_length or DEFAULT_MAX_LENGTH) if is_string else 0,
        field_class=_CLASSES[options.field_class],
        personal=_KINDS[options.personal],
        non_negative=options.non_negative,
        max_items=options.max_items,
    )


def message_types(root: Descriptor = ingest_pb2.Event.DESCRIPTOR) -> Iterator[Descriptor]:
    """`root` and every message type of the contract within it, each once, outside
    google.protobuf (a Timestamp has no rules)."""
    seen: set[str] = set()
    pending = [root]
    while pending:
        message = pending.pop(0)
        if message.full_name in seen or message.full_name.startswith("google.protobuf."):
            continue
        seen.add(message.full_name)
        yield message
        pending.extend(f.message_type for f in message.fields if f.message_type is not None)


@functools.cache
def rules() -> Mapping[str, tuple[Rule, ...]]:
    """Message name -> the rules of its fields, by field number, for every message type
    reachable from `Event`."""
    return MappingProxyType(
        {
            message.name: tuple(_rule(message, f) for f in _by_number(message))
            for message in message_types()
        }
    )


def _by_number(message: Descriptor) -> list[FieldDescriptor]:
    return sorted(message.fields, key=lambda f: f.number)


def rule(message: str, name: str) -> Rule:
    """The rule of one field ("ParcelEvent", "waybill_no")."""
    for found in rules()[message]:
        if found.name == name:
            return found
    raise KeyError(f"{message}.{name}")


@functools.cache
def required_oneofs() -> Mapping[str, tuple[str, ...]]:
    """Message name -> its oneofs of which one member must be set (`oneof_required`)."""
    found: dict[str, tuple[str, ...]] = {}
    for message in message_types():
        names = tuple(
            o.name for o in message.oneofs if o.GetOptions().Extensions[options_pb2.oneof_required]
        )
        if names:
            found[message.name] = names
    return MappingProxyType(found)


def native_table() -> dict[str, Any]:
    """The rules as plain data for the gateway's native path: message name -> field number
    -> {name, required, normalize, format, max_length, class, personal, non_negative,
    max_items}, with the default length limit and the required oneofs."""
    return {
        "default_max_length": DEFAULT_MAX_LENGTH,
        "required_oneofs": {m: list(o) for m, o in required_oneofs().items()},
        "messages": {
            message: {
                r.number: {
                    "name": r.name,
                    "required": r.required,
                    "normalize": r.normalize.value,
                    "format": r.format.value,
                    "max_length": r.max_length,
                    "class": r.field_class.value,
                    "personal": r.personal.value,
                    "non_negative": r.non_negative,
                    "max_items": r.max_items,
                }
                for r in fields
            }
            for message, fields in rules().items()
        },
    }
