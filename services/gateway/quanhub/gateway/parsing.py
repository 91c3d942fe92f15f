"""Reading a POST /v1/events body: media type, size, decoding, and the structural limits.

Every way a body can be wrong ends in a GatewayError naming what and where, never in an
unexpected exception: protobuf and JSON decoders are called only inside this module.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

import orjson
from google.protobuf import json_format
from google.protobuf.message import DecodeError, Message

from quanhub.gateway.errors import (
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


def _too_large(limits: BodyLimits) -> PayloadTooLarge:
    msg = (
        f"the body is larger than {limits.max_body_bytes} bytes; send at most "
        f"{limits.max_events} events per request and split larger batches"
    )
    return PayloadTooLarge(
        msg,
        code="body_too_large",
        extra={"max_body_bytes": limits.max_body_bytes, "max_events": limits.max_events},
    )


async def read_body(
    chunks: AsyncIterator[bytes], content_length: str | None, limits: BodyLimits
) -> bytes:
    """The whole body, stopping as soon as it exceeds the byte limit."""
    declared = content_length.strip() if content_length else ""
    if declared.isdigit() and int(declared) > limits.max_body_bytes:
        raise _too_large(limits)
    body = bytearray()
    async for chunk in chunks:
        body += chunk
        if len(body) > limits.max_body_bytes:
            raise _too_large(limits)
    return bytes(body)


def decode(body: bytes, fmt: BodyFormat, limits: BodyLimits) -> list[ingest_pb2.Event]:
    """The events of a PublishRequest body, after every structural limit is checked."""
    request = _decode_protobuf(body) if fmt is BodyFormat.PROTOBUF else _decode_json(body, limits)
    # Unknown fields would travel to Kafka unread (and unmasked): drop them at the edge.
    request.DiscardUnknownFields()
    if len(request.events) > limits.max_events:
        msg = (
            f"{len(request.events)} events in one request; the limit is {limits.max_events} "
            f"events and {limits.max_body_bytes} bytes"
        )
        raise PayloadTooLarge(
            msg,
            code="too_many_events",
            extra={"max_events": limits.max_events, "max_body_bytes": limits.max_body_bytes},
        )
    for index, event in enumerate(request.events):
        if event.ByteSize() <= limits.max_string_chars:
            continue  # no string in it can have more characters than it has bytes
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


def _decode_protobuf(body: bytes) -> ingest_pb2.PublishRequest:
    try:
        return ingest_pb2.PublishRequest.FromString(body)
    except DecodeError as exc:
        reason = str(exc).rpartition(": ")[2] or "corrupt wire format"
        code = "invalid_utf8" if "UTF-8" in reason else "malformed_protobuf"
        msg = f"the body is not a valid quanhub.ingest.v1.PublishRequest: {reason}"
        raise MalformedBody(msg, code=code) from None


def _decode_json(body: bytes, limits: BodyLimits) -> ingest_pb2.PublishRequest:
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
    if _depth(document) > limits.max_json_depth:
        raise _too_deep(limits)
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


def _depth(document: Any) -> int:
    """Nesting depth of a decoded JSON document, computed without recursion."""
    deepest = 0
    stack: list[tuple[Any, int]] = [(document, 1)]
    while stack:
        node, level = stack.pop()
        if isinstance(node, dict):
            deepest = max(deepest, level)
            stack.extend((child, level + 1) for child in node.values())
        elif isinstance(node, list):
            deepest = max(deepest, level)
            stack.extend((child, level + 1) for child in node)
    return deepest


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
