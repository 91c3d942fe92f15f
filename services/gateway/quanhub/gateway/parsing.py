"""Reading a POST /v1/events body: media type, size, decoding, and the structural limits.

Every way a body can be wrong ends in a GatewayError naming what and where, never in an
unexpected exception: protobuf and JSON decoders are called only inside this module.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterable, Iterator
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

import orjson
from google.protobuf import json_format
from google.protobuf.message import DecodeError, Message
from starlette.requests import ClientDisconnect

from quanhub.common.validation import MAX_LINES
from quanhub.gateway.errors import (
    BodyIncomplete,
    MalformedBody,
    PayloadTooLarge,
    StringTooLong,
    UnsupportedMediaType,
)
from quanhub.ingest.v1 import ingest_pb2

PROTOBUF_TYPES = frozenset({"application/x-protobuf", "application/protobuf"})
JSON_TYPES = frozenset({"application/json"})
ACCEPTED_TYPES = "application/x-protobuf, application/json"


class BodyFormat(StrEnum):
    """How a request body is encoded."""

    PROTOBUF = "protobuf"
    JSON = "json"


@dataclass(frozen=True, slots=True)
class BodyLimits:
    """What one request may hold."""

    max_body_bytes: int
    max_events: int
    max_event_bytes: int
    max_string_chars: int
    max_json_depth: int
    #: A JSON body's bytes at most (it costs more to read than protobuf).
    max_json_body_bytes: int
    #: JSON values a body may hold at most, containers and scalars alike.
    max_json_values: int

    def max_bytes(self, fmt: BodyFormat) -> int:
        """The byte limit of a body in `fmt`."""
        return self.max_json_body_bytes if fmt is BodyFormat.JSON else self.max_body_bytes


def body_format(content_type: str | None, content_encoding: str | None = None) -> BodyFormat:
    """The format named by Content-Type; UnsupportedMediaType for anything else."""
    if content_encoding and content_encoding.strip().lower() not in {"", "identity"}:
        msg = f"Content-Encoding {content_encoding!r} is not supported; send the body uncompressed"
        raise UnsupportedMediaType(msg, code="unsupported_content_encoding")
    media, _, params = (content_type or "").partition(";")
    media = media.strip().lower()
    if media in PROTOBUF_TYPES:
        return BodyFormat.PROTOBUF
    if media in JSON_TYPES:
        charset = _param(params, "charset")
        if charset not in {None, "utf-8", "utf8"}:
            msg = f"JSON must be UTF-8, not {charset}"
            raise UnsupportedMediaType(msg)
        return BodyFormat.JSON
    msg = f"Content-Type {media or '(none)'!r} is not supported; use {ACCEPTED_TYPES}"
    raise UnsupportedMediaType(msg)


def _param(params: str, name: str) -> str | None:
    for part in params.split(";"):
        key, _, value = part.partition("=")
        if key.strip().lower() == name:
            return value.strip().strip('"').lower()
    return None


def _too_large(limits: BodyLimits, fmt: BodyFormat) -> PayloadTooLarge:
    most = limits.max_bytes(fmt)
    msg = (
        f"the {fmt.value} body is larger than {most} bytes; send at most "
        f"{limits.max_events} events per request and split larger batches"
    )
    return PayloadTooLarge(
        msg, code="body_too_large", extra={"max_body_bytes": most, "max_events": limits.max_events}
    )


async def read_body(
    chunks: AsyncIterator[bytes], content_length: str | None, limits: BodyLimits, fmt: BodyFormat
) -> bytes:
    """The whole body, stopping as soon as it exceeds the byte limit of its format. (How long
    it may take is the server's body deadline: quanhub.common.server.)"""
    most = limits.max_bytes(fmt)
    declared = content_length.strip() if content_length else ""
    if declared.isascii() and declared.isdigit() and int(declared) > most:
        raise _too_large(limits, fmt)
    body = bytearray()
    try:
        async for chunk in chunks:
            body += chunk
            if len(body) > most:
                raise _too_large(limits, fmt)
    except ClientDisconnect:  # gone, or closed by the body deadline: nobody reads an answer
        raise BodyIncomplete(
            "the client closed the connection before the body was complete"
        ) from None
    return bytes(body)


@dataclass(frozen=True, slots=True)
class Counted:
    """A body read far enough to count its events and bound its size, not yet built into
    events: a protobuf PublishRequest (upb decodes in C), or a JSON document whose shape is
    checked, before protobuf messages are built from it (what costs in JSON)."""

    count: int
    request: ingest_pb2.PublishRequest | None = None
    document: dict[str, Any] | None = None
    #: Request index -> size on the wire, of each protobuf event over `max_event_bytes`: it
    #: is refused unread, and `request` holds an empty event in its place.
    oversized: dict[int, int] | None = None


def count_events(body: bytes, fmt: BodyFormat, limits: BodyLimits) -> Counted:
    """The body's events counted, and every limit that needs no event built checked: the
    event count, and for JSON the nesting depth and the number of values."""
    if fmt is BodyFormat.PROTOBUF:
        counted = _count_protobuf(body, limits)
    else:
        document = _load_json(body, limits)
        events = document.get("events")
        count = len(events) if isinstance(events, list) else 0
        counted = Counted(count, document=document)
    if counted.count > limits.max_events:
        raise _too_many(str(counted.count), limits, fmt)
    if counted.document is not None:
        _check_shape(counted.document, limits)
    return counted


def build_events(counted: Counted, limits: BodyLimits) -> list[ingest_pb2.Event]:
    """The events of a counted body, after the per-string limit is checked."""
    request = counted.request
    if request is None:
        request = _parse_dict(counted.document or {})
    # Unknown fields would travel to Kafka unread (and unmasked): drop them at the edge.
    request.DiscardUnknownFields()
    for index, event in enumerate(request.events):
        if event.ByteSize() <= limits.max_string_chars or _lines(event) > MAX_LINES:
            # No string in it can have more characters than it has bytes; or validation
            # refuses it for its lines, which are not worth walking.
            continue
        for path, length in _string_lengths(event, ""):
            if length > limits.max_string_chars:
                msg = (
                    f"events[{index}].{path} has {length} characters; no string may exceed "
                    f"{limits.max_string_chars}"
                )
                raise StringTooLong(
                    msg,
                    extra={"index": index, "field": path, "max_chars": limits.max_string_chars},
                )
    return list(request.events)


def decode(body: bytes, fmt: BodyFormat, limits: BodyLimits) -> list[ingest_pb2.Event]:
    """The events of a PublishRequest body, after every structural limit is checked."""
    return build_events(count_events(body, fmt, limits), limits)


def _too_many(count: str, limits: BodyLimits, fmt: BodyFormat) -> PayloadTooLarge:
    msg = (
        f"{count} events in one request; the limit is {limits.max_events} "
        f"events and {limits.max_bytes(fmt)} bytes"
    )
    return PayloadTooLarge(
        msg,
        code="too_many_events",
        extra={"max_events": limits.max_events, "max_body_bytes": limits.max_bytes(fmt)},
    )


#: The tag of PublishRequest.events (field 1, length-delimited), in its one-byte encoding.
_EVENTS_TAG = 0x0A
#: The shift of a length varint's fifth and last byte: upb refuses longer lengths.
_LENGTH_SHIFT_MAX = 28


def _count_protobuf(body: bytes, limits: BodyLimits) -> Counted:
    """The events of a protobuf body, each decoded from its own bytes, once the body's
    entries are found and counted without decoding any: a body with too many events is
    refused after `max_events` + 1 entries, and an event over `max_event_bytes` is never
    decoded (decoding holds the GIL, so the gateway's loop waits meanwhile). A body that is
    not plainly a list of events is decoded whole, as before, and upb words what is wrong."""
    spans = _event_spans(body, limits.max_events)
    if spans is None:
        request = _decode_protobuf(body)
        return Counted(len(request.events), request=request)
    if len(spans) > limits.max_events:
        raise _too_many(f"more than {limits.max_events}", limits, BodyFormat.PROTOBUF)
    request = ingest_pb2.PublishRequest()
    oversized: dict[int, int] = {}
    for index, (start, end) in enumerate(spans):
        event = request.events.add()
        if end - start > limits.max_event_bytes:
            oversized[index] = end - start
            continue
        try:
            event.MergeFromString(body[start:end])
        except DecodeError:
            _decode_protobuf(body)  # raises, in the words of a whole-body decode
            raise  # not reached: an event the whole body's decode accepts is valid alone
    return Counted(len(spans), request=request, oversized=oversized)


def _event_spans(body: bytes, most: int) -> list[tuple[int, int]] | None:
    """Where each event of a PublishRequest body lies, read from the wire and stopping
    after `most` + 1 of them; None when the body holds anything but events entries with
    one-byte tags and lengths that fit (a decoder reads such a body whole)."""
    spans: list[tuple[int, int]] = []
    pos, size = 0, len(body)
    while pos < size and len(spans) <= most:
        if body[pos] != _EVENTS_TAG:
            return None
        length, shift, pos = 0, 0, pos + 1
        while True:  # the length: a varint of at most 5 bytes, as upb reads lengths
            if pos >= size or shift > _LENGTH_SHIFT_MAX:
                return None
            byte = body[pos]
            pos += 1
            length |= (byte & 0x7F) << shift
            if byte < 0x80:  # no continuation bit
                break
            shift += 7
        if pos + length > size:
            return None
        spans.append((pos, pos + length))
        pos += length
    return spans


def _decode_protobuf(body: bytes) -> ingest_pb2.PublishRequest:
    try:
        return ingest_pb2.PublishRequest.FromString(body)
    except DecodeError as exc:
        reason = str(exc).rpartition(": ")[2] or "corrupt wire format"
        code = "invalid_utf8" if "UTF-8" in reason else "malformed_protobuf"
        msg = f"the body is not a valid quanhub.ingest.v1.PublishRequest: {reason}"
        raise MalformedBody(msg, code=code) from None


def _load_json(body: bytes, limits: BodyLimits) -> dict[str, Any]:
    try:
        document = orjson.loads(body)
    except orjson.JSONDecodeError as exc:
        text = str(exc)
        if "depth limit" in text:
            raise _too_deep(limits) from None
        code = "invalid_utf8" if "UTF-8" in text or "surrogate" in text else "malformed_json"
        raise MalformedBody(f"the body is not valid JSON: {text}", code=code) from None
    if not isinstance(document, dict):
        msg = 'the body must be a JSON object like {"events": [...]}'
        raise MalformedBody(msg, code="malformed_json")
    return document


def _parse_dict(document: dict[str, Any]) -> ingest_pb2.PublishRequest:
    request = ingest_pb2.PublishRequest()
    try:
        json_format.ParseDict(document, request)
    except (json_format.Error, ValueError, TypeError, OverflowError) as exc:
        msg = f"the JSON is not a valid PublishRequest: {str(exc).rstrip('.')}"
        raise MalformedBody(msg, code="invalid_event_json") from None
    return request


def _too_deep(limits: BodyLimits) -> MalformedBody:
    msg = f"the JSON nests deeper than {limits.max_json_depth} levels"
    return MalformedBody(msg, code="json_too_deep", extra={"max_depth": limits.max_json_depth})


def _too_many_values(limits: BodyLimits) -> PayloadTooLarge:
    msg = (
        f"the JSON holds more than {limits.max_json_values} values (objects, arrays, strings, "
        f"numbers); send fewer or smaller events per request, or use protobuf"
    )
    return PayloadTooLarge(
        msg, code="too_many_json_values", extra={"max_values": limits.max_json_values}
    )


def _check_shape(document: dict[str, Any], limits: BodyLimits) -> None:
    """Nesting depth and number of values within their limits. Walks without recursion,
    and refuses a container before stacking its children when they would exceed the
    values limit, so the walk costs at most `max_json_values` steps whatever the body."""
    budget = limits.max_json_values
    seen = 1
    stack: list[tuple[Any, int]] = [(document, 1)]
    while stack:
        node, level = stack.pop()
        children: Iterable[Any]
        if isinstance(node, dict):
            children = node.values()
        elif isinstance(node, list):
            children = node
        else:
            continue
        if level > limits.max_json_depth:
            raise _too_deep(limits)
        seen += len(node)
        if seen > budget:
            raise _too_many_values(limits)
        stack.extend((child, level + 1) for child in children)


def _lines(event: ingest_pb2.Event) -> int:
    body = event.WhichOneof("body")
    return len(getattr(event, body).lines) if body in {"order", "customs"} else 0


def _string_lengths(message: Message, prefix: str) -> Iterator[tuple[str, int]]:
    """(field path, length) of every string in a message, nested ones included."""
    for descriptor, value in message.ListFields():
        path = f"{prefix}{descriptor.name}"
        if isinstance(value, str):
            yield path, len(value)
        elif isinstance(value, Message):
            yield from _string_lengths(value, f"{path}.")
        elif descriptor.type == descriptor.TYPE_MESSAGE:
            for i, item in enumerate(value):
                yield from _string_lengths(item, f"{path}[{i}].")
