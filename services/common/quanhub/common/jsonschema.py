"""The ingest contract as JSON Schema, for partners: built from the descriptors and their
options, so the gateway's OpenAPI document and docs/contract.md say what the validator does.

The schema describes protobuf's JSON mapping with the .proto field names (the gateway also
accepts lowerCamelCase). It is a guide, not the judge: the validator also refuses what a
schema cannot say (a blank required string, a date that does not exist, an unknown carrier
code, the rules that join fields).
"""

from __future__ import annotations

from typing import Any

from google.protobuf.descriptor import Descriptor, FieldDescriptor

from quanhub.common import contract
from quanhub.common.formats import PATTERNS, VALUES
from quanhub.ingest.v1 import ingest_pb2

__all__ = ["event_schema"]

Json = dict[str, Any]

_SCALARS: dict[int, Json] = {
    FieldDescriptor.TYPE_STRING: {"type": "string"},
    FieldDescriptor.TYPE_BOOL: {"type": "boolean"},
    FieldDescriptor.TYPE_INT32: {"type": "integer", "format": "int32"},
}


def event_schema() -> Json:
    """The JSON Schema of one `quanhub.ingest.v1.Event`, nested types inlined (the OpenAPI
    request body it goes into has no shared definitions of its own)."""
    return _message(ingest_pb2.Event.DESCRIPTOR)


def _message(message: Descriptor) -> Json:
    rules = {r.number: r for r in contract.rules().get(message.name, ())}
    properties: Json = {}
    required: list[str] = []
    for field in sorted(message.fields, key=lambda f: f.number):
        rule = rules.get(field.number)
        properties[field.name] = _field(field, rule)
        if rule is not None and rule.required:
            required.append(field.name)
    schema: Json = {"type": "object", "title": message.full_name, "properties": properties}
    if required:
        schema["required"] = required
    oneofs = contract.required_oneofs().get(message.name, ())
    members = [[f.name for f in message.oneofs_by_name[name].fields] for name in oneofs]
    if members:
        schema["oneOf"] = [{"required": [m]} for group in members for m in group]
    return schema


def _field(field: FieldDescriptor, rule: contract.Rule | None) -> Json:
    schema = _value(field, rule)
    if field.is_repeated:
        array: Json = {"type": "array", "items": schema}
        if rule is not None and rule.max_items:
            array["maxItems"] = rule.max_items
        return array
    return schema


def _value(field: FieldDescriptor, rule: contract.Rule | None) -> Json:
    if field.message_type is not None:
        if field.message_type.full_name == "google.protobuf.Timestamp":
            return {"type": "string", "format": "date-time"}
        return _message(field.message_type)
    if field.enum_type is not None:
        return {"type": "string", "enum": [v.name for v in field.enum_type.values]}
    schema = dict(_SCALARS[field.type])
    if rule is None:
        return schema
    if rule.non_negative:
        schema["minimum"] = 0
    if rule.is_string:
        schema["maxLength"] = rule.max_length
        if rule.format in PATTERNS and rule.normalize is contract.Normalize.NONE:
            schema["pattern"] = f"^(?:{PATTERNS[rule.format]})?$"
        elif rule.format in VALUES:
            schema["enum"] = ["", *sorted(VALUES[rule.format])]
        if rule.format is not contract.Format.NONE:
            schema["x-quanhub-format"] = rule.format.value
        if rule.field_class is not contract.FieldClass.NONE:
            schema["x-quanhub-class"] = rule.field_class.value
        if rule.personal is not contract.PersonalKind.NONE:
            schema["x-quanhub-personal"] = rule.personal.value
    return schema
