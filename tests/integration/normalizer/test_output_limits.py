"""The output topics must take the normalizer's largest record (real Kafka).

A canonical or dead-letter topic whose max.message.bytes is below MAX_OUTPUT_BYTES (plus a
batch's framing) would refuse an output the normalizer is allowed to write; a broker's
refusal breaks the idempotent producer's sequence. So the normalizer refuses to start on
such a topic, naming it and both numbers, and is not ready while one is; and should a topic
be lowered under it anyway, the refused record becomes a reference dead letter sent by a new
producer, and the loop goes on.
"""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import subprocess
import sys
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.admin.config_resource import ConfigResource, ConfigResourceType
from normalizer_kafka import Flow, Running, collect, parcel_envelope

from quanhub.canonical.v1 import canonical_pb2 as cpb
from quanhub.common.kafka import delete_topics_with_prefix, ensure_topics, max_message_bytes
from quanhub.common.settings import KafkaSettings
from quanhub.common.topics import EventKind, Topics
from quanhub.normalizer.deadletter import read_dead_letter
from quanhub.normalizer.errors import OutputTopicTooSmall
from quanhub.normalizer.limits import REQUIRED_BYTES
from quanhub.normalizer.settings import NormalizerSettings

pytestmark = pytest.mark.integration

#: Below the bound, and still far above any ordinary event.
TOO_SMALL = 500_000


@pytest.fixture
async def own_topics(kafka_settings: KafkaSettings) -> AsyncIterator[Topics]:
    """This test's topic names; whatever it creates under them is deleted afterwards."""
    topics = Topics(kafka_settings)
    yield topics
    await delete_topics_with_prefix(kafka_settings, f"{topics.ns}.")


async def _create_with_limit(kafka: KafkaSettings, topic: str, max_message_bytes: int) -> None:
    admin = AIOKafkaAdminClient(bootstrap_servers=kafka.bootstrap)
    await admin.start()
    try:
        await admin.create_topics(
            [
                NewTopic(
                    name=topic,
                    num_partitions=kafka.partitions,
                    replication_factor=kafka.replication_factor,
                    topic_configs={"max.message.bytes": str(max_message_bytes)},
                )
            ]
        )
    finally:
        await admin.close()


async def _set_limit(kafka: KafkaSettings, topic: str, max_message_bytes: int) -> None:
    admin = AIOKafkaAdminClient(bootstrap_servers=kafka.bootstrap)
    await admin.start()
    try:
        config = {"max.message.bytes": str(max_message_bytes)}
        await admin.alter_configs([ConfigResource(ConfigResourceType.TOPIC, topic, config)])
    finally:
        await admin.close()


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _env(kafka: KafkaSettings, port: int) -> dict[str, str]:
    return {
        **os.environ,
        "QUANHUB_KAFKA_BOOTSTRAP": kafka.bootstrap,
        "QUANHUB_KAFKA_TOPIC_NAMESPACE": kafka.topic_namespace,
        "QUANHUB_KAFKA_PARTITIONS": str(kafka.partitions),
        "QUANHUB_NORMALIZER_PORT": str(port),
        "QUANHUB_NORMALIZER_GROUP_ID": f"lim-{uuid.uuid4().hex[:8]}",
        "QUANHUB_NORMALIZER_OUTPUT_LIMITS_RECHECK_SECONDS": "1",
    }


async def test_a_canonical_topic_below_the_bound_stops_the_process_at_start(
    kafka_settings: KafkaSettings, own_topics: Topics, tmp_path: Path
) -> None:
    await _create_with_limit(kafka_settings, own_topics.canonical, TOO_SMALL)
    log_path = tmp_path / "normalizer.log"
    with log_path.open("wb") as log_file:
        proc = subprocess.Popen(
            [sys.executable, "-m", "quanhub.normalizer"],
            env=_env(kafka_settings, _free_port()),
            stdout=subprocess.DEVNULL,
            stderr=log_file,
        )
        try:
            code = await asyncio.to_thread(proc.wait, 60)
        except subprocess.TimeoutExpired:
            code = None
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait(10)
    stderr = log_path.read_text("utf-8")
    assert code not in {None, 0}, f"the normalizer started (exit {code}): {stderr[-2000:]}"
    last = stderr.strip().splitlines()[-1]  # what the process says as it exits
    assert last.startswith("quanhub normalizer: output topic"), stderr[-2000:]
    assert own_topics.canonical in last
    assert str(TOO_SMALL) in last
    assert str(REQUIRED_BYTES) in last
    assert "max.message.bytes" in last


async def test_start_names_the_topic_and_both_numbers(
    kafka_settings: KafkaSettings,
    own_topics: Topics,
    normalizer_settings: NormalizerSettings,
    running: Running,
) -> None:
    await _create_with_limit(kafka_settings, own_topics.dlq, TOO_SMALL)
    await ensure_topics(kafka_settings, own_topics.specs())  # the others, as the hub makes them

    with pytest.raises(OutputTopicTooSmall) as refused:
        await running.start(normalizer_settings)

    text = str(refused.value)
    assert own_topics.dlq in text
    assert str(TOO_SMALL) in text
    assert str(REQUIRED_BYTES) in text


async def test_a_topic_lowered_after_start_makes_the_normalizer_not_ready(
    kafka_settings: KafkaSettings, own_topics: Topics, tmp_path: Path
) -> None:
    await ensure_topics(kafka_settings, own_topics.specs())
    port = _free_port()
    log_path = tmp_path / "normalizer.log"
    log_file = log_path.open("wb")
    proc = subprocess.Popen(
        [sys.executable, "-m", "quanhub.normalizer"],
        env=_env(kafka_settings, port),
        stdout=subprocess.DEVNULL,
        stderr=log_file,
    )
    try:
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}") as client:

            async def readiness_becomes(status: int) -> dict[str, object]:
                for _ in range(240):
                    try:
                        answer = await client.get("/readyz")
                        if answer.status_code == status:
                            return dict(answer.json())
                    except httpx.TransportError:
                        pass
                    await asyncio.sleep(0.25)
                stderr = log_path.read_text("utf-8")[-2000:]
                raise AssertionError(f"/readyz never answered {status}: {stderr}")

            await readiness_becomes(200)
            await _set_limit(kafka_settings, own_topics.dlq, TOO_SMALL)
            body = await readiness_becomes(503)
            assert body["checks"] == {"kafka": True, "output_limits": False}
            await _set_limit(kafka_settings, own_topics.dlq, 1_048_588)
            await readiness_becomes(200)
        stderr = log_path.read_text("utf-8")
        assert own_topics.dlq in stderr
        assert str(TOO_SMALL) in stderr
        proc.send_signal(signal.SIGTERM)
        assert await asyncio.to_thread(proc.wait, 30) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(10)
        log_file.close()


async def test_a_topic_lowered_while_running_costs_a_producer_not_the_pipeline(flow: Flow) -> None:
    app = await flow.start()
    lowered = 100_000
    await _set_limit(flow.kafka, flow.topics.dlq, lowered)
    for _ in range(40):  # the broker applies it (bounded wait)
        if (await max_message_bytes(flow.kafka, [flow.topics.dlq]))[flow.topics.dlq] == lowered:
            break
        await asyncio.sleep(0.25)
    raw = flow.topics.raw(EventKind.PARCEL)

    # A dead letter first, so the producer has written to the DLQ partition (a broker takes
    # any first sequence from a producer new to a partition, only later ones must follow).
    first = await flow.producer.send_and_wait(raw, b"\xfd", key=b"before")
    await collect(flow.kafka, flow.topics.dlq, bool, lambda r: True, timeout=30)
    # Its dead letter (the key kept) is a ~150 KB batch the broker refuses: before, the
    # reference that replaced it, and every later dead letter, met OutOfOrderSequenceNumber
    # on the same producer and the normalizer stopped.
    big = await flow.producer.send_and_wait(raw, b"\xff", key=b"K" * 150_000)
    small = await flow.producer.send_and_wait(raw, b"\xfe", key=b"after")
    normal = parcel_envelope("zto", "after-the-refusal").SerializeToString()
    await flow.producer.send_and_wait(raw, normal, key=b"ZT1234567890")

    canonical = await collect(flow.kafka, flow.topics.canonical, bool, lambda r: True, timeout=30)
    assert [cpb.CanonicalEvent.FromString(r.value).source_event_id for r in canonical] == [
        "after-the-refusal"
    ]
    records = await collect(
        flow.kafka, flow.topics.dlq, lambda rs: len(rs) >= 3, lambda r: True, timeout=30
    )
    letters = {
        r.offset: read_dead_letter(r.offset, r.timestamp, r.key, r.value, list(r.headers))
        for r in records
    }
    by_source = {(x.source_partition, x.source_offset): x for x in letters.values()}
    assert by_source[big.partition, big.offset].is_reference
    assert by_source[big.partition, big.offset].key is None
    assert by_source[small.partition, small.offset].key == b"after"
    assert by_source[first.partition, first.offset].key == b"before"
    assert not any(task.done() for _, task in flow.running.apps)
    renewals = app.metrics.registry.get_sample_value("quanhub_normalizer_producer_renewals_total")
    assert renewals == 1
