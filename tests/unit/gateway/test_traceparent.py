"""W3C traceparent at the gateway: a partner's trace is continued into the raw records and
answered with the hub's span; an unsafe or invalid one is replaced and the answer says so."""

from __future__ import annotations

import hashlib
from collections.abc import AsyncIterator
from pathlib import Path
from urllib.parse import urlencode

import httpx
import pytest
import structlog
from gateway_fakes import FakeAuthenticator, FakePublisher
from google.protobuf import json_format

from quanhub.canonical.v1 import canonical_pb2
from quanhub.common.access import Principal, Role
from quanhub.common.access.push import PushChannel, push_secret
from quanhub.common.clock import FixedClock
from quanhub.common.tracecontext import parse_traceparent
from quanhub.gateway.app import create_app
from quanhub.gateway.settings import GatewaySettings
from quanhub.ingest.v1 import ingest_pb2

SF = {"Authorization": "Bearer key-sf"}
TRACE = "4bf92f3577b34da6a3ce929d0e0e4736"
SPAN = "00f067aa0ba902b7"
OWN = "0af76519a6cd43dd8448eb211c8a319c"
UNSAFE = "37010219900101123400000000000abc"  # valid W3C, an ID number inside


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
        return json_format.MessageToJson(request).encode(), {"Content-Type": "application/json"}
    return request.SerializeToString(), {"Content-Type": "application/x-protobuf"}


@pytest.fixture(params=["python", "native"])
async def gateway(
    request: pytest.FixtureRequest, publisher: FakePublisher, clock: FixedClock
) -> AsyncIterator[httpx.AsyncClient]:
    """The gateway with and without the native fast path (protobuf bodies take it)."""
    settings = GatewaySettings(native=request.param == "native", max_events_per_request=10)
    app = create_app(settings, clock=clock, publisher=publisher, authenticator=FakeAuthenticator())
    transport = httpx.ASGITransport(app=app)
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=transport, base_url="http://gateway") as http,
    ):
        yield http


def _answered(response: httpx.Response) -> tuple[str, str, bool]:
    parsed = parse_traceparent(response.headers["traceparent"])
    assert parsed is not None, response.headers["traceparent"]
    return parsed


def _record_parent(headers: list[tuple[str, bytes]]) -> tuple[str, str, bool]:
    parsed = parse_traceparent(dict(headers)["traceparent"])
    assert parsed is not None
    return parsed


@pytest.mark.parametrize("fmt", ["json", "protobuf"])
async def test_a_partner_traceparent_is_continued_to_the_raw_records(
    gateway: httpx.AsyncClient, publisher: FakePublisher, fmt: str
) -> None:
    body, headers = _body([_parcel("e0"), _parcel("e1", OWN)], fmt)
    response = await gateway.post(
        "/v1/events",
        content=body,
        headers={**SF, **headers, "traceparent": f"00-{TRACE}-{SPAN}-01", "tracestate": "k=v"},
    )
    assert response.status_code == 202
    trace_id, hub_span, sampled = _answered(response)
    assert (trace_id, sampled) == (TRACE, True)
    assert hub_span != SPAN
    assert response.headers["x-trace-id"] == TRACE
    assert "quanhub-trace-replaced" not in response.headers
    assert "tracestate" not in response.headers
    first, second = publisher.records
    assert canonical_pb2.RawEnvelope.FromString(first.value).trace_id == TRACE
    assert dict(first.headers)["trace_id"] == TRACE.encode()
    first_parent = _record_parent(first.headers)
    assert first_parent.trace_id == TRACE
    assert first_parent.parent_id not in {SPAN, hub_span}  # the publish span: a new hop
    # An event's own trace id wins for that event, under the same publish span.
    second_parent = _record_parent(second.headers)
    assert (second_parent.trace_id, second_parent.parent_id) == (OWN, first_parent.parent_id)
    assert all("tracestate" not in dict(r.headers) for r in publisher.records)


async def test_the_sampling_decision_is_kept(
    gateway: httpx.AsyncClient, publisher: FakePublisher
) -> None:
    body, headers = _body([_parcel("e0")], "protobuf")
    response = await gateway.post(
        "/v1/events",
        content=body,
        headers={**SF, **headers, "traceparent": f"00-{TRACE}-{SPAN}-00"},
    )
    assert _answered(response).sampled is False
    [record] = publisher.records
    assert _record_parent(record.headers).sampled is False


@pytest.mark.parametrize(
    ("traceparent", "why"),
    [(f"00-{UNSAFE}-{SPAN}-01", "unsafe"), (f"00-{TRACE.upper()}-{SPAN}-01", "invalid")],
)
async def test_a_trace_id_not_kept_is_replaced_and_the_answer_says_so(
    gateway: httpx.AsyncClient, publisher: FakePublisher, traceparent: str, why: str
) -> None:
    body, headers = _body([_parcel("e0")], "protobuf")
    response = await gateway.post(
        "/v1/events", content=body, headers={**SF, **headers, "traceparent": traceparent}
    )
    assert response.status_code == 202
    assert response.headers["quanhub-trace-replaced"] == why
    used = _answered(response).trace_id
    assert used not in {UNSAFE, TRACE.lower()}
    [record] = publisher.records
    assert _record_parent(record.headers).trace_id == used
    assert UNSAFE.encode() not in b"".join([record.value, *(v for _, v in record.headers)])


async def test_x_trace_id_still_names_the_trace(
    gateway: httpx.AsyncClient, publisher: FakePublisher
) -> None:
    body, headers = _body([_parcel("e0")], "protobuf")
    response = await gateway.post(
        "/v1/events", content=body, headers={**SF, **headers, "X-Trace-Id": TRACE}
    )
    assert _answered(response).trace_id == TRACE
    [record] = publisher.records
    assert _record_parent(record.headers).trace_id == TRACE


async def test_a_refusal_carries_traceparent_too(gateway: httpx.AsyncClient) -> None:
    response = await gateway.post(
        "/v1/events",
        content=b"{}",
        headers={"Content-Type": "application/json", "traceparent": f"00-{TRACE}-{SPAN}-01"},
    )
    assert response.status_code == 401
    assert _answered(response).trace_id == TRACE


async def test_without_a_trace_the_hub_starts_one(
    gateway: httpx.AsyncClient, publisher: FakePublisher
) -> None:
    body, headers = _body([_parcel("e0")], "protobuf")
    response = await gateway.post("/v1/events", content=body, headers={**SF, **headers})
    trace_id, _, sampled = _answered(response)
    assert sampled
    assert response.headers["x-trace-id"] == trace_id
    [record] = publisher.records
    assert _record_parent(record.headers).trace_id == trace_id


class _Kuaidi100Channels:
    """YTO's kuaidi100 push channel (the golden push is YTO's)."""

    async def find(self, partner_code: str, fmt: str) -> PushChannel | None:
        if (partner_code, fmt) == ("YTO", "kuaidi100"):
            return PushChannel(Principal("YTO", Role.CARRIER, "YTO Express", "3701LG0003"), "n1")
        return None


async def test_a_push_s_records_are_in_its_answer_s_trace(
    publisher: FakePublisher, clock: FixedClock
) -> None:
    """Inbound pushes (quanhub.gateway.inbound) publish under the request's trace, so the
    traceparent their answer carries names the trace of their records."""
    settings = GatewaySettings()
    app = create_app(
        settings,
        clock=clock,
        publisher=publisher,
        authenticator=FakeAuthenticator(),
        push_channels=_Kuaidi100Channels(),
    )
    secret = settings.pii.secret.get_secret_value().encode()
    salt = push_secret(secret, "YTO", "kuaidi100", "n1")
    param = (Path(__file__).parent / "inbound" / "golden" / "kuaidi100_push.json").read_text()
    sign = hashlib.md5((param + salt).encode(), usedforsecurity=False).hexdigest().upper()
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://gw") as http,
    ):
        answer = await http.post(
            "/v1/inbound/kuaidi100/YTO",
            content=urlencode({"param": param, "sign": sign}),
            headers={
                "content-type": "application/x-www-form-urlencoded",
                "traceparent": f"00-{TRACE}-{SPAN}-01",
            },
        )
    assert answer.status_code == 200, answer.text
    assert _answered(answer).trace_id == TRACE
    assert publisher.records
    assert {_record_parent(r.headers).trace_id for r in publisher.records} == {TRACE}


async def test_ceb_documents_are_in_the_request_s_trace(
    gateway: httpx.AsyncClient, publisher: FakePublisher
) -> None:
    corpus = Path(__file__).parents[2] / "corpus" / "inbound" / "ceb"
    answer = await gateway.post(
        "/v1/inbound/ceb",
        content=(corpus / "CEB311.xml").read_bytes(),
        headers={
            "authorization": "Bearer key-agent",
            "content-type": "application/xml",
            "traceparent": f"00-{TRACE}-{SPAN}-00",
        },
    )
    assert answer.status_code == 202, answer.text
    assert _answered(answer) == (TRACE, _answered(answer).parent_id, False)
    assert answer.headers["x-trace-id"] == TRACE
    assert publisher.records
    assert {_record_parent(r.headers)[::2] for r in publisher.records} == {(TRACE, False)}


async def test_the_log_line_names_the_answer_s_span(
    gateway: httpx.AsyncClient, publisher: FakePublisher
) -> None:
    """Support finds a partner's request by the traceparent of its answer."""
    body, headers = _body([_parcel("e0")], "protobuf")
    with structlog.testing.capture_logs() as logs:
        response = await gateway.post("/v1/events", content=body, headers={**SF, **headers})
    trace_id, span_id, _ = _answered(response)
    [published] = [line for line in logs if line["event"] == "events_published"]
    assert (published["trace_id"], published["span_id"]) == (trace_id, span_id)
