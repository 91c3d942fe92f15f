"""Whatever bytes arrive, decoding ends in events or a GatewayError, never anything else."""

from __future__ import annotations

import contextlib
import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from quanhub.gateway.errors import GatewayError
from quanhub.gateway.parsing import BodyFormat, BodyLimits, decode
from quanhub.ingest.v1 import ingest_pb2

LIMITS = BodyLimits(
    max_body_bytes=1 << 20,
    max_events=500,
    max_event_bytes=1 << 19,
    max_string_chars=4096,
    max_json_depth=16,
    max_json_body_bytes=1 << 20,
    max_json_values=500 * 128,
)
_KEYS = st.sampled_from(
    ["events", "event_id", "eventId", "parcel", "order", "buyer", "lines", "occurred_at", "x"]
)
_json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(_KEYS, children, max_size=4),
    max_leaves=30,
)


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=512), st.sampled_from(list(BodyFormat)))
def test_random_bytes_never_escape(body: bytes, fmt: BodyFormat) -> None:
    with contextlib.suppress(GatewayError):
        decode(body, fmt, LIMITS)


@settings(max_examples=300, deadline=None)
@given(_json_values)
def test_random_json_never_escapes(document: object) -> None:
    body = json.dumps(document).encode()  # NaN/Infinity become non-standard tokens: good
    with contextlib.suppress(GatewayError):
        decode(body, BodyFormat.JSON, LIMITS)


def test_deeply_nested_protobuf_groups_are_a_decode_error() -> None:
    valid = ingest_pb2.PublishRequest(events=[ingest_pb2.Event(event_id="a")]).SerializeToString()
    # Field 999 as a start-group tag, nested far beyond any parser's recursion limit.
    body = valid + b"\xbb\x3e" * 20_000 + b"\xbc\x3e" * 20_000
    with pytest.raises(GatewayError) as caught:
        decode(body, BodyFormat.PROTOBUF, LIMITS)
    assert caught.value.code == "malformed_protobuf"
