"""What each string field of the ingest contract is, and so how the hub treats its value.

Every string field of `quanhub.ingest.v1.Event`, at every level, is exactly one of:

- PERSONAL: personal data, tokenised and masked at the edge (`quanhub.common.pii`'s party
  plans: buyer, payer, consignee).
- IDENTIFIER: a document number or code the hub correlates by, kept as sent (a masked
  order number would join nothing).
- CLOSED: a closed format the validator holds it to (`quanhub.common.validation`: amounts,
  district codes, currency, CEB message types, trade modes, carrier codes, return times) or
  replaces (`quanhub.common.traceids`), which no name or address fits.
- FREE_TEXT: anything else, partner status codes and short texts included: scrubbed of
  quoted phone and ID numbers (`quanhub.common.freetext`) before it reaches any topic.

Each field's class is its `field_class` option in ingest.proto (read by
`quanhub.common.contract`); `CLASSES` is that option as a table. The gateway's Python path
(`pii.protect_in_place`), its native path (handed the contract's table at start) and the
normalizer's mapping read which fields are free text from here. A string field without a
class (one added to ingest.proto later) is free text until classed, and a unit test fails
until it is.
"""

from __future__ import annotations

import functools
from collections.abc import Iterator, Mapping
from types import MappingProxyType
from typing import NamedTuple, TypeVar, cast

from google.protobuf.descriptor import Descriptor, FieldDescriptor
from google.protobuf.message import Message

from quanhub.common import contract
from quanhub.common.contract import FieldClass
from quanhub.common.freetext import scrub_text
from quanhub.ingest.v1 import ingest_pb2

__all__ = [
    "CLASSES",
    "FieldClass",
    "class_of",
    "free_text",
    "message_of",
    "scrub_free_text",
    "scrubbed",
    "string_fields",
]


#: Message name (as `Descriptor.name`) -> string field name -> its class, from the
#: `field_class` option of each field in ingest.proto (`quanhub.common.contract`).
CLASSES: Mapping[str, Mapping[str, FieldClass]] = MappingProxyType(
    {
        message: MappingProxyType({r.name: r.field_class for r in fields if r.is_string})
        for message, fields in contract.rules().items()
    }
)


def string_fields(root: Descriptor = ingest_pb2.Event.DESCRIPTOR) -> Iterator[FieldDescriptor]:
    """Every string field of `root` and of the message types within it, each type once."""
    seen: set[str] = set()
    pending = [root]
    while pending:
        message = pending.pop()
        if message.full_name in seen:
            continue
        seen.add(message.full_name)
        for field in message.fields:
            if field.type == FieldDescriptor.TYPE_STRING:
                yield field
            elif field.message_type is not None:
                pending.append(field.message_type)


def message_of(field: FieldDescriptor) -> str:
    """The name of the message `field` belongs to (`Descriptor.name`)."""
    owner = field.containing_type
    return "" if owner is None else owner.name


def class_of(field: FieldDescriptor) -> FieldClass:
    """The field's class; FREE_TEXT for a field ingest.proto does not class (a unit test
    fails until every string field is classed)."""
    found = CLASSES.get(message_of(field), {}).get(field.name, FieldClass.NONE)
    return FieldClass.FREE_TEXT if found is FieldClass.NONE else found


@functools.cache
def free_text() -> Mapping[str, tuple[str, ...]]:
    """Message name -> its free-text fields by field number, for the types that have any."""
    found: dict[str, list[FieldDescriptor]] = {}
    for field in string_fields():
        if class_of(field) is FieldClass.FREE_TEXT and not field.is_repeated:
            found.setdefault(message_of(field), []).append(field)
    return MappingProxyType(
        {
            name: tuple(f.name for f in sorted(fields, key=lambda f: f.number))
            for name, fields in sorted(found.items())
        }
    )


class _Plan(NamedTuple):
    """Where a message type's free text is."""

    #: Its own free-text fields.
    texts: tuple[str, ...]
    #: (field, repeated) of its message fields, outside any oneof, whose type holds free text.
    nested: tuple[tuple[str, bool], ...]
    #: Its oneofs with members whose type holds free text (an event's body), with those
    #: members: the member set is read with one WhichOneof.
    oneofs: tuple[tuple[str, frozenset[str]], ...]


@functools.cache
def _plan(message: Descriptor) -> _Plan:
    holding = [
        field
        for field in sorted(message.fields, key=lambda f: f.number)
        if field.message_type is not None and _holds_free_text(field.message_type)
    ]
    return _Plan(
        texts=free_text().get(message.name, ()),
        nested=tuple((f.name, f.is_repeated) for f in holding if f.containing_oneof is None),
        oneofs=tuple(
            (oneof.name, frozenset(f.name for f in holding if f.containing_oneof is oneof))
            for oneof in message.oneofs
            if any(f.containing_oneof is oneof for f in holding)
        ),
    )


@functools.cache
def _holds_free_text(message: Descriptor) -> bool:
    # Walks the types reachable from `message` (string_fields stops at each type once).
    return any(class_of(f) is FieldClass.FREE_TEXT for f in string_fields(message))


def _inner(message: Message, plan: _Plan) -> Iterator[Message]:
    """The messages within `message` (one level down) that may hold free text."""
    for name, repeated in plan.nested:
        if repeated:
            yield from getattr(message, name)
        elif message.HasField(name):
            yield getattr(message, name)
    for oneof, members in plan.oneofs:
        member = message.WhichOneof(oneof)
        if member in members:
            yield getattr(message, member)


def scrub_free_text(message: Message) -> bool:
    """Scrub every free-text field of `message` and of the messages within it, in place;
    whether anything was masked."""
    plan = _plan(cast("Descriptor", message.DESCRIPTOR))
    changed = False
    for name in plan.texts:
        text: str = getattr(message, name)
        if text:
            masked = scrub_text(text)
            if masked is not text:
                setattr(message, name, masked)
                changed = True
    for inner in _inner(message, plan):
        changed |= scrub_free_text(inner)
    return changed


_M = TypeVar("_M", bound=Message)


def scrubbed(message: _M) -> _M:
    """`message` with its free text scrubbed: itself when nothing is to be masked (the
    common case, nothing copied), else a scrubbed copy (the caller's is left as it is)."""
    if not _needs_scrub(message):
        return message
    copy = type(message)()
    copy.CopyFrom(message)
    scrub_free_text(copy)
    return copy


def _needs_scrub(message: Message) -> bool:
    plan = _plan(cast("Descriptor", message.DESCRIPTOR))
    for name in plan.texts:
        text: str = getattr(message, name)
        if text and scrub_text(text) is not text:
            return True
    return any(_needs_scrub(inner) for inner in _inner(message, plan))
