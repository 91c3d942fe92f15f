"""The consumer loop wired with small fakes: acknowledged output before commit, retriable
errors retried (never dead-lettered), fatal produce errors stop without committing."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from aiokafka import TopicPartition
from aiokafka.errors import (
    KafkaTimeoutError,
    OutOfOrderSequenceNumber,
    TopicAuthorizationFailedError,
)

from quanhub.canonical.v1 import canonical_pb2 as cpb
from quanhub.common.access import Principal, Role
from quanhub.common.clock import FixedClock
from quanhub.common.errors import DependencyUnavailable
from quanhub.common.kafka import partition_of
from quanhub.common.settings import KafkaSettings
from quanhub.common.testing import FakeConsumer, FakeProducer, FakeRecord
from quanhub.common.topics import EventKind, Topics
from quanhub.ingest.v1 import ingest_pb2 as ipb
from quanhub.normalizer.deadletter import header
from quanhub.normalizer.errors import OutputRejected
from quanhub.normalizer.limits import OutputLimits
from quanhub.normalizer.metrics import NormalizerMetrics
from quanhub.normalizer.partners import StaticDirectory
from quanhub.normalizer.service import Normalizer
from quanhub.normalizer.settings import NormalizerSettings
from quanhub.normalizer.sources import Sources

NOW = datetime(2026, 11, 28, 12, 0, tzinfo=UTC)
KAFKA = KafkaSettings(topic_namespace="unit")
TOPICS = Topics(KAFKA)
RAW = TOPICS.raw(EventKind.PARCEL)


#: A consumed record: topic, partition, offset, key, value.
Record = FakeRecord


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


async def _broker_default(topics: Sequence[str], wait_seconds: float) -> dict[str, int]:
    return dict.fromkeys(topics, 1_048_588)


def wire(producer: FakeProducer, consumer: FakeConsumer) -> tuple[Normalizer, NormalizerMetrics]:
    clock = FixedClock(NOW)
    metrics = NormalizerMetrics()
    settings = NormalizerSettings(kafka=KAFKA, retry_backoff_seconds=0.001)
    normalizer = Normalizer(
        settings=settings,
        consumer=consumer,
        producer=producer,
        new_producer=producer.successor,
        limits=OutputLimits(_broker_default, [TOPICS.canonical, TOPICS.dlq], clock, timedelta(1)),
        sources=Sources(TOPICS, b"k" * 32, partner_topics=True),
        topics=TOPICS,
        metrics=metrics,
        clock=clock,
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
    producer, consumer = FakeProducer(journal), FakeConsumer(journal=journal)
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
    events = "quanhub_normalizer_events_total"
    assert sample(metrics, events, {"kind": "parcel", "outcome": "canonical"}) == 1
    assert sample(metrics, events, {"kind": "parcel", "outcome": "dead_letter"}) == 1
    assert sample(metrics, events, {"kind": "undecodable", "outcome": "dead_letter"}) == 1


async def test_retriable_errors_are_retried_and_never_dead_lettered() -> None:
    journal: list[str] = []
    producer = FakeProducer(journal, fail_first=2, batch_capacity=1)  # one batch per output
    consumer = FakeConsumer(journal=journal)
    normalizer, metrics = wire(producer, consumer)

    await normalizer.process(batch(envelope("a"), envelope("b")))

    assert [t for t, *_ in producer.sent] == [TOPICS.canonical, TOPICS.canonical]
    assert journal[-1] == "commit"
    assert sample(metrics, "quanhub_normalizer_produce_retries_total") == 2


async def test_broker_timeouts_are_retried_and_a_failing_send_stops_the_round() -> None:
    journal: list[str] = []
    producer = FakeProducer(
        journal, raise_first=1, fail_first=1, error=KafkaTimeoutError(), batch_capacity=1
    )
    consumer = FakeConsumer(journal=journal)
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
    producer = FakeProducer(journal, fail_first=1, error=TopicAuthorizationFailedError())
    consumer = FakeConsumer(journal=journal)
    normalizer, _ = wire(producer, consumer)

    with pytest.raises(OutputRejected):
        await normalizer.process(batch(envelope("a")))

    assert consumer.commits == []


async def test_unknown_codes_flow_as_unknown_and_are_counted() -> None:
    journal: list[str] = []
    producer, consumer = FakeProducer(journal), FakeConsumer(journal=journal)
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


def _partner_event() -> bytes:
    """A parcel event as ZTO writes it to its own topic (no envelope)."""
    event = ipb.Event(event_id="p-1")
    event.occurred_at.FromDatetime(NOW)
    event.parcel.CopyFrom(
        ipb.ParcelEvent(
            carrier_code="ZTO", waybill_no="ZT1234567890", code_system="kuaidi100", code="3"
        )
    )
    return event.SerializeToString()


async def test_a_registry_outage_is_waited_out_not_dead_lettered() -> None:
    journal: list[str] = []
    producer, consumer = FakeProducer(journal), FakeConsumer(journal=journal)
    normalizer, _ = wire(producer, consumer)
    normalizer._directory = FlakyDirectory(down=2)
    topic = TOPICS.partner("ZTO")
    records = [Record(topic, 0, 0, b"k", _partner_event())]

    await normalizer.process({TopicPartition(topic, 0): records})

    ((out_topic, _, value, _),) = producer.sent
    assert out_topic == TOPICS.canonical
    assert cpb.CanonicalEvent.FromString(value).source_partner == "ZTO"


def _ids(producer: FakeProducer) -> list[str]:
    return [
        cpb.CanonicalEvent.FromString(v).source_event_id
        for t, _, v, _ in producer.sent
        if t == TOPICS.canonical
    ]


async def test_outputs_go_as_one_batch_per_partition_by_kafkas_key_rule() -> None:
    journal: list[str] = []
    producer = FakeProducer(journal, partitions=(0, 1, 2, 3, 4, 5), batch_capacity=3)
    normalizer, metrics = wire(producer, FakeConsumer(journal=journal))
    waybills = [f"ZT{n:010d}" for n in (1, 2, 1, 3, 1, 1, 2)]
    values = [envelope(f"e{i}", waybill=w) for i, w in enumerate(waybills)]

    await normalizer.process(batch(*values))

    # Every output in the partition the default partitioner gives its key, in consumed order.
    for topic, key, _, _ in producer.sent:
        assert topic == TOPICS.canonical
        assert key is not None
    by_key: dict[bytes, list[str]] = {}
    for _, key, value, _ in producer.sent:
        assert key is not None
        by_key.setdefault(key, []).append(cpb.CanonicalEvent.FromString(value).source_event_id)
    assert by_key[b"P|ZTO|ZT0000000001"] == ["e0", "e2", "e4", "e5"]
    assert by_key[b"P|ZTO|ZT0000000002"] == ["e1", "e6"]
    partitions = list(range(6))
    expected = {(TOPICS.canonical, partition_of(key, partitions)) for _, key, _, _ in producer.sent}
    assert {(t, p) for t, p, _ in producer.handed} == expected
    # Four outputs of one key fill a batch of three and spill into a second one.
    assert sorted(n for *_, n in producer.handed) == sorted([3, 1, 2, 1])
    canonical = {"kind": "parcel", "outcome": "canonical"}
    assert sample(metrics, "quanhub_normalizer_events_total", canonical) == 7


def _order(event_id: str, lines: int) -> bytes:
    env = cpb.RawEnvelope(partner_code="TMALL", partner_role="platform", ingress="gateway")
    env.received_at.FromDatetime(NOW)
    env.event.event_id = event_id
    env.event.occurred_at.FromDatetime(NOW)
    order = env.event.order
    order.platform_code, order.order_no = "TMALL", "T-1"
    order.code_system, order.code = "taobao", "WAIT_BUYER_PAY"
    for n in range(lines):
        order.lines.add(gnum=n + 1, item_name="商" * 120, quantity=1, unit_price="1.00")
    return env.SerializeToString()


async def test_a_large_output_goes_on_its_own_between_its_neighbours() -> None:
    journal: list[str] = []
    producer = FakeProducer(journal)
    normalizer, _ = wire(producer, FakeConsumer(journal=journal))

    await normalizer.process(batch(_order("a", 1), _order("big", 1000), _order("c", 1)))

    assert [n for *_, n in producer.handed] == [1, 1, 1]  # one key: a, big, c in order
    assert _ids(producer) == ["a", "big", "c"]
    assert len(producer.sent[1][2]) > 256 * 1024


def _numbered(first: int, *values: bytes) -> list[Record]:
    return [Record(RAW, 0, first + i, b"k", v) for i, v in enumerate(values)]


def _scripted(journal: list[str], polls: list[list[Record]]) -> FakeConsumer:
    """Hands out the given polls one by one, then empty polls."""
    return FakeConsumer(polls=list(polls), journal=journal)


async def _until(condition: Any) -> None:
    for _ in range(2000):
        if condition():
            return
        await asyncio.sleep(0.001)
    raise AssertionError("condition never held")


async def test_the_next_batch_is_polled_and_produced_while_acks_are_awaited() -> None:
    journal: list[str] = []
    hold = asyncio.Event()
    hold.set()
    producer = FakeProducer(journal, hold=hold)
    consumer = _scripted(
        journal, [_numbered(0, envelope("a")), _numbered(1, envelope("b"), envelope("c"))]
    )
    normalizer, _ = wire(producer, consumer)
    loop = asyncio.create_task(normalizer.run())

    # Both batches handed to the producer while the first one's acknowledgement is held.
    await _until(lambda: len(producer.handed) == 2)
    assert consumer.commits == []
    assert journal == ["poll 1", "poll 2"]
    hold.clear()
    await _until(lambda: len(consumer.commits) == 2)
    normalizer.stop()
    await loop

    tp = TopicPartition(RAW, 0)
    assert consumer.commits == [{tp: 1}, {tp: 3}]  # in order, each after its own acks
    assert journal[:2] == ["poll 1", "poll 2"]
    assert journal.index("commit") > journal.index(f"ack {TOPICS.canonical}")
    assert journal[-1] == "commit"
    assert _ids(producer) == ["a", "b", "c"]


async def test_a_fatal_error_in_one_batch_commits_neither_it_nor_the_next() -> None:
    journal: list[str] = []
    producer = FakeProducer(journal, fail_first=1, error=TopicAuthorizationFailedError())
    consumer = _scripted(journal, [_numbered(0, envelope("a")), _numbered(1, envelope("b"))])
    normalizer, _ = wire(producer, consumer)

    with pytest.raises(OutputRejected):
        await normalizer.run()

    assert consumer.commits == []


async def test_stop_finishes_the_batch_in_flight_and_drain_waits_for_it() -> None:
    journal: list[str] = []
    hold = asyncio.Event()
    hold.set()
    producer = FakeProducer(journal, hold=hold)
    consumer = _scripted(journal, [_numbered(0, envelope("a"), envelope("b"))])
    normalizer, _ = wire(producer, consumer)
    loop = asyncio.create_task(normalizer.run())
    await _until(lambda: len(producer.handed) == 1)

    drained = asyncio.create_task(normalizer.drain())  # what a revocation waits for
    normalizer.stop()
    await asyncio.sleep(0.01)
    assert not drained.done()
    assert not loop.done()
    hold.clear()
    await drained
    await loop

    assert consumer.commits == [{TopicPartition(RAW, 0): 2}]
    assert _ids(producer) == ["a", "b"]


async def test_stopping_in_a_registry_outage_still_finishes_the_batch_in_flight() -> None:
    journal: list[str] = []
    hold = asyncio.Event()
    hold.set()
    producer = FakeProducer(journal, hold=hold)
    partner_topic = TOPICS.partner("ZTO")
    record = Record(partner_topic, 0, 7, b"k", _partner_event())
    partner_batch = [record]
    consumer = _scripted(journal, [_numbered(0, envelope("a")), partner_batch])
    normalizer, _ = wire(producer, consumer)
    normalizer._directory = FlakyDirectory(down=10_000)
    loop = asyncio.create_task(normalizer.run())
    await _until(lambda: len(producer.handed) == 1 and len(consumer.calls) >= 2)

    normalizer.stop()  # the partner batch gives up waiting for the registry
    await asyncio.sleep(0.01)
    assert not loop.done()  # ... but the raw batch in flight is still being finished
    hold.clear()
    await loop

    assert consumer.commits == [{TopicPartition(RAW, 0): 1}]
    assert _ids(producer) == ["a"]


def _sizes_batch(*records: tuple[bytes | None, bytes]) -> dict[TopicPartition, list[Any]]:
    rows = [Record(RAW, 0, 10 + i, key, value) for i, (key, value) in enumerate(records)]
    return {TopicPartition(RAW, 0): rows}


@pytest.mark.parametrize("batch_capacity", [1, 1000])
async def test_an_output_refused_for_its_size_becomes_a_reference_and_the_loop_goes_on(
    batch_capacity: int,
) -> None:
    # A topic taking less than MAX_OUTPUT_BYTES: the dead letter of a record with a 300 KB
    # key is refused (by send, or in its batch by the broker), as is a canonical event.
    journal: list[str] = []
    producer = FakeProducer(journal, max_record_bytes=200_000, batch_capacity=batch_capacity)
    consumer = FakeConsumer(journal=journal)
    normalizer, metrics = wire(producer, consumer)
    records = _sizes_batch(
        (b"k", envelope("a")),
        (b"K" * 300_000, b"\x01garbage"),
        (b"k", _order("big", 600)),  # a ~230 KB canonical event
        (b"k", envelope("b")),
    )

    await normalizer.process(records)

    assert consumer.commits == [{TopicPartition(RAW, 0): 14}]
    canonical = [v for t, _, v, _ in producer.sent if t == TOPICS.canonical]
    assert [cpb.CanonicalEvent.FromString(v).source_event_id for v in canonical] == ["a", "b"]
    letters = {
        header(h, "source_offset"): (k, v, h) for t, k, v, h in producer.sent if t == TOPICS.dlq
    }
    assert set(letters) == {"11", "12"}
    for key, value, headers in letters.values():
        assert (key, value) == (None, b"")
        assert header(headers, "payload_withheld") == header(headers, "key_withheld") == "too-large"
    assert header(letters["11"][2], "error_code") == "undecodable"
    assert header(letters["12"][2], "error_code") == "event_too_large"
    assert "MessageSizeTooLargeError" in header(letters["12"][2], "error_message")
    dead = "quanhub_normalizer_dead_letters_total"
    assert sample(metrics, dead, {"error_code": "event_too_large"}) == 1
    events = "quanhub_normalizer_events_total"
    assert sample(metrics, events, {"kind": "parcel", "outcome": "canonical"}) == 2
    assert sample(metrics, events, {"kind": "order", "outcome": "canonical"}) == 0


async def test_a_reference_refused_for_its_size_stops_without_committing() -> None:
    journal: list[str] = []
    producer = FakeProducer(journal, max_record_bytes=50)  # not even headers fit
    consumer = FakeConsumer(journal=journal)
    normalizer, _ = wire(producer, consumer)

    with pytest.raises(OutputRejected, match="reference"):
        await normalizer.process(_sizes_batch((b"k", b"\x01garbage")))

    assert consumer.commits == []


async def test_a_broker_size_refusal_renews_the_producer_and_the_loop_goes_on() -> None:
    # The broker refuses the dead-letter batch (a topic configured below MAX_OUTPUT_BYTES):
    # that producer's sequence for the DLQ partition is broken, so the reference (and every
    # later dead letter) would fail with OutOfOrderSequenceNumber on it. A fresh producer
    # (new producer id) sends them, and the next batches flow.
    journal: list[str] = []
    producer = FakeProducer(journal, max_record_bytes=200_000)
    consumer = FakeConsumer(journal=journal)
    normalizer, _ = wire(producer, consumer)

    await normalizer.process(
        _sizes_batch((b"k", envelope("a")), (b"K" * 300_000, b"\x01garbage"), (b"k", b"\x02"))
    )
    later = [Record(RAW, 0, 13 + i, b"k", v) for i, v in enumerate((b"\x03", envelope("c")))]
    await normalizer.process({TopicPartition(RAW, 0): later})

    assert producer.stopped
    assert len(producer.successors) == 1
    (fresh,) = producer.successors
    assert fresh.started
    assert not fresh.stopped
    assert consumer.commits == [{TopicPartition(RAW, 0): 13}, {TopicPartition(RAW, 0): 15}]
    canonical = [v for t, _, v, _ in producer.sent if t == TOPICS.canonical]
    assert [cpb.CanonicalEvent.FromString(v).source_event_id for v in canonical] == ["a", "c"]
    letters = {
        header(h, "source_offset"): (k, v) for t, k, v, h in producer.sent if t == TOPICS.dlq
    }
    assert set(letters) == {"11", "12", "13"}
    assert letters["11"] == (None, b"")  # the refused one, as a reference
    assert letters["12"] == (b"k", b"\x02")
    assert letters["13"] == (b"k", b"\x03")


async def test_a_broken_producer_session_is_renewed_and_its_records_retried() -> None:
    # OutOfOrderSequenceNumber (or an unknown producer id) says the producer's session with
    # the broker is broken: retrying on it cannot help, a fresh producer can.
    journal: list[str] = []
    producer = FakeProducer(journal, fail_first=1, error=OutOfOrderSequenceNumber())
    consumer = FakeConsumer(journal=journal)
    normalizer, metrics = wire(producer, consumer)

    await normalizer.process(batch(envelope("a"), envelope("b")))

    assert producer.stopped
    assert len(producer.successors) == 1
    assert _ids(producer) == ["a", "b"]
    assert consumer.commits == [{TopicPartition(RAW, 0): 12}]
    assert sample(metrics, "quanhub_normalizer_producer_renewals_total") == 1


async def test_a_batch_handed_to_the_broken_producer_is_sent_again_on_the_new_one() -> None:
    # Batch 2 goes to the producer while batch 1's acknowledgements are awaited, so its dead
    # letter meets batch 1's broken DLQ sequence (OutOfOrderSequenceNumber on the old
    # producer). It is sent again on the producer that replaced it: one renewal, not two.
    journal: list[str] = []
    hold = asyncio.Event()
    hold.set()
    producer = FakeProducer(journal, hold=hold, max_record_bytes=200_000)
    consumer = _scripted(
        journal,
        [
            _sizes_batch((b"k", envelope("a")), (b"K" * 300_000, b"\x01garbage"))[
                TopicPartition(RAW, 0)
            ],
            [Record(RAW, 0, 12, b"k", b"\x02")],
        ],
    )
    normalizer, metrics = wire(producer, consumer)
    loop = asyncio.create_task(normalizer.run())

    await _until(lambda: len(producer.handed) == 3)  # a, the refused letter, batch 2's
    hold.clear()
    await _until(lambda: len(consumer.commits) == 2)
    normalizer.stop()
    await loop

    assert consumer.commits == [{TopicPartition(RAW, 0): 12}, {TopicPartition(RAW, 0): 13}]
    assert sample(metrics, "quanhub_normalizer_producer_renewals_total") == 1
    (fresh,) = producer.successors
    letters = {header(h, "source_offset"): (k, v) for t, k, v, h in fresh.sent if t == TOPICS.dlq}
    assert letters == {"11": (None, b""), "12": (b"k", b"\x02")}
