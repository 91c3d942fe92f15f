"""Protobuf message -> JSON-ready dict, as `json_format.MessageToDict(m,
preserving_proto_field_name=True)` makes it, for the field kinds the hub's contracts use,
without its per-field reflection: present fields come from `ListFields()` (implemented in
C), and each field's conversion is decided once per descriptor and cached."""

from __future__ import annotations

from collections.abc import Callable
from functools import cache
from typing import Any

from google.protobuf.descriptor import Descriptor, FieldDescriptor
from google.protobuf.json_format import MessageToDict
from google.protobuf.message import Message

_Convert = Callable[[Any], Any]
_TIMESTAMP = "google.protobuf.Timestamp"
#: 64-bit integers are JSON strings in the proto3 JSON mapping.
_INT64 = {
    FieldDescriptor.TYPE_INT64,
    FieldDescriptor.TYPE_UINT64,
    FieldDescriptor.TYPE_SINT64,
    FieldDescriptor.TYPE_FIXED64,
    FieldDescriptor.TYPE_SFIXED64,
}
_FLOATS = {FieldDescriptor.TYPE_FLOAT, FieldDescriptor.TYPE_DOUBLE}


def _same(value: Any) -> Any:
    return value


def _enum(field: FieldDescriptor) -> _Convert:
    values = field.enum_type.values if field.enum_type is not None else ()
    names = {v.number: v.name for v in values}

    def convert(value: int) -> Any:
        return names.get(value, value)  # an unknown number stays a number, as in MessageToDict

    return convert


def _scalar(field: FieldDescriptor) -> _Convert | None:
    """The conversion of one non-message field; None when only MessageToDict knows it."""
    if field.type == FieldDescriptor.TYPE_ENUM:
        return _enum(field)
    if field.type in _INT64:
        return str
    if field.type in _FLOATS or field.type == FieldDescriptor.TYPE_BYTES:
        return None  # NaN/Infinity and base64 rules: leave those to the library
    return _same


def _field(field: FieldDescriptor) -> _Convert | None:
    if field.message_type is not None and field.message_type.GetOptions().map_entry:
        return None
    if field.message_type is not None:
        if field.message_type.full_name == _TIMESTAMP:
            one: _Convert = _timestamp
        else:
            one = _converter(field.message_type)
    else:
        scalar = _scalar(field)
        if scalar is None:
            return None
        one = scalar
    if field.is_repeated:
        return lambda values: [one(v) for v in values]
    return one


def _timestamp(value: Any) -> str:
    text: str = value.ToJsonString()
    return text


@cache
def _converter(descriptor: Descriptor) -> _Convert:
    fields = {field: _field(field) for field in descriptor.fields}
    if any(c is None for c in fields.values()):

        def fallback(message: Message) -> dict[str, Any]:
            return MessageToDict(message, preserving_proto_field_name=True)

        return fallback
    # Keyed by the descriptor objects ListFields() hands back (no attribute reads per field).
    table = {f: (f.name, c) for f, c in fields.items() if c is not None}

    def convert(message: Message) -> dict[str, Any]:
        out = {}
        for field, value in message.ListFields():
            name, convert_value = table[field]
            out[name] = convert_value(value)
        return out

    return convert


def message_to_dict(message: Message) -> dict[str, Any]:
    """`message` as MessageToDict(preserving_proto_field_name=True) returns it."""
    result: dict[str, Any] = _converter(message.DESCRIPTOR)(message)
    return result
