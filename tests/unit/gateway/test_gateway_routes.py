"""POST /v1/events end to end inside the process, with fake Kafka and fake key store."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
import structlog
from gateway_fakes import FakeAuthenticator, FakePublisher
from google.protobuf import json_format

from quanhub.canonical.v1 import canonical_pb2
from quanhub.common.clock import FixedClock
from quanhub.common.ids import canonical_event_id_text
from quanhub.gateway.app import create_app
from quanhub.gateway.settings import GatewaySettings
from quanhub.ingest.v1 import ingest_pb2

ID, NAME, PHONE = "370102199001011234", "张三", "13812345678"
ADDRESS = "山东省济南市历下区泉城路1号"
SF = {"Authorization": "Bearer key-sf"}
TMALL = {"Authorization": "Bearer key-tmall"}
PROTOBUF = "application/x-protobuf"


def _parcel(event_id: str, carrier: str = "shunfeng", **extra: Any) -> dict[str, Any]:
    parcel = {
        "carrier_code": carrier,
        "waybill_no": "SF1000001",
        "code_system": "quanhub",
        "code": "DELIVERED",
        **extra,
    }
    return {"event_id": event_id, "occurred_at": "2026-11-28T07:30:00Z", "parcel": parcel}


def _order(event_id: str, platform: str = "TMALL") -> dict[str, Any]:
    return {
        "eventId": event_id,
        "occurredAt": "2026-11-28T07:00:00Z",
        "order": {
            "platformCode": platform,
            "orderNo": "T100",
            "codeSystem": "quanhub",
            "code": "PAID",
            "tradeMode": "9610",
            "ieFlag": "I",
            "buyer": {"idNumber": ID, "name": NAME, "telephone": PHONE},
            "consignee": {"name": NAME, "telephone": PHONE, "address": ADDRESS},
        },
    }


async def test_missing_and_invalid_keys_get_401_with_challenge(client: httpx.AsyncClient) -> None:
    for headers in ({}, {"Authorization": "Bearer nope"}, {"Authorization": "Basic eDp5"}):
        response = await client.post("/v1/events", json={"events": []}, headers=headers)
        assert response.status_code == 401
        assert response.headers["content-type"] == "application/problem+json"
        assert response.headers["www-authenticate"].startswith("Bearer")
        assert response.json()["code"] == "unauthenticated"


async def test_mixed_batch_proceeds_with_per_index_reasons(
    client: httpx.AsyncClient, publisher: FakePublisher
) -> None:
    events = [_parcel("e0"), _parcel("e1", carrier="ZTO"), _order("e2"), _parcel("e3", code="")]
    response = await client.post("/v1/events", json={"events": events}, headers=SF)
    assert response.status_code == 202
    body = response.json()
    assert body["accepted"] == 1
    assert [(r["index"], r["code"]) for r in body["rejected"]] == [
        (1, "partner_code_mismatch"),
        (2, "kind_not_allowed"),
        (3, "missing_field"),
    ]
    assert body["rejected"][0]["eventId"] == "e1"
    [record] = publisher.records
    assert record.topic == "quanhub.raw.parcel.v1"
    assert record.key == b"P|SF|SF1000001"
    headers = dict(record.headers)
    assert headers["partner"] == b"SF"
    assert headers["trace_id"] == response.headers["x-trace-id"].encode()
    envelope = canonical_pb2.RawEnvelope.FromString(record.value)
    assert (envelope.partner_code, envelope.partner_role, envelope.ingress) == (
        "SF",
        "carrier",
        "gateway",
    )


async def test_order_is_tokenised_before_it_is_produced_and_logs_stay_clean(
    client: httpx.AsyncClient, publisher: FakePublisher
) -> None:
    with structlog.testing.capture_logs() as logs:
        response = await client.post("/v1/events", json={"events": [_order("o1")]}, headers=TMALL)
    assert response.status_code == 202, response.text
    [record] = publisher.records
    assert [entry["event"] for entry in logs] == ["events_published"]
    for clear in (ID, NAME, PHONE, "泉城路1号"):
        assert clear.encode() not in record.value
        assert clear not in repr(logs)
    envelope = canonical_pb2.RawEnvelope.FromString(record.value)
    assert envelope.event.order.buyer.id_number == "370102********1234"
    assert envelope.pii_tokens["order.buyer.id_number"].startswith("t1:")
    assert record.key == b"O|TMALL|T100"


async def test_rollback_refuses_the_whole_batch(
    client: httpx.AsyncClient, publisher: FakePublisher
) -> None:
    events = [_parcel("e0"), _parcel("e1", carrier="YTO")]
    response = await client.post(
        "/v1/events",
        json={"events": events},
        headers={**SF, "Quanhub-Error-Behaviour": "rollback"},
    )
    assert response.status_code == 422
    body = response.json()
    assert body["code"] == "batch_rejected"
    assert body["accepted"] == 0
    assert body["rejected"][0]["index"] == 1
    assert publisher.records == []
    bad = await client.post(
        "/v1/events", json={"events": events}, headers={**SF, "Quanhub-Error-Behaviour": "maybe"}
    )
    assert bad.status_code == 400


async def test_an_event_over_the_size_limit_is_rejected_on_its_own(
    settings: GatewaySettings, publisher: FakePublisher, clock: FixedClock
) -> None:
    # Over Kafka's request limit such an event could never be written: a 503 "retry later"
    # would have the partner retry it forever.
    settings = settings.model_copy(update={"max_event_bytes": 4096, "max_body_bytes": 1 << 20})
    app = create_app(settings, clock=clock, publisher=publisher, authenticator=FakeAuthenticator())
    big = _parcel("big", description="x" * 1000, location="y" * 1000)
    big["parcel"]["delivery_point_id"] = "z" * 3000
    events = [_parcel("small"), big]
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://g") as http,
    ):
        response = await http.post("/v1/events", json={"events": events}, headers=SF)
        rollback = await http.post(
            "/v1/events",
            json={"events": events},
            headers={**SF, "Quanhub-Error-Behaviour": "rollback"},
        )
        protobuf = json_format.ParseDict({"events": events}, ingest_pb2.PublishRequest())
        as_protobuf = await http.post(
            "/v1/events",
            content=protobuf.SerializeToString(),
            headers={**SF, "Content-Type": PROTOBUF},
        )
    assert response.status_code == 202
    assert response.json()["accepted"] == 1
    assert as_protobuf.status_code == 202
    # In protobuf its size is known from the wire, and it is refused unread: no event id.
    (unread,) = as_protobuf.json()["rejected"]
    assert (unread["index"], unread["eventId"], unread["code"]) == (1, "", "event_too_large")
    wire = len(protobuf.events[1].SerializeToString())
    assert unread["message"] == (
        f"the event is {wire} bytes; one event may have at most 4096, and it was not read"
    )
    (rejected,) = response.json()["rejected"]
    assert (rejected["index"], rejected["eventId"]) == (1, "big")
    assert rejected["code"] == "event_too_large"
    assert "4096" in rejected["message"]
    assert [dict(r.headers)["event_id"] for r in publisher.records] == [
        canonical_event_id_text("SF", "small").encode()
    ] * 2
    assert rollback.status_code == 422
    assert rollback.json()["rejected"][0]["code"] == "event_too_large"


async def test_reading_roles_get_403(client: httpx.AsyncClient) -> None:
    response = await client.post(
        "/v1/events",
        json={"events": [_order("x")]},
        headers={"Authorization": "Bearer key-analyst"},
    )
    assert response.status_code == 403
    assert response.json()["code"] == "role_cannot_publish"


async def test_limits_answer_413_415_and_400(client: httpx.AsyncClient) -> None:
    too_many = {"events": [_parcel(f"e{i}") for i in range(11)]}
    response = await client.post("/v1/events", json=too_many, headers=SF)
    assert response.status_code == 413
    assert response.json()["max_events"] == 10
    huge = b'{"events": [], "pad": "' + b"x" * 70_000 + b'"}'
    response = await client.post(
        "/v1/events", content=huge, headers={**SF, "Content-Type": "application/json"}
    )
    assert response.status_code == 413
    assert response.json()["max_body_bytes"] == 64 * 1024
    # Each refusal for size cost a full batch (10) of the burst of 20: the budget is spent.
    assert response.headers["x-ratelimit-remaining"] == "0"
    response = await client.post("/v1/events", json={"events": [_parcel("e")]}, headers=SF)
    assert response.status_code == 429
    response = await client.post(
        "/v1/events", content=b"<xml/>", headers={**SF, "Content-Type": "application/xml"}
    )
    assert response.status_code == 415
    assert "application/x-protobuf" in response.headers["accept-post"]
    response = await client.post(
        "/v1/events",
        content=b'{"events":[{"event_id":"\xc3"}]}',
        headers={**TMALL, "Content-Type": "application/json"},
    )
    assert (response.status_code, response.json()["code"]) == (400, "invalid_utf8")
    response = await client.post("/v1/events", json={"events": []}, headers=TMALL)
    assert (response.status_code, response.json()["code"]) == (400, "empty_batch")


async def test_rate_limit_answers_429_with_headers(client: httpx.AsyncClient) -> None:
    batch = {"events": [_parcel(f"e{i}") for i in range(10)]}
    first = await client.post("/v1/events", json=batch, headers=SF)
    second = await client.post("/v1/events", json=batch, headers=SF)
    assert (first.status_code, second.status_code) == (202, 202)
    assert second.headers["x-ratelimit-remaining"] == "0"
    third = await client.post("/v1/events", json=batch, headers=SF)
    assert third.status_code == 429
    assert third.headers["retry-after"] == "1"
    assert third.headers["x-ratelimit-limit"] == "20"
    assert third.headers["x-ratelimit-reset"] == "2"
    other = await client.post("/v1/events", json={"events": [_order("o")]}, headers=TMALL)
    assert other.status_code == 202


async def test_kafka_unavailable_is_503_never_202(
    client: httpx.AsyncClient, publisher: FakePublisher
) -> None:
    publisher.available = False
    response = await client.post("/v1/events", json={"events": [_parcel("e0")]}, headers=SF)
    assert response.status_code == 503
    assert response.headers["retry-after"] == "5"
    assert response.json()["code"] == "kafka_unavailable"
    ready = await client.get("/readyz")
    assert ready.status_code == 503


async def test_protobuf_in_and_out(client: httpx.AsyncClient, publisher: FakePublisher) -> None:
    request = ingest_pb2.PublishRequest()
    event = request.events.add(event_id="pb1")
    event.occurred_at.FromJsonString("2026-11-28T07:00:00Z")
    event.parcel.MergeFrom(
        ingest_pb2.ParcelEvent(
            carrier_code="SF", waybill_no="SF2000002", code_system="quanhub", code="PICKED_UP"
        )
    )
    response = await client.post(
        "/v1/events",
        content=request.SerializeToString(),
        headers={
            **SF,
            "Content-Type": "application/x-protobuf",
            "Accept": "application/x-protobuf",
        },
    )
    assert response.status_code == 202
    assert ingest_pb2.PublishResponse.FromString(response.content).accepted == 1
    assert len(publisher.records) == 1


async def test_metrics_count_requests_and_events(client: httpx.AsyncClient) -> None:
    await client.post("/v1/events", json={"events": [_parcel("m0"), _order("m1")]}, headers=SF)
    await client.post("/v1/events", content=b"x", headers={**SF, "Content-Type": "text/plain"})
    text = (await client.get("/metrics")).text
    assert 'quanhub_gateway_requests_total{status="202"} 1.0' in text
    assert 'quanhub_gateway_requests_total{status="415"} 1.0' in text
    assert 'quanhub_gateway_events_total{outcome="accepted",partner="SF"} 1.0' in text
    assert 'quanhub_gateway_events_total{outcome="rejected",partner="SF"} 1.0' in text


@pytest.mark.parametrize("path", ["/healthz", "/metrics"])
async def test_ops_endpoints_need_no_key(client: httpx.AsyncClient, path: str) -> None:
    assert (await client.get(path)).status_code == 200


async def test_openapi_documents_the_route_and_bearer_auth(client: httpx.AsyncClient) -> None:
    spec = (await client.get("/openapi.json")).json()
    post = spec["paths"]["/v1/events"]["post"]
    assert "Kafka acknowledged" in post["description"]
    assert "application/x-protobuf" in post["requestBody"]["content"]
    assert spec["components"]["securitySchemes"]["PartnerApiKey"]["scheme"] == "bearer"
