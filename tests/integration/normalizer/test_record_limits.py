"""No record stops the pipeline: records at the broker's limit for key, value and headers
(alone and combined, on a partner topic and on a raw topic) are normalised or
dead-lettered, and a normal event sent after them is in the ledger within seconds."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime
from typing import Any

import pytest
from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.admin.config_resource import ConfigResource, ConfigResourceType
from aiokafka.record.default_records import DefaultRecordBatchBuilder
from normalizer_kafka import Flow, collect, ledger_rows

from quanhub.canonical.v1 import canonical_pb2 as cpb
from quanhub.common.kafka import make_producer
from quanhub.common.settings import KafkaSettings
from quanhub.ingest.v1 import ingest_pb2 as ipb
from quanhub.normalizer.deadletter import header, read_dead_letter

pytestmark = pytest.mark.integration

Headers = list[tuple[str, bytes]]
Build = Callable[[int], tuple[bytes | None, bytes, Headers]]
#: A normal event must be normalised this soon after the normalizer starts, behind them.
WITHIN_SECONDS = 30.0


async def _max_message_bytes(kafka: KafkaSettings, topic: str) -> int:
    """The topic's max.message.bytes (the largest record batch the broker appends), asked
    until the new topic's configuration is there (bounded)."""
    admin = AIOKafkaAdminClient(bootstrap_servers=kafka.bootstrap)
    await admin.start()
    try:
        for _ in range(40):
            (answer,) = await admin.describe_configs(
                [ConfigResource(ConfigResourceType.TOPIC, topic)]
            )
            (resource,) = answer.resources
            found = [int(c[1]) for c in resource[4] if c[0] == "max.message.bytes"]
            if found:
                return found[0]
            await asyncio.sleep(0.25)
        msg = f"no max.message.bytes for {topic}"
        raise AssertionError(msg)
    finally:
        await admin.close()


async def _committed_to_the_end(kafka: KafkaSettings, group: str, topics: list[str]) -> bool:
    """Whether `group` commits offsets up to the end of every partition of `topics` (polled
    until WITHIN_SECONDS)."""
    admin = AIOKafkaAdminClient(bootstrap_servers=kafka.bootstrap)
    consumer = AIOKafkaConsumer(bootstrap_servers=kafka.bootstrap, group_id=None)
    await admin.start()
    await consumer.start()
    try:
        tps = [
            TopicPartition(t, p)
            for t in topics
            for p in (await consumer._client.fetch_all_metadata()).partitions_for_topic(t) or ()
        ]
        ends = await consumer.end_offsets(tps)
        deadline = asyncio.get_running_loop().time() + WITHIN_SECONDS
        while asyncio.get_running_loop().time() < deadline:
            committed = await admin.list_consumer_group_offsets(group)
            if all(
                end == 0 or (tp in committed and committed[tp].offset >= end)
                for tp, end in ends.items()
            ):
                return True
            await asyncio.sleep(0.25)
        return False
    finally:
        await consumer.stop()
        await admin.close()


def _fitted(build: Build, limit: int) -> tuple[bytes | None, bytes, Headers]:
    """build(n) with the filler size n that makes the record batch `limit` bytes (or a few
    bytes less, where a length's varint grows by a byte)."""
    n = limit
    for _ in range(20):
        key, value, headers = build(n)
        size = DefaultRecordBatchBuilder.estimate_size_in_bytes(key, value, headers)
        if limit - 8 <= size <= limit:
            return key, value, headers
        n += max(limit - size, -64) if size > limit else limit - size
    msg = f"no filler size gives a {limit}-byte record"
    raise AssertionError(msg)


def _many(n: int) -> Headers:
    """About n bytes of headers, ~100 bytes each."""
    headers = [(f"h{i:05d}", b"H" * 90) for i in range(n // 100)]
    return [*headers, ("rest", b"H" * (n % 100))]


def _order(platform: str, event_id: str, order_no: str = "L1") -> bytes:
    event = ipb.Event(event_id=event_id)
    event.occurred_at.FromDatetime(datetime.now(UTC))
    event.order.CopyFrom(
        ipb.OrderEvent(
            platform_code=platform,
            order_no=order_no,
            code_system="taobao",
            code="PAID",
            buyer=ipb.Person(name="张三", id_number="370102199001011234"),
        )
    )
    return event.SerializeToString()


def _cases(platform: str) -> dict[str, Build]:
    """Records filling the limit with their key, value or headers, or several at once."""
    invalid = _order(platform, "")  # no event id: dead-lettered
    valid = _order(platform, "limit-valid")

    def long_order_no(n: int) -> bytes:  # invalid (too long), and its business key is huge
        return _order(platform, "limit-long", "N" * max(n, 1))

    return {
        "key": lambda n: (b"K" * n, invalid, []),
        "key_valid_event": lambda n: (b"K" * n, valid, []),
        "value": lambda n: (b"k", long_order_no(n), []),
        "one_header": lambda n: (b"k", invalid, [("h", b"H" * n)]),
        "first_seen_header": lambda n: (b"k", invalid, [("first_seen", b"2" * n)]),
        "many_headers": lambda n: (b"k", invalid, _many(n)),
        "key_value_headers": lambda n: (
            b"K" * (n // 3),
            long_order_no(n // 3),
            [("h", b"H" * (n // 3))],
        ),
        "undecodable_key_value": lambda n: (b"K" * (n // 2), b"\xff" * (n // 2), []),
    }


@pytest.fixture
async def big_producer(kafka_settings: KafkaSettings) -> AsyncIterator[Any]:
    """A producer whose own request limit is above the broker's (the broker decides)."""
    p = make_producer(kafka_settings, client_id="test-limits", max_request_size=4 * 1024 * 1024)
    await p.start()
    yield p
    await p.stop()


async def test_records_at_the_brokers_limits_never_stop_the_pipeline(
    flow: Flow, big_producer: Any
) -> None:
    partner = await flow.platform("LM")
    raw: dict[str, Build] = {  # raw topics are the gateway's, but no record may stop us
        "raw_key": lambda n: (b"K" * n, b"\xff", [("partner", partner.encode())]),
        "raw_first_seen": lambda n: (b"k", b"\xff", [("first_seen", b"2" * n)]),
        "raw_partner_header": lambda n: (b"k", b"\xff", [("partner", b"P" * n)]),
    }
    sent: list[str] = []
    for topic, cases in (
        (flow.topics.partner(partner), _cases(partner)),
        (flow.topics.raw_topics[0], raw),
    ):
        limit = await _max_message_bytes(flow.kafka, topic)
        for name, build in cases.items():
            key, value, headers = _fitted(build, limit)
            await big_producer.send_and_wait(topic, value, key=key, headers=headers)
            sent.append(name)
    normal = _order(partner, "after-the-limits", "AFTER1")
    await big_producer.send_and_wait(flow.topics.partner(partner), normal, key=b"AFTER1")

    started = asyncio.get_running_loop().time()
    app = await flow.start()
    mine = lambda r: cpb.CanonicalEvent.FromString(r.value).source_partner == partner  # noqa: E731
    canonical = await collect(
        flow.kafka,
        flow.topics.canonical,
        lambda rs: any(
            cpb.CanonicalEvent.FromString(r.value).source_event_id == "after-the-limits" for r in rs
        ),
        mine,
        timeout=WITHIN_SECONDS,
    )
    elapsed = asyncio.get_running_loop().time() - started
    normalised = {cpb.CanonicalEvent.FromString(r.value).source_event_id for r in canonical}
    assert normalised == {"limit-valid", "after-the-limits"}, f"after {elapsed:.1f} s"
    # Still running, and its offsets moved past every record (a crash loop commits none).
    assert not any(task.done() for _, task in flow.running.apps)
    assert app.normalizer.ready()
    read = [flow.topics.partner(partner), flow.topics.raw_topics[0]]
    assert await _committed_to_the_end(flow.kafka, flow.settings.group_id, read)

    letters = await collect(
        flow.kafka, flow.topics.dlq, lambda rs: len(rs) >= len(sent) - 1, lambda r: True
    )
    assert len(letters) == len(sent) - 1  # every record but the valid one
    for letter in letters:
        size = DefaultRecordBatchBuilder.estimate_size_in_bytes(
            letter.key, letter.value, list(letter.headers)
        )
        assert size < limit, header(letter.headers, "error_code")
        record = read_dead_letter(
            letter.offset, letter.timestamp, letter.key, letter.value, letter.headers
        )
        assert record.source_offset >= 0
        assert record.original_sizes
    rows = await ledger_rows(flow.kafka, flow.database, partner, count=2)
    assert {r["source_event_id"] for r in rows} == {"limit-valid", "after-the-limits"}
