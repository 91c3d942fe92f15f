"""A partner's trace ids (the X-Trace-Id header, an event's trace_id) are kept only when they
are ids that cannot carry text; personal data put there never reaches a record or a log."""

from __future__ import annotations

import json
from collections.abc import MutableMapping
from typing import Any

import httpx
import pytest
import structlog
from gateway_fakes import FakePublisher
from google.protobuf import json_format

from quanhub.canonical.v1 import canonical_pb2
from quanhub.common.traceids import is_safe_trace_id, new_trace_id
from quanhub.ingest.v1 import ingest_pb2

SF = {"Authorization": "Bearer key-sf"}
ID, PHONE, NAME = "370102199001011234", "13812345678", "张三"
W3C = "4bf92f3577b34da6a3ce929d0e0e4736"
UUID = "4bf92f35-77b3-4da6-a3ce-929d0e0e4736"
#: Trace ids a partner might send that carry personal data (or are no ids at all).
UNSAFE = [
    ID,
    PHONE,
    f"trace-{PHONE}",
    f"id{ID}x",
    f"{ID}00000000000000",  # 32 hex digits, an ID number inside
    f"4bf92f35-{PHONE[:4]}-{PHONE[4:8]}-a3ce-929d0e0e4736",
    "00000000000000000000000000000000",
    W3C.upper(),
    "zhangsan",
]
PERSONAL = [ID, PHONE, NAME, PHONE[:7], ID[:7]]


def _parcel(event_id: str, trace_id: str = "") -> ingest_pb2.Event:
    event = ingest_pb2.Event(event_id=event_id, trace_id=trace_id)
    event.occurred_at.FromJsonString("2026-11-28T07:30:00Z")
    parcel = event.parcel
    parcel.carrier_code, parcel.waybill_no = "shunfeng", "SF1000001"
    parcel.code_system, parcel.code = "quanhub", "DELIVERED"
    return event


def _body(events: list[ingest_pb2.Event], fmt: str) -> tuple[bytes, dict[str, str]]:
    request = ingest_pb2.PublishRequest(events=events)
    if fmt == "json":
        text = json_format.MessageToJson(request)
        return text.encode(), {"Content-Type": "application/json"}
    return request.SerializeToString(), {"Content-Type": "application/x-protobuf"}


def _leaks(publisher: FakePublisher, logs: list[MutableMapping[str, Any]], trace: str) -> list[str]:
    """Every place (record part or log line) where `trace`'s personal data shows."""
    found: list[str] = []
    for record in publisher.records:
        parts = [record.key, record.value, *(value for _, value in record.headers)]
        envelope = canonical_pb2.RawEnvelope.FromString(record.value)
        parts += [envelope.trace_id.encode(), envelope.event.trace_id.encode()]
        found += [f"record: {p!r}" for p in parts if trace.encode() in p]
    text = json.dumps(logs, ensure_ascii=False, default=str)
    found += [f"log: {trace}" for _ in range(text.count(trace))]
    return found


@pytest.mark.parametrize("fmt", ["json", "protobuf"])
@pytest.mark.parametrize("trace", UNSAFE)
async def test_a_trace_header_that_is_no_safe_id_is_replaced(
    client: httpx.AsyncClient, publisher: FakePublisher, fmt: str, trace: str
) -> None:
    body, headers = _body([_parcel("e0")], fmt)
    with structlog.testing.capture_logs() as logs:
        response = await client.post(
            "/v1/events", content=body, headers={**SF, **headers, "X-Trace-Id": trace}
        )
    assert response.status_code == 202
    used = response.headers["x-trace-id"]
    assert used != trace
    assert is_safe_trace_id(used)
    [record] = publisher.records
    assert dict(record.headers)["trace_id"] == used.encode()
    assert canonical_pb2.RawEnvelope.FromString(record.value).trace_id == used
    assert _leaks(publisher, logs, trace) == []


@pytest.mark.parametrize("fmt", ["json", "protobuf"])
@pytest.mark.parametrize("trace", [*UNSAFE, NAME, f"{NAME}{PHONE}", "x" * 128])
async def test_an_event_trace_id_that_is_no_safe_id_is_replaced(
    client: httpx.AsyncClient, publisher: FakePublisher, fmt: str, trace: str
) -> None:
    body, headers = _body([_parcel("e0", trace), _parcel("e1", W3C)], fmt)
    with structlog.testing.capture_logs() as logs:
        response = await client.post(
            "/v1/events", content=body, headers={**SF, **headers, "X-Trace-Id": UUID}
        )
    assert response.status_code == 202
    assert response.headers["x-trace-id"] == UUID
    first, second = publisher.records
    first_envelope = canonical_pb2.RawEnvelope.FromString(first.value)
    assert dict(first.headers)["trace_id"] == UUID.encode()
    assert first_envelope.trace_id == UUID
    assert first_envelope.event.trace_id in {"", UUID}
    second_envelope = canonical_pb2.RawEnvelope.FromString(second.value)
    assert (second_envelope.trace_id, second_envelope.event.trace_id) == (W3C, W3C)
    assert _leaks(publisher, logs, trace) == []


@pytest.mark.parametrize("trace", [W3C, UUID])
async def test_a_safe_trace_header_is_kept(
    client: httpx.AsyncClient, publisher: FakePublisher, trace: str
) -> None:
    body, headers = _body([_parcel("e0")], "protobuf")
    response = await client.post(
        "/v1/events", content=body, headers={**SF, **headers, "X-Trace-Id": trace}
    )
    assert response.headers["x-trace-id"] == trace
    [record] = publisher.records
    assert dict(record.headers)["trace_id"] == trace.encode()


@pytest.mark.parametrize("trace", UNSAFE)
def test_unsafe_forms_are_refused(trace: str) -> None:
    assert not is_safe_trace_id(trace)


def test_generated_trace_ids_are_safe_and_personal_digits_never_are() -> None:
    assert all(is_safe_trace_id(new_trace_id()) for _ in range(200))
    for value in PERSONAL:
        assert not is_safe_trace_id(value)
