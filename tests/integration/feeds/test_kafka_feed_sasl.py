"""A partner creates its Kafka feed through the API and reads it as an outside client would:
confluent-kafka (librdkafka) and Kafka's Java client over SASL_PLAINTEXT with SCRAM-SHA-512,
its own user only."""

from __future__ import annotations

import asyncio
import shutil
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import orjson
import pytest
from cloudevents.v1.kafka import KafkaMessage, from_binary
from confluent_kafka import Consumer, KafkaError

from quanhub.common.access import Role
from quanhub.common.settings import DatabaseSettings, KafkaSettings
from quanhub.ledger.feeds.kafka_feed import feed_topic
from quanhub.ledger.feeds.runtime import FeedSettings
from quanhub.stack import procs
from quanhub.stack.kafka_access import (
    PartnerKafkaAccess,
    provision_partner_access,
    revoke_partner_access,
)
from quanhub.stack.kafka_server import LocalKafka
from quanhub.stack.settings import StackSettings

from .api_app import make_app, serving
from .support import append_to_ledger, parcel_event
from .test_dispatcher import _settings, dispatching

pytestmark = pytest.mark.integration

JAVA_CONSUMER = Path(__file__).parent / "java" / "FeedConsumer.java"


@pytest.fixture
async def partner(
    kafka_settings: KafkaSettings, make_partner: Any
) -> AsyncIterator[tuple[str, str, PartnerKafkaAccess]]:
    """A carrier with an API key and its SCRAM user (as `quanhub stack partner-access`)."""
    stack = StackSettings()
    if procs.port_is_free(stack.kafka_sasl_port):
        pytest.fail(
            f"no SASL listener on 127.0.0.1:{stack.kafka_sasl_port}: start Kafka with "
            "`quanhub stack up` (QUANHUB_STACK_KAFKA_SASL_PORT names its SASL port)",
            pytrace=False,
        )
    carrier, key = await make_partner(Role.CARRIER)
    access = await provision_partner_access(kafka_settings, carrier.partner_code, stack=stack)
    yield carrier.partner_code, key, access
    await revoke_partner_access(kafka_settings, carrier.partner_code, stack=stack)


def _consumer(access: PartnerKafkaAccess, group: str) -> Consumer:
    return Consumer(
        {
            "bootstrap.servers": access.bootstrap,
            "security.protocol": access.security_protocol,
            "sasl.mechanism": access.sasl_mechanism,
            "sasl.username": access.username,
            "sasl.password": access.password,
            "group.id": group,
            "auto.offset.reset": "earliest",
            "enable.auto.commit": False,
        }
    )


def _read(access: PartnerKafkaAccess, topic: str, group: str, count: int) -> list[Any]:
    """Poll the feed in a consumer group until `count` records came (60 s at most)."""
    consumer = _consumer(access, group)
    records: list[Any] = []
    try:
        consumer.subscribe([topic])
        loop_until = 60.0
        while len(records) < count and loop_until > 0:
            msg = consumer.poll(0.5)
            loop_until -= 0.5
            if msg is None:
                continue
            if msg.error() is not None:
                pytest.fail(f"consumer error: {msg.error()}")
            records.append(msg)
        consumer.commit(asynchronous=False)
    finally:
        consumer.close()
    return records


async def _read_with_java(
    access: PartnerKafkaAccess, topic: str, group: str, count: int
) -> list[tuple[int, str]]:
    """(seq header, key) of the records Kafka's Java client reads in `group`."""
    java = shutil.which("java")
    if java is None:
        pytest.fail("Java 17+ is needed (the local Kafka needs it too)", pytrace=False)
    libs = await asyncio.to_thread(LocalKafka(StackSettings()).ensure_jars)
    process = await asyncio.create_subprocess_exec(
        java,
        "-Xmx256m",
        "-cp",
        f"{libs}/*",
        str(JAVA_CONSUMER),
        access.bootstrap,
        access.username,
        topic,
        group,
        str(count),
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await asyncio.wait_for(
        process.communicate(f"{access.password}\n".encode()), timeout=180
    )
    assert process.returncode == 0, err.decode(errors="replace")[-2000:]
    lines = out.decode().splitlines()
    assert lines[-1] == f"done {count}", out.decode()[-2000:]
    return [(int(seq), key) for seq, key in (line.split(" ", 1) for line in lines[:-1])]


def _topic_error(access: PartnerKafkaAccess, topic: str) -> int | None:
    """The error code the partner's user gets describing `topic` (None: allowed)."""
    consumer = _consumer(access, f"{topic}-probe")
    try:
        error = consumer.list_topics(topic, timeout=15).topics[topic].error
    finally:
        consumer.close()
    return None if error is None else int(error.code())


async def test_partner_subscribes_and_reads_its_feed_over_scram(
    pool: asyncpg.Pool,
    database_settings: DatabaseSettings,
    kafka_settings: KafkaSettings,
    partner: tuple[str, str, PartnerKafkaAccess],
    make_partner: Any,
) -> None:
    code, key, access = partner
    other, _ = await make_partner(Role.CARRIER)
    topic = feed_topic(kafka_settings, code)
    auth = {"Authorization": f"Bearer {key}"}
    app = make_app(database_settings, FeedSettings(kafka=kafka_settings))
    async with serving(app) as base, httpx.AsyncClient(base_url=base, timeout=30) as client:
        with_url = await client.post(
            "/v1/subscriptions",
            json={"transport": "kafka", "url": "https://x.example/h"},
            headers=auth,
        )
        assert with_url.status_code == 422  # a kafka subscription takes no url
        created = await client.post(
            "/v1/subscriptions", json={"transport": "kafka", "kinds": ["parcel"]}, headers=auth
        )
        assert created.status_code == 201, created.text
        sub = created.json()
        assert sub["transport"] == "kafka"
        assert "secret" not in sub  # kafka records are not signed: no secret to show
        assert sub["topic"] == topic  # the answer says what to consume
        shown = await client.get(f"/v1/subscriptions/{sub['id']}", headers=auth)
        assert shown.json()["topic"] == topic
        rotate = await client.post(f"/v1/subscriptions/{sub['id']}/rotate-secret", headers=auth)
        assert rotate.status_code == 409
        assert rotate.json()["code"] == "subscription_not_signed"
        again = await client.post("/v1/subscriptions", json={"transport": "kafka"}, headers=auth)
        assert again.status_code == 409
        assert again.json()["code"] == "kafka_subscription_exists"

        mine = [parcel_event(code, f"S{n % 3}00{n % 3}", n) for n in range(9)]
        noise = [parcel_event(other.partner_code, f"Z{n:05d}", n) for n in range(3)]
        seqs = await append_to_ledger(pool, mine + noise)
        async with dispatching(_settings(database_settings, kafka=kafka_settings)):
            records = await asyncio.to_thread(_read, access, topic, f"{topic}-it", len(mine))
        values = [orjson.loads(r.value()) for r in records]
        assert sorted(int(v["seq"]) for v in values) == seqs[: len(mine)]
        for record, value in zip(records, values, strict=True):
            headers = dict(record.headers() or [])
            assert headers["event_id"] == str(value["event_id"]).encode()
            assert record.key() == f"P|{code}|{value['waybill_no']}".encode()
        by_java = await _read_with_java(access, topic, f"{topic}-java", len(mine))
        assert sorted(seq for seq, _ in by_java) == seqs[: len(mine)]
        assert {key for _, key in by_java} == {r.key().decode() for r in records}

        # A group id outside the granted prefix is refused.
        outsider = _consumer(access, "someone-elses-group")
        try:
            outsider.subscribe([topic])
            error = None
            for _ in range(40):
                msg = outsider.poll(0.5)
                if msg is not None and msg.error() is not None:
                    error = msg.error()
                    break
        finally:
            outsider.close()
        assert error is not None
        assert error.code() == KafkaError.GROUP_AUTHORIZATION_FAILED

        deleted = await client.delete(f"/v1/subscriptions/{sub['id']}", headers=auth)
        assert deleted.status_code == 204
        refused = await asyncio.to_thread(_topic_error, access, topic)
        assert refused == KafkaError.TOPIC_AUTHORIZATION_FAILED
        recreated = await client.post(
            "/v1/subscriptions", json={"transport": "kafka"}, headers=auth
        )
        assert recreated.status_code == 201, recreated.text
        assert await asyncio.to_thread(_topic_error, access, topic) is None


async def test_cloudevents_subscription_records_parse_with_the_sdk_kafka_binding(
    pool: asyncpg.Pool,
    database_settings: DatabaseSettings,
    kafka_settings: KafkaSettings,
    partner: tuple[str, str, PartnerKafkaAccess],
) -> None:
    code, key, access = partner
    topic = feed_topic(kafka_settings, code)
    auth = {"Authorization": f"Bearer {key}"}
    app = make_app(database_settings, FeedSettings(kafka=kafka_settings))
    async with serving(app) as base, httpx.AsyncClient(base_url=base, timeout=30) as client:
        created = await client.post(
            "/v1/subscriptions",
            json={"transport": "kafka", "kinds": ["parcel"], "format": "cloudevents"},
            headers=auth,
        )
        assert created.status_code == 201, created.text
        sub = created.json()
        assert (sub["transport"], sub["format"]) == ("kafka", "cloudevents")
        assert "secret" not in sub
        seqs = await append_to_ledger(
            pool, [parcel_event(code, f"CK{n % 2:04d}", n) for n in range(5)]
        )
        try:
            async with dispatching(_settings(database_settings, kafka=kafka_settings)):
                records = await asyncio.to_thread(_read, access, topic, f"{topic}-ce", len(seqs))
        finally:
            await client.delete(f"/v1/subscriptions/{sub['id']}", headers=auth)

    parsed = []
    for record in records:
        headers = dict(record.headers() or [])
        for name in ("ce_specversion", "ce_id", "ce_source", "ce_type", "ce_time", "ce_subject"):
            assert name in headers, name
        assert headers["content-type"] == b"application/json"
        event = from_binary(KafkaMessage(headers, record.key(), record.value()))
        parsed.append(event)
        assert event["specversion"] == "1.0"
        assert event["type"] == "dev.quanhub.parcel.status_changed.v1"
        assert event["source"] == "/quanhub/ledger"
        assert event["id"] == event.data["event_id"] == headers["event_id"].decode()
        assert event["time"] == event.data["occurred_at"]
        assert event["datacontenttype"] == "application/json"
        # The subject is the business key the record is keyed (and partitioned) by.
        assert event["subject"] == record.key().decode() == f"P|{code}|{event.data['waybill_no']}"
        assert event.data == orjson.loads(record.value())
    assert sorted(e.data["seq"] for e in parsed) == seqs
