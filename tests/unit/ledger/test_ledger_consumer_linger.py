"""Under load the consumer polls on briefly to fill a batch; otherwise it writes at once."""

from __future__ import annotations

import asyncio
from typing import Any, NamedTuple, cast

from quanhub.common.clock import SystemClock
from quanhub.common.settings import KafkaSettings
from quanhub.ledger.consumer.metrics import ConsumerMetrics
from quanhub.ledger.consumer.service import Inflow, LedgerConsumer
from quanhub.ledger.settings import LedgerConsumerSettings


class TP(NamedTuple):
    topic: str
    partition: int


class Record(NamedTuple):
    topic: str
    partition: int
    offset: int


class FakeConsumer:
    """getmany hands out the scripted polls in turn, then waits out its timeout empty."""

    def __init__(self, polls: list[list[Record]]) -> None:
        self.polls = polls
        self.calls: list[tuple[int, int]] = []

    async def getmany(self, *, timeout_ms: int, max_records: int) -> dict[TP, list[Record]]:
        self.calls.append((timeout_ms, max_records))
        if not self.polls:
            await asyncio.sleep(timeout_ms / 1000)
            return {}
        records = self.polls.pop(0)[:max_records]
        out: dict[TP, list[Record]] = {}
        for r in records:
            out.setdefault(TP(r.topic, r.partition), []).append(r)
        return out

    def highwater(self, tp: TP) -> int | None:
        return None


def _consumer(**settings: Any) -> LedgerConsumer:
    config = LedgerConsumerSettings(kafka=KafkaSettings(topic_namespace="t"), **settings)
    return LedgerConsumer(config, cast(Any, None), clock=SystemClock(), metrics=ConsumerMetrics())


def _records(partition: int, start: int, count: int) -> list[Record]:
    return [Record("c", partition, offset) for offset in range(start, start + count)]


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
    kafka = FakeConsumer([_records(0, 10, 5)])
    first = _records(0, 0, 10)
    assert await consumer.fill(kafka, list(first), asyncio.Event()) == first
    assert kafka.calls == []


async def test_under_load_a_batch_fills_up_to_its_maximum_in_arrival_order() -> None:
    consumer = _consumer(linger_from_rate=7000, batch_linger_ms=5_000, batch_max_records=100)
    _busy(consumer, 10_000)
    kafka = FakeConsumer([_records(0, 10, 30), _records(1, 0, 40), _records(0, 40, 50)])
    batch = await consumer.fill(kafka, _records(0, 0, 10), asyncio.Event())
    assert batch == _records(0, 0, 10) + _records(0, 10, 30) + _records(1, 0, 40) + _records(
        0, 40, 20
    )
    assert [max_records for _, max_records in kafka.calls] == [90, 60, 20]
    assert kafka.polls == [], "the last poll asked for what was left, no more"


async def test_under_load_a_batch_waits_no_longer_than_the_linger() -> None:
    consumer = _consumer(linger_from_rate=7000, batch_linger_ms=30, batch_max_records=5_000)
    _busy(consumer, 10_000)
    kafka = FakeConsumer([_records(0, 10, 3)])
    batch = await consumer.fill(kafka, _records(0, 0, 10), asyncio.Event())
    assert batch == _records(0, 0, 13)
    assert all(timeout <= 30 for timeout, _ in kafka.calls)


async def test_stopping_or_a_zero_linger_does_not_wait() -> None:
    consumer = _consumer(linger_from_rate=7000, batch_linger_ms=5_000)
    _busy(consumer, 10_000)
    kafka = FakeConsumer([_records(0, 10, 3)])
    stop = asyncio.Event()
    stop.set()
    assert await consumer.fill(kafka, _records(0, 0, 10), stop) == _records(0, 0, 10)
    off = _consumer(linger_from_rate=7000, batch_linger_ms=0)
    _busy(off, 10_000)
    assert await off.fill(kafka, _records(0, 0, 10), asyncio.Event()) == _records(0, 0, 10)
    assert kafka.calls == []
