"""Request bodies: media types, limits, malformed and hostile inputs end in precise errors."""

from __future__ import annotations

import pytest

from quanhub.gateway.errors import (
    MalformedBody,
    PayloadTooLarge,
    StringTooLong,
    UnsupportedMediaType,
)
from quanhub.gateway.parsing import BodyFormat, BodyLimits, body_format, decode, read_body
from quanhub.ingest.v1 import ingest_pb2

LIMITS = BodyLimits(
    max_body_bytes=4096,
    max_events=3,
    max_event_bytes=4096,
    max_string_chars=64,
    max_json_depth=16,
    max_json_body_bytes=4096,
    max_json_values=1000,
)


@pytest.mark.parametrize(
    ("content_type", "fmt"),
    [
        ("application/x-protobuf", BodyFormat.PROTOBUF),
        ("application/protobuf", BodyFormat.PROTOBUF),
        ("application/json", BodyFormat.JSON),
        ("Application/JSON; charset=UTF-8", BodyFormat.JSON),
    ],
)
def test_supported_media_types(content_type: str, fmt: BodyFormat) -> None:
    assert body_format(content_type) is fmt


@pytest.mark.parametrize(
    "content_type",
    [None, "", "text/plain", "application/xml", "application/json; charset=latin-1"],
)
def test_unsupported_media_types(content_type: str | None) -> None:
    with pytest.raises(UnsupportedMediaType):
        body_format(content_type)


def test_compressed_bodies_are_refused_by_name() -> None:
    with pytest.raises(UnsupportedMediaType) as caught:
        body_format("application/json", "gzip")
    assert caught.value.code == "unsupported_content_encoding"


async def _chunks(*parts: bytes):  # type: ignore[no-untyped-def]
    for part in parts:
        yield part


async def test_body_limit_by_header_and_by_stream() -> None:
    with pytest.raises(PayloadTooLarge) as caught:
        await read_body(_chunks(b"x"), "5000", LIMITS, BodyFormat.PROTOBUF)
    assert caught.value.extra == {"max_body_bytes": 4096, "max_events": 3}
    with pytest.raises(PayloadTooLarge):
        await read_body(_chunks(b"x" * 3000, b"x" * 3000), None, LIMITS, BodyFormat.JSON)
    assert await read_body(_chunks(b"ab", b"cd"), "4", LIMITS, BodyFormat.JSON) == b"abcd"


def test_json_accepts_snake_case_and_camel_case() -> None:
    body = (
        b'{"events": [{"event_id": "a", "parcel": {"waybill_no": "W1"}},'
        b' {"eventId": "b",'
        b' "parcel": {"waybillNo": "W2", "deliveryPoint": "DELIVERY_POINT_DOOR"}}]}'
    )
    events = decode(body, BodyFormat.JSON, LIMITS)
    assert [e.event_id for e in events] == ["a", "b"]
    assert [e.parcel.waybill_no for e in events] == ["W1", "W2"]


def test_protobuf_round_trip_and_unknown_fields_dropped() -> None:
    request = ingest_pb2.PublishRequest(events=[ingest_pb2.Event(event_id="a")])
    body = request.SerializeToString() + b"\xfa\x3e\x05hello"  # unknown field 999
    events = decode(body, BodyFormat.PROTOBUF, LIMITS)
    assert events[0].event_id == "a"
    assert events[0].SerializeToString() == ingest_pb2.Event(event_id="a").SerializeToString()


@pytest.mark.parametrize(
    ("body", "fmt", "code"),
    [
        (b"\xff\xff\xff", BodyFormat.PROTOBUF, "malformed_protobuf"),
        (
            ingest_pb2.PublishRequest(events=[ingest_pb2.Event(event_id="abc")])
            .SerializeToString()
            .replace(b"abc", b"a\xffc"),
            BodyFormat.PROTOBUF,
            "invalid_utf8",
        ),
        (b'{"events": [', BodyFormat.JSON, "malformed_json"),
        (b'{"events": [{"event_id": "a\xff"}]}', BodyFormat.JSON, "invalid_utf8"),
        (b'{"events": [{"event_id": "\\ud800"}]}', BodyFormat.JSON, "invalid_utf8"),
        (b"[1, 2]", BodyFormat.JSON, "malformed_json"),
        (b'{"events": [{"event_id": 7}]}', BodyFormat.JSON, "invalid_event_json"),
        (b'{"events": [{"nope": 1}]}', BodyFormat.JSON, "invalid_event_json"),
        (b'{"events": [{"occurred_at": "yesterday"}]}', BodyFormat.JSON, "invalid_event_json"),
        (
            b'{"events": [{"parcel": {"weight_grams": 1e40}}]}',
            BodyFormat.JSON,
            "invalid_event_json",
        ),
        (b'{"a":' * 20 + b"1" + b"}" * 20, BodyFormat.JSON, "json_too_deep"),
        (b"[" * 5000 + b"]" * 5000, BodyFormat.JSON, "json_too_deep"),
    ],
)
def test_malformed_bodies_name_their_problem(body: bytes, fmt: BodyFormat, code: str) -> None:
    with pytest.raises(MalformedBody) as caught:
        decode(body, fmt, LIMITS)
    assert caught.value.code == code


def test_too_many_events_names_both_limits() -> None:
    body = b'{"events": [{}, {}, {}, {}]}'
    with pytest.raises(PayloadTooLarge) as caught:
        decode(body, BodyFormat.JSON, LIMITS)
    assert caught.value.code == "too_many_events"
    assert "3 events" in caught.value.message
    assert "4096 bytes" in caught.value.message


def test_string_over_the_hard_cap_names_index_and_field() -> None:
    long = "x" * 65
    body = f'{{"events": [{{}}, {{"order": {{"lines": [{{"item_name": "{long}"}}]}}}}]}}'
    with pytest.raises(StringTooLong) as caught:
        decode(body.encode(), BodyFormat.JSON, LIMITS)
    assert caught.value.extra == {
        "index": 1,
        "field": "order.lines[0].item_name",
        "max_chars": 64,
    }
