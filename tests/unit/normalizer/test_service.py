"""The consumer loop wired with small fakes: acknowledged output before commit, retriable
errors retried (never dead-lettered), fatal produce errors stop without committing."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import pytest
from aiokafka import TopicPartition
from aiokafka.errors import KafkaTimeoutError, RecordTooLargeError, RequestTimedOutError

from quanhub.canonical.v1 import canonical_pb2 as cpb
from quanhub.common.access import Principal, Role
from quanhub.common.clock import FixedClock
from quanhub.common.errors import DependencyUnavailable
from quanhub.common.settings import KafkaSettings
from quanhub.common.topics import EventKind, Topics
from quanhub.ingest.v1 import ingest_pb2 as ipb
from quanhub.normalizer.deadletter import header
from quanhub.normalizer.errors import OutputRejected
from quanhub.normalizer.metrics import NormalizerMetrics
from quanhub.normalizer.partners import StaticDirectory
from quanhub.normalizer.service import Normalizer
from quanhub.normalizer.settings import NormalizerSettings
from quanhub.normalizer.sources import Sources

NOW = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)
KAFKA = KafkaSettings(topic_namespace="unit")
TOPICS = Topics(KAFKA)
RAW = TOPICS.raw(EventKind.PARCEL)


@dataclass
class Record:
    topic: str
    partition: int
    offset: int
    key: bytes | None
    value: bytes | None
    timestamp: int = 0
    timestamp_type: int = 0
    headers: tuple[tuple[str, bytes], ...] = ()


@dataclass
class FakeProducer:
    """Acknowledges sends, after failing the first `fail_first` with `error`."""

    journal: list[str]
    fail_first: int = 0
    error: Exception = field(default_factory=RequestTimedOutError)
    sent: list[tuple[str, bytes | None, bytes, list[tuple[str, bytes]]]] = field(
        default_factory=list
    )

    #: Sends that raise at once (no metadata: the topic or the broker is not there).
    raise_first: int = 0
    calls: int = 0

    async def send(self, topic: str, value: bytes, *, key: bytes | None, headers: Any) -> Any:
        self.calls += 1
        if self.raise_first > 0:
            self.raise_first -= 1
            raise KafkaTimeoutError
        loop = asyncio.get_running_loop()
        fut: asyncio.Future[None] = loop.create_future()
        if self.fail_first > 0:
            self.fail_first -= 1
            loop.call_soon(fut.set_exception, self.error)  # not acknowledged, later
        else:
            self.sent.append((topic, key, value, headers))
            self.journal.append(f"ack {topic}")
            fut.set_result(None)
        return fut


@dataclass
class FakeConsumer:
    journal: list[str]
    commits: list[dict[TopicPartition, int]] = field(default_factory=list)

    async def commit(self, offsets: dict[TopicPartition, int]) -> None:
        self.commits.append(offsets)
        self.journal.append("commit")


def envelope(event_id: str, *, code: str = "3", waybill: str = "ZT1234567890") -> bytes:
    env = cpb.RawEnvelope(partner_code="zto", partner_role="carrier", ingress="gateway")
    env.received_at.FromDatetime(NOW)
    env.event.event_id = event_id
    env.event.occurred_at.FromDatetime(NOW)
    env.event.parcel.CopyFrom(
        ipb.ParcelEvent(
            carrier_code="zhongtong", waybill_no=waybill, code_system="kuaidi100", code=code
        )
    )
    return env.SerializeToString()


def wire(producer: FakeProducer, consumer: FakeConsumer) -> tuple[Normalizer, NormalizerMetrics]:
    metrics = NormalizerMetrics()
    settings = NormalizerSettings(kafka=KAFKA, retry_backoff_seconds=0.001)
    normalizer = Normalizer(
        settings=settings,
        consumer=consumer,
        producer=producer,
        sources=Sources(TOPICS, b"k" * 32, partner_topics=True),
        topics=TOPICS,
        metrics=metrics,
        clock=FixedClock(NOW),
        directory=StaticDirectory({}),
    )
    return normalizer, metrics


def batch(*values: bytes | None) -> dict[TopicPartition, list[Any]]:
    records = [Record(RAW, 0, 10 + i, b"k", v) for i, v in enumerate(values)]
    return {TopicPartition(RAW, 0): records}


def sample(metrics: NormalizerMetrics, name: str, labels: dict[str, str] | None = None) -> float:
    return metrics.registry.get_sample_value(name, labels or {}) or 0.0


async def test_outputs_are_acknowledged_before_the_commit() -> None:
    journal: list[str] = []
    producer, consumer = FakeProducer(journal), FakeConsumer(journal)
    normalizer, metrics = wire(producer, consumer)

    await normalizer.process(batch(envelope("a"), b"\x01garbage", envelope("b", waybill="")))

    assert journal == [
        f"ack {TOPICS.canonical}",
        f"ack {TOPICS.dlq}",
        f"ack {TOPICS.dlq}",
        "commit",
    ]
    assert consumer.commits == [{TopicPartition(RAW, 0): 13}]
    codes = [header(h, "error_code") for topic, _, _, h in producer.sent if topic == TOPICS.dlq]
    assert codes == ["undecodable", "missing_field"]
    assert (
        sample(metrics, "quanhub_normalizer_dead_letters_total", {"error_code": "undecodable"}) == 1
    )


async def test_retriable_errors_are_retried_and_never_dead_lettered() -> None:
    journal: list[str] = []
    producer, consumer = FakeProducer(journal, fail_first=2), FakeConsumer(journal)
    normalizer, metrics = wire(producer, consumer)

    await normalizer.process(batch(envelope("a"), envelope("b")))

    assert [t for t, *_ in producer.sent] == [TOPICS.canonical, TOPICS.canonical]
    assert journal[-1] == "commit"
    assert sample(metrics, "quanhub_normalizer_produce_retries_total") == 2


async def test_broker_timeouts_are_retried_and_a_failing_send_stops_the_round() -> None:
    journal: list[str] = []
    producer = FakeProducer(journal, raise_first=1, fail_first=1, error=KafkaTimeoutError())
    consumer = FakeConsumer(journal)
    normalizer, metrics = wire(producer, consumer)

    await normalizer.process(batch(envelope("a"), envelope("b"), envelope("c")))

    ids = [cpb.CanonicalEvent.FromString(v).source_event_id for _, _, v, _ in producer.sent]
    # Every output acknowledged once; "a" failed in round 2 and went out after the others.
    assert ids == ["b", "c", "a"]
    assert producer.calls == 1 + 3 + 1  # round 1 stopped at the first raise
    assert journal[-1] == "commit"
    assert sample(metrics, "quanhub_normalizer_produce_retries_total") == 3 + 1


async def test_a_fatal_produce_error_stops_without_committing() -> None:
    journal: list[str] = []
    producer = FakeProducer(journal, fail_first=1, error=RecordTooLargeError())
    consumer = FakeConsumer(journal)
    normalizer, _ = wire(producer, consumer)

    with pytest.raises(OutputRejected):
        await normalizer.process(batch(envelope("a")))

    assert consumer.commits == []


async def test_unknown_codes_flow_as_unknown_and_are_counted() -> None:
    journal: list[str] = []
    producer, consumer = FakeProducer(journal), FakeConsumer(journal)
    normalizer, metrics = wire(producer, consumer)

    await normalizer.process(batch(envelope("a", code="999")))

    ((topic, _, value, _),) = producer.sent
    event = cpb.CanonicalEvent.FromString(value)
    assert topic == TOPICS.canonical
    assert (event.parcel.status, event.raw_code, event.unmapped_code) == (
        cpb.PARCEL_STATUS_UNKNOWN,
        "999",
        True,
    )
    labels = {"code_system": "kuaidi100", "code": "999"}
    assert sample(metrics, "quanhub_normalizer_unmapped_codes_total", labels) == 1


def test_unmapped_code_series_are_capped() -> None:
    from quanhub.normalizer.metrics import MAX_UNMAPPED_SERIES

    metrics = NormalizerMetrics()
    for i in range(MAX_UNMAPPED_SERIES + 10):
        metrics.unmapped("kuaidi100", f"c{i}")
    metrics.unmapped("kuaidi100", "c0")
    name = "quanhub_normalizer_unmapped_codes_total"
    assert sample(metrics, name, {"code_system": "kuaidi100", "code": "c0"}) == 2
    assert sample(metrics, name, {"code_system": "(other)", "code": "(other)"}) == 10


class FlakyDirectory:
    """The registry is down for the first `down` lookups."""

    def __init__(self, down: int) -> None:
        self.down = down

    async def principal(self, code: str) -> Principal | None:
        if self.down > 0:
            self.down -= 1
            raise DependencyUnavailable("registry down")
        return Principal(code, Role.CARRIER, "ZTO")

    async def close(self) -> None:
        return None


async def test_a_registry_outage_is_waited_out_not_dead_lettered() -> None:
    journal: list[str] = []
    producer, consumer = FakeProducer(journal), FakeConsumer(journal)
    normalizer, _ = wire(producer, consumer)
    normalizer._directory = FlakyDirectory(down=2)
    event = ipb.Event(event_id="p-1")
    event.occurred_at.FromDatetime(NOW)
    event.parcel.CopyFrom(
        ipb.ParcelEvent(carrier_code="ZTO", waybill_no="ZT1234567890", code_system="kuaidi100",
                        code="3")
    )  # fmt: skip
    topic = TOPICS.partner("ZTO")
    records = [Record(topic, 0, 0, b"k", event.SerializeToString())]

    await normalizer.process({TopicPartition(topic, 0): records})

    ((out_topic, _, value, _),) = producer.sent
    assert out_topic == TOPICS.canonical
    assert cpb.CanonicalEvent.FromString(value).source_partner == "ZTO"
