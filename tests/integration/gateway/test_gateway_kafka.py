"""The gateway against the real Kafka and PostgreSQL: durable, tokenised, authorised."""

from __future__ import annotations

import contextlib
import socket
import uuid
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from aiokafka.partitioner import DefaultPartitioner
from gateway_stack import gateway_settings, serve
from kafka_reading import namespace_topics, read_all

from quanhub.canonical.v1 import canonical_pb2
from quanhub.common.errors import DependencyUnavailable
from quanhub.common.ids import canonical_event_id
from quanhub.common.settings import DatabaseSettings, KafkaSettings
from quanhub.common.topics import EventKind, Topics
from quanhub.gateway.publisher import KafkaPublisher, Record

pytestmark = pytest.mark.integration

ID, NAME, PHONE = "370102198807154321", "欧阳娜娜", "13905311234"
PAYER_ID, CONSIGNEE, CONSIGNEE_PHONE = "37010519920304567X", "赵六", "15866668888"
ADDRESS = "山东省济南市历下区泉城路188号2单元301室"
CLEAR = (ID, NAME, PHONE, PAYER_ID, CONSIGNEE, CONSIGNEE_PHONE, "泉城路188号")


def _bearer(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


def _uid() -> str:
    return uuid.uuid4().hex[:12].upper()


@contextlib.asynccontextmanager
async def _publisher(
    kafka_settings: KafkaSettings, topic: str, timeout: float
) -> AsyncIterator[KafkaPublisher]:
    """A started publisher, stopped on the way out."""
    publisher = KafkaPublisher(kafka_settings, timeout=timeout, probe_topic=topic)
    await publisher.start()
    try:
        yield publisher
    finally:
        await publisher.stop()


def _order(event_id: str, order_no: str, platform: str = "TMALL") -> dict[str, Any]:
    return {
        "event_id": event_id,
        "occurred_at": "2026-11-28T08:00:00Z",
        "order": {
            "platform_code": platform,
            "order_no": order_no,
            "code_system": "quanhub",
            "code": "PAID",
            "trade_mode": "9610",
            "ie_flag": "I",
            "currency": "CNY",
            "actual_paid": "199.00",
            "carrier_code": "SF",
            "waybill_no": f"SF{order_no}",
            "buyer": {"id_number": ID, "name": NAME, "telephone": PHONE},
            "payer": {"id_number": PAYER_ID, "name": NAME, "telephone": PHONE},
            "consignee": {
                "name": CONSIGNEE,
                "telephone": CONSIGNEE_PHONE,
                "address": ADDRESS,
                "district_code": "370102",
            },
        },
    }


def _parcel(event_id: str, waybill: str, carrier: str = "shunfeng") -> dict[str, Any]:
    return {
        "eventId": event_id,
        "occurredAt": "2026-11-28T09:00:00Z",
        "parcel": {
            "carrierCode": carrier,
            "waybillNo": waybill,
            "codeSystem": "quanhub",
            "code": "DELIVERED",
            "description": f"已签收 收件人电话 {CONSIGNEE_PHONE}",
        },
    }


def _customs(event_id: str, cop_no: str) -> dict[str, Any]:
    return {
        "event_id": event_id,
        "occurred_at": "2026-11-28T08:30:00Z",
        "customs": {
            "message_type": "CEB621",
            "trade_mode": "9610",
            "ie_flag": "I",
            "cop_no": cop_no,
            "order_no": cop_no,
            "ebp_code": "3701PT0001",
            "agent_code": "3701AG0001",
            "buyer": {"id_number": ID, "name": NAME, "telephone": PHONE},
            "consignee": {"name": CONSIGNEE, "telephone": CONSIGNEE_PHONE, "address": ADDRESS},
        },
    }


async def test_accepted_events_land_tokenised_and_no_clear_value_is_anywhere_in_kafka(
    gateway: httpx.AsyncClient,
    demo_keys: dict[str, str],
    kafka_settings: KafkaSettings,
    raw_topics: Topics,
) -> None:
    run = _uid()
    posts = [
        ("TMALL", _order(f"o-{run}", f"T{run}")),
        ("SF", _parcel(f"p-{run}", f"SF{run}")),
        ("JNAGENT", _customs(f"c-{run}", f"COP{run}")),
    ]
    for partner, event in posts:
        response = await gateway.post(
            "/v1/events", json={"events": [event]}, headers=_bearer(demo_keys[partner])
        )
        assert response.status_code == 202, response.text
        assert response.json() == {"accepted": 1, "rejected": []}
    records = await read_all(kafka_settings, raw_topics.raw_topics)
    envelopes = {}
    for record in records:
        envelope = canonical_pb2.RawEnvelope.FromString(record.value)
        envelopes[envelope.event.event_id] = (record, envelope)
    order_record, order = envelopes[f"o-{run}"]
    assert order_record.topic == raw_topics.raw(EventKind.ORDER)
    assert order_record.key == f"O|TMALL|T{run}".encode()
    assert order.event.order.buyer.id_number == "370102********4321"
    assert order.event.order.buyer.name == "欧***"
    assert order.event.order.consignee.address == "山东省济南市历下区****"
    assert len(order.pii_tokens) == 9
    assert (
        order.pii_tokens["order.buyer.id_number"]
        == envelopes[f"c-{run}"][1].pii_tokens["customs.buyer.id_number"]
    ), "the same person has the same token across documents"
    parcel_record, _ = envelopes[f"p-{run}"]
    assert parcel_record.key == f"P|SF|SF{run}".encode()
    assert (
        dict(parcel_record.headers)["event_id"]
        == str(canonical_event_id("SF", f"p-{run}")).encode()
    )
    customs_record, customs = envelopes[f"c-{run}"]
    assert customs_record.key == f"C|JNAGENT|COP{run}".encode()
    assert customs.partner_role == "customs_agent"
    # Every topic of this session's namespace, every byte of key, value and headers.
    everything = await read_all(kafka_settings, await namespace_topics(kafka_settings))
    assert len(everything) >= 3
    for record in everything:
        blob = (record.key or b"") + (record.value or b"")
        blob += b"".join(k.encode() + v for k, v in record.headers)
        for clear in CLEAR:
            assert clear.encode() not in blob, f"clear personal data in {record.topic}"


async def test_carrier_cannot_publish_orders_or_other_carriers_parcels(
    gateway: httpx.AsyncClient,
    demo_keys: dict[str, str],
    kafka_settings: KafkaSettings,
    raw_topics: Topics,
) -> None:
    run = _uid()
    batch = [
        _order(f"o-{run}", f"T{run}", platform="SF"),
        _parcel(f"z-{run}", f"ZT{run}", carrier="zhongtong"),
        _parcel(f"s-{run}", f"SF{run}", carrier="SF"),
    ]
    response = await gateway.post(
        "/v1/events", json={"events": batch}, headers=_bearer(demo_keys["SF"])
    )
    assert response.status_code == 202
    body = response.json()
    assert body["accepted"] == 1
    assert [(r["index"], r["code"]) for r in body["rejected"]] == [
        (0, "kind_not_allowed"),
        (1, "partner_code_mismatch"),
    ]
    ids = {
        canonical_pb2.RawEnvelope.FromString(r.value).event.event_id
        for r in await read_all(kafka_settings, raw_topics.raw_topics)
    }
    assert f"s-{run}" in ids
    assert f"o-{run}" not in ids
    assert f"z-{run}" not in ids
    # The same key under rollback: nothing at all.
    rollback = await gateway.post(
        "/v1/events",
        json={"events": [_parcel(f"r-{run}", f"SF{run}"), _order(f"q-{run}", "X", "SF")]},
        headers={**_bearer(demo_keys["SF"]), "Quanhub-Error-Behaviour": "rollback"},
    )
    assert rollback.status_code == 422
    ids = {
        canonical_pb2.RawEnvelope.FromString(r.value).event.event_id
        for r in await read_all(kafka_settings, [raw_topics.raw(EventKind.PARCEL)])
    }
    assert f"r-{run}" not in ids


async def test_unknown_wrong_and_reader_keys(
    gateway: httpx.AsyncClient, demo_keys: dict[str, str]
) -> None:
    event = {"events": [_parcel(f"p-{_uid()}", "SF12345678")]}
    assert (await gateway.post("/v1/events", json=event)).status_code == 401
    forged = demo_keys["SF"][:-3] + ("aaa" if not demo_keys["SF"].endswith("aaa") else "bbb")
    assert (
        await gateway.post("/v1/events", json=event, headers=_bearer(forged))
    ).status_code == 401
    reader = await gateway.post("/v1/events", json=event, headers=_bearer(demo_keys["QCCUSTOMS"]))
    assert reader.status_code == 403


async def test_retrying_a_batch_gives_the_same_ids_and_keys(
    gateway: httpx.AsyncClient,
    demo_keys: dict[str, str],
    kafka_settings: KafkaSettings,
    raw_topics: Topics,
) -> None:
    run = _uid()
    batch = {"events": [_parcel(f"p{i}-{run}", f"SF{run}{i}") for i in range(5)]}
    for _ in range(2):
        response = await gateway.post("/v1/events", json=batch, headers=_bearer(demo_keys["SF"]))
        assert response.json()["accepted"] == 5
    seen: dict[str, set[tuple[bytes, bytes]]] = {}
    for record in await read_all(kafka_settings, [raw_topics.raw(EventKind.PARCEL)]):
        event_id = canonical_pb2.RawEnvelope.FromString(record.value).event.event_id
        if event_id.endswith(run):
            seen.setdefault(event_id, set()).add(
                (dict(record.headers)["event_id"], record.key or b"")
            )
    assert len(seen) == 5
    for event_id, copies in seen.items():
        assert len(copies) == 1, f"{event_id} changed identity between retries"


async def test_records_land_in_the_partition_every_kafka_client_would_choose(
    gateway: httpx.AsyncClient,
    demo_keys: dict[str, str],
    kafka_settings: KafkaSettings,
    raw_topics: Topics,
) -> None:
    run = _uid()
    # Several events per waybill: one object's events must stay in order in one partition.
    events = [_parcel(f"k{i}-{run}", f"SF{run}{i % 7}") for i in range(60)]
    response = await gateway.post(
        "/v1/events", json={"events": events}, headers=_bearer(demo_keys["SF"])
    )
    assert response.json()["accepted"] == 60
    partitions = list(range(kafka_settings.partitions))
    order: dict[bytes, list[int]] = {}
    for record in await read_all(kafka_settings, [raw_topics.raw(EventKind.PARCEL)]):
        event_id = canonical_pb2.RawEnvelope.FromString(record.value).event.event_id
        if not event_id.endswith(run):
            continue
        assert record.partition == DefaultPartitioner()(record.key, partitions, partitions)
        order.setdefault(record.key or b"", []).append(int(event_id[1:].split("-")[0]))
    assert len(order) == 7
    for sequence in order.values():
        assert sequence == sorted(sequence), "events of one waybill kept request order"


async def test_limits_on_the_real_stack(
    kafka_settings: KafkaSettings,
    database_settings: DatabaseSettings,
    raw_topics: Topics,
    demo_keys: dict[str, str],
) -> None:
    settings = gateway_settings(
        kafka_settings,
        database_settings,
        max_events_per_request=5,
        rate_limit_burst=8,
        rate_limit_events_per_second=0.01,
    )
    async for client in serve(settings):
        key = _bearer(demo_keys["ZTO"])
        events = [_parcel(f"z{i}-{_uid()}", f"ZT{i}0000000", "ZTO") for i in range(6)]
        too_many = await client.post("/v1/events", json={"events": events}, headers=key)
        assert too_many.status_code == 413
        assert too_many.json()["max_events"] == 5
        # The refusal cost a full batch (5) of the burst of 8.
        assert too_many.headers["x-ratelimit-remaining"] == "3"
        assert (
            await client.post("/v1/events", json={"events": events[:3]}, headers=key)
        ).status_code == 202
        limited = await client.post("/v1/events", json={"events": events[3:5]}, headers=key)
        assert limited.status_code == 429
        assert int(limited.headers["retry-after"]) > 0
        assert limited.headers["x-ratelimit-remaining"] == "0"


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def test_unreachable_kafka_answers_503_never_202(
    kafka_settings: KafkaSettings,
    database_settings: DatabaseSettings,
    demo_keys: dict[str, str],
) -> None:
    dead = kafka_settings.model_copy(update={"bootstrap": f"127.0.0.1:{_closed_port()}"})
    async for client in serve(gateway_settings(dead, database_settings)):
        response = await client.post(
            "/v1/events",
            json={"events": [_parcel(f"p-{_uid()}", "SF99999999")]},
            headers=_bearer(demo_keys["SF"]),
        )
        assert response.status_code == 503
        assert response.headers["retry-after"] == "5"
        ready = await client.get("/readyz")
        assert ready.status_code == 503
        assert ready.json()["checks"] == {"kafka": False, "postgres": True}


async def test_kafka_slower_than_the_deadline_is_503(
    kafka_settings: KafkaSettings,
    database_settings: DatabaseSettings,
    raw_topics: Topics,
    demo_keys: dict[str, str],
) -> None:
    batch = {"events": [_parcel(f"slow{i}-{_uid()}", f"SF{i}0000000") for i in range(50)]}
    impatient = gateway_settings(kafka_settings, database_settings, publish_timeout_seconds=1e-6)
    async for client in serve(impatient):
        response = await client.post("/v1/events", json=batch, headers=_bearer(demo_keys["SF"]))
        assert response.status_code == 503
        assert "did not acknowledge" in response.json()["detail"]
        assert response.headers["retry-after"] == "5"


async def test_a_timed_out_producer_keeps_working(
    kafka_settings: KafkaSettings, raw_topics: Topics
) -> None:
    topic = raw_topics.raw(EventKind.PARCEL)
    run = _uid()
    records = [
        Record(topic, f"P|SF|T{run}{i}".encode(), f"{run}-{i}".encode(), []) for i in range(200)
    ]
    async with _publisher(kafka_settings, topic, timeout=10) as publisher:
        with pytest.raises(DependencyUnavailable):
            await publisher.publish(records, deadline_seconds=1e-6)
        await publisher.publish(records)
        assert await publisher.ready()
    values = {r.value for r in await read_all(kafka_settings, [topic])}
    assert {f"{run}-{i}".encode() for i in range(200)} <= values


async def test_batches_larger_than_one_kafka_batch_are_split_in_order(
    kafka_settings: KafkaSettings, raw_topics: Topics
) -> None:
    topic = raw_topics.raw(EventKind.CUSTOMS)
    run = _uid()
    key = f"C|JNAGENT|BIG{run}".encode()
    async with _publisher(kafka_settings, topic, timeout=20) as publisher:
        # 300 x 4 KiB to one partition: well over the producer's 256 KiB batch size.
        await publisher.publish(
            [Record(topic, key, f"{run}-{i:04d}-".encode() + b"x" * 4096, []) for i in range(300)]
        )
    mine = [r.value for r in await read_all(kafka_settings, [topic]) if r.key == key]
    assert [v[len(run) + 1 : len(run) + 5] for v in mine] == [
        f"{i:04d}".encode() for i in range(300)
    ]


async def test_an_event_near_the_size_limit_is_written_and_one_over_it_is_rejected(
    gateway: httpx.AsyncClient,
    demo_keys: dict[str, str],
    kafka_settings: KafkaSettings,
    raw_topics: Topics,
) -> None:
    """The default max_event_bytes (512 KiB) fits Kafka's 1 MiB request with its envelope;
    a larger event is refused on its own, not answered 503 for ever."""
    run = _uid()
    line = {"item_name": "商品" * 120, "quantity": 1, "unit_price": "1.00", "total_price": "1.00"}
    near, over = _order(f"near-{run}", f"N{run}"), _order(f"over-{run}", f"V{run}")
    near["order"]["lines"] = [{**line, "gnum": i + 1} for i in range(680)]  # ~505 KB
    over["order"]["lines"] = [{**line, "gnum": i + 1} for i in range(760)]  # ~565 KB
    response = await gateway.post(
        "/v1/events", json={"events": [near, over]}, headers=_bearer(demo_keys["TMALL"])
    )
    assert response.status_code == 202, response.text
    assert response.json()["accepted"] == 1
    assert [(r["eventId"], r["code"]) for r in response.json()["rejected"]] == [
        (f"over-{run}", "event_too_large")
    ]
    written = [
        canonical_pb2.RawEnvelope.FromString(r.value)
        for r in await read_all(kafka_settings, [raw_topics.raw(EventKind.ORDER)])
    ]
    (envelope,) = [e for e in written if e.event.event_id.endswith(run)]
    assert envelope.event.event_id == f"near-{run}"
    assert 500_000 < envelope.ByteSize() < 1_000_000
    assert len(envelope.event.order.lines) == 680
