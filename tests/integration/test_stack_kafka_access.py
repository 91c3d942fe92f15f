"""A partner with SASL/SCRAM credentials can write its own topic and nothing else."""

from __future__ import annotations

import uuid

import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from aiokafka.errors import KafkaError, TopicAuthorizationFailedError

from quanhub.common.kafka import ensure_topics
from quanhub.common.settings import KafkaSettings
from quanhub.common.topics import EventKind, Topics
from quanhub.stack import procs
from quanhub.stack.kafka_access import (
    PartnerKafkaAccess,
    provision_partner_access,
    revoke_partner_access,
)
from quanhub.stack.settings import StackSettings

pytestmark = pytest.mark.integration

PARTNER = f"SASL{uuid.uuid4().hex[:8].upper()}"


def _producer(access: PartnerKafkaAccess, password: str | None = None) -> AIOKafkaProducer:
    return AIOKafkaProducer(
        bootstrap_servers=access.bootstrap,
        security_protocol=access.security_protocol,
        sasl_mechanism=access.sasl_mechanism,
        sasl_plain_username=access.username,
        sasl_plain_password=password or access.password,
        acks="all",
        enable_idempotence=True,
        request_timeout_ms=10_000,
    )


@pytest.fixture(scope="module")
async def access(kafka_settings: KafkaSettings) -> PartnerKafkaAccess:
    stack = StackSettings()
    if procs.port_is_free(stack.kafka_sasl_port):
        pytest.fail(
            f"no SASL listener on 127.0.0.1:{stack.kafka_sasl_port}: this Kafka was not started "
            "by `quanhub stack up` (set QUANHUB_STACK_KAFKA_SASL_PORT to its SASL port)",
            pytrace=False,
        )
    # SCRAM users are cluster-wide: a code unique to this session keeps parallel runs apart.
    return await provision_partner_access(kafka_settings, PARTNER, stack=stack)


async def test_partner_writes_own_topic_and_record_arrives(
    access: PartnerKafkaAccess, kafka_settings: KafkaSettings
) -> None:
    assert access.topic == Topics(kafka_settings).partner(PARTNER)
    assert access.username == f"partner-{PARTNER.lower()}"
    producer = _producer(access)
    await producer.start()
    try:
        meta = await producer.send_and_wait(access.topic, b"event-1", key=b"P|SF|SF100")
    finally:
        await producer.stop()
    # Read it back over the internal listener: the write really landed.
    consumer = AIOKafkaConsumer(
        bootstrap_servers=kafka_settings.bootstrap, enable_auto_commit=False
    )
    await consumer.start()
    try:
        tp = TopicPartition(access.topic, meta.partition)
        consumer.assign([tp])
        consumer.seek(tp, meta.offset)
        batch = await consumer.getmany(tp, timeout_ms=10_000)
    finally:
        await consumer.stop()
    assert [m.value for m in batch[tp]] == [b"event-1"]


async def test_partner_is_refused_on_another_topic(
    access: PartnerKafkaAccess, kafka_settings: KafkaSettings
) -> None:
    other = Topics(kafka_settings).raw(EventKind.PARCEL)
    await ensure_topics(
        kafka_settings, [s for s in Topics(kafka_settings).specs() if s.name == other]
    )
    producer = _producer(access)
    await producer.start()
    try:
        with pytest.raises(TopicAuthorizationFailedError):
            await producer.send_and_wait(other, b"not allowed", key=b"k")
    finally:
        await producer.stop()


async def test_wrong_password_cannot_connect(access: PartnerKafkaAccess) -> None:
    producer = _producer(access, password="not-the-password")
    with pytest.raises(KafkaError):
        await producer.start()
    await producer.stop()


async def test_revoked_partner_can_no_longer_connect(kafka_settings: KafkaSettings) -> None:
    code = f"REVOKE{uuid.uuid4().hex[:6].upper()}"
    stack = StackSettings()
    access = await provision_partner_access(kafka_settings, code, stack=stack)
    producer = _producer(access)
    await producer.start()
    try:
        await producer.send_and_wait(access.topic, b"before revoke", key=b"k")
    finally:
        await producer.stop()

    await revoke_partner_access(kafka_settings, code, stack=stack)
    producer = _producer(access)
    with pytest.raises(KafkaError):
        await producer.start()
    await producer.stop()
