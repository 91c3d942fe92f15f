"""Under load the consumer polls on briefly to fill a batch; otherwise it writes at once."""

from __future__ import annotations

import asyncio
from typing import Any, cast

from quanhub.common.clock import SystemClock
from quanhub.common.consuming import Record
from quanhub.common.settings import KafkaSettings
from quanhub.common.testing import FakeConsumer, FakeRecord
from quanhub.ledger.consumer.metrics import ConsumerMetrics
from quanhub.ledger.consumer.service import Inflow, LedgerConsumer
from quanhub.ledger.settings import LedgerConsumerSettings


def _consumer(**settings: Any) -> LedgerConsumer:
    config = LedgerConsumerSettings(kafka=KafkaSettings(topic_namespace="t"), **settings)
    return LedgerConsumer(config, cast(Any, None), clock=SystemClock(), metrics=ConsumerMetrics())


def _records(partition: int, start: int, count: int) -> list[Record]:
    return [FakeRecord("c", partition, offset) for offset in range(start, start + count)]


async def _batch(
    consumer: LedgerConsumer, first: list[Record], more: list[list[Record]], stop: asyncio.Event
) -> tuple[list[Record], FakeConsumer]:
    """The batch the consumer's loop makes of a first poll and the polls after it."""
    kafka = FakeConsumer(polls=[first, *more])
    batch = await consumer.loop(kafka, stop).poll()
    return batch.records, kafka


def _busy(consumer: LedgerConsumer, rate: float) -> None:
    consumer.inflow.rate = rate


def test_inflow_follows_a_steady_rate_and_decays_in_silence() -> None:
    inflow = Inflow(horizon_s=1.0)
    now = 0.0
    inflow.add(0, now)
    for _ in range(6000):  # 10 records every millisecond for 6 s (six horizons): 10,000/s
        now += 0.001
        inflow.add(10, now)
    assert 9_900 < inflow.rate < 10_100
    now += 0.5
    assert 4_000 < inflow.add(0, now) < 6_000  # half a horizon of silence
    now += 2.0
    assert inflow.add(0, now) == 0.0


def test_inflow_smooths_a_burst() -> None:
    inflow = Inflow(horizon_s=1.0)
    inflow.add(0, 0.0)
    assert inflow.add(2_000, 0.01) == 2_000  # one burst counts for a second's worth, no more
    assert inflow.add(0, 0.51) == 1_000


async def test_light_traffic_is_written_as_polled() -> None:
    consumer = _consumer(linger_from_rate=7000, batch_linger_ms=200)
    _busy(consumer, 1_000)
    first = _records(0, 0, 10)
    batch, kafka = await _batch(consumer, first, [_records(0, 10, 5)], asyncio.Event())
    assert batch == first
    assert len(kafka.calls) == 1


async def test_under_load_a_batch_fills_up_to_its_maximum_in_arrival_order() -> None:
    consumer = _consumer(linger_from_rate=7000, batch_linger_ms=5_000, batch_max_records=100)
    _busy(consumer, 10_000)
    polls = [_records(0, 10, 30), _records(1, 0, 40), _records(0, 40, 50)]
    batch, kafka = await _batch(consumer, _records(0, 0, 10), polls, asyncio.Event())
    assert batch == _records(0, 0, 10) + _records(0, 10, 30) + _records(1, 0, 40) + _records(
        0, 40, 20
    )
    assert [max_records for _, max_records in kafka.calls] == [100, 90, 60, 20]
    assert kafka.polls == [_records(0, 60, 30)], "the last poll asked for what was left, no more"


async def test_under_load_a_batch_waits_no_longer_than_the_linger() -> None:
    consumer = _consumer(linger_from_rate=7000, batch_linger_ms=30, batch_max_records=5_000)
    _busy(consumer, 10_000)
    batch, kafka = await _batch(consumer, _records(0, 0, 10), [_records(0, 10, 3)], asyncio.Event())
    assert batch == _records(0, 0, 13)
    assert all(timeout <= 30 for timeout, _ in kafka.calls[1:])


async def test_stopping_or_a_zero_linger_does_not_wait() -> None:
    consumer = _consumer(linger_from_rate=7000, batch_linger_ms=5_000)
    _busy(consumer, 10_000)
    stop = asyncio.Event()
    stop.set()
    batch, kafka = await _batch(consumer, _records(0, 0, 10), [_records(0, 10, 3)], stop)
    assert batch == _records(0, 0, 10)
    assert len(kafka.calls) == 1
    off = _consumer(linger_from_rate=7000, batch_linger_ms=0)
    _busy(off, 10_000)
    batch, kafka = await _batch(off, _records(0, 0, 10), [_records(0, 10, 3)], asyncio.Event())
    assert batch == _records(0, 0, 10)
    assert len(kafka.calls) == 1
