"""The one consumer runtime with the one fake consumer: commit only after acknowledge, in
order; revoke drains; retriable failures back off then succeed; others propagate."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

import pytest
from aiokafka import TopicPartition
from aiokafka.errors import CommitFailedError

from quanhub.common.backoff import backoff
from quanhub.common.consuming import Batch, BatchHandler, ConsumerLoop, DrainBeforeRevoke, Polled
from quanhub.common.testing import FakeConsumer, FakeRecord

TP = TopicPartition("t", 0)


class Flaky(Exception):
    """A retriable failure (a dependency away for a moment)."""


class Broken(Exception):
    """A failure retrying cannot mend."""


@dataclass
class Handler(BatchHandler[list[int]]):
    """Acknowledges a batch when `release` is set; fails the first `failures` attempts."""

    journal: list[str]
    release: asyncio.Event = field(default_factory=asyncio.Event)
    failures: list[Exception] = field(default_factory=list)
    retries: list[float] = field(default_factory=list)
    done: list[tuple[list[int], BaseException | None]] = field(default_factory=list)
    polls: int = 0
    linger: float = 0.0

    def __post_init__(self) -> None:
        self.release.set()

    async def take(self, batch: Batch) -> list[int]:
        offsets = [r.offset for r in batch.records]
        self.journal.append(f"take {offsets}")
        return offsets

    async def acknowledge(self, work: list[int]) -> None:
        await self.release.wait()
        if self.failures:
            raise self.failures.pop(0)
        self.journal.append(f"ack {work}")

    def polled(self, polled: Polled) -> None:
        self.polls += 1

    def linger_seconds(self) -> float:
        return self.linger

    async def failed(self, exc: BaseException, delay: float) -> None:
        self.retries.append(delay)

    def committed(self, work: list[int], refused: BaseException | None) -> None:
        self.done.append((work, refused))


def records(*offsets: int, partition: int = 0) -> list[FakeRecord]:
    return [FakeRecord("t", partition, o) for o in offsets]


def wire(
    polls: list[list[FakeRecord]], **options: object
) -> tuple[ConsumerLoop[list[int]], FakeConsumer, Handler]:
    consumer = FakeConsumer(polls=list(polls))  # type: ignore[arg-type]
    handler = Handler(consumer.journal)
    loop = ConsumerLoop(
        consumer,
        handler,
        poll_timeout_ms=1,
        max_records=100,
        retriable=lambda exc: isinstance(exc, Flaky),
        retry_initial_seconds=0.001,
        retry_max_seconds=0.004,
        **options,  # type: ignore[arg-type]
    )
    return loop, consumer, handler


async def until(condition: object) -> None:
    for _ in range(2000):
        if condition():  # type: ignore[operator]
            return
        await asyncio.sleep(0.001)
    raise AssertionError("condition never held")


async def test_commits_only_after_acknowledge_and_in_order() -> None:
    loop, consumer, handler = wire([records(0, 1), records(2)])
    handler.release.clear()
    task = asyncio.create_task(loop.run())

    # The second batch is polled and taken while the first waits for its acknowledgement.
    await until(lambda: "take [2]" in consumer.journal)
    assert consumer.commits == []
    handler.release.set()
    await until(lambda: len(consumer.commits) == 2)
    loop.stop()
    await task

    assert consumer.commits == [{TP: 2}, {TP: 3}]
    assert consumer.journal == [
        "poll 1",
        "take [0, 1]",
        "poll 2",
        "take [2]",
        "ack [0, 1]",
        "commit",
        "ack [2]",
        "commit",
    ]
    assert handler.done == [([0, 1], None), ([2], None)]


async def test_revoke_drains_the_batch_in_flight() -> None:
    loop, consumer, handler = wire([records(0, 1)])
    consumer.subscribe(["t"], listener=DrainBeforeRevoke(loop))
    await consumer.assign([TP])
    handler.release.clear()
    task = asyncio.create_task(loop.run())
    await until(lambda: "take [0, 1]" in consumer.journal)

    revoked = asyncio.create_task(consumer.revoke([TP]))
    await asyncio.sleep(0.01)
    assert not revoked.done(), "the partition moves only after its batch is committed"
    handler.release.set()
    await revoked

    assert consumer.commits == [{TP: 2}]
    assert isinstance(consumer.listener, DrainBeforeRevoke)
    assert consumer.listener.assigned == set()
    loop.stop()
    await task


async def test_a_retriable_failure_backs_off_then_succeeds() -> None:
    loop, consumer, handler = wire([records(0)])
    handler.failures = [Flaky(), Flaky(), Flaky(), Flaky()]
    task = asyncio.create_task(loop.run())
    await until(lambda: consumer.commits)
    loop.stop()
    await task

    assert handler.retries == [0.001, 0.002, 0.004, 0.004]  # doubling, capped
    assert consumer.commits == [{TP: 1}]
    assert consumer.journal[-2:] == ["ack [0]", "commit"]


async def test_a_failure_that_is_not_retriable_propagates_uncommitted() -> None:
    loop, consumer, handler = wire([records(0), records(1)])
    handler.failures = [Broken()]

    with pytest.raises(Broken):
        await loop.run()

    assert consumer.commits == []
    assert handler.retries == []
    assert handler.done == []


async def test_stopping_while_retrying_abandons_the_batch_uncommitted() -> None:
    loop, consumer, handler = wire([records(0)])
    handler.failures = [Flaky()] * 1000
    task = asyncio.create_task(loop.run())
    await until(lambda: len(handler.retries) >= 3)
    loop.stop()
    await task  # no error: the batch is left for redelivery

    assert consumer.commits == []


async def test_a_refused_commit_is_reported_and_the_loop_goes_on() -> None:
    loop, consumer, handler = wire([records(0), records(1)])
    consumer.commit_error = CommitFailedError()
    task = asyncio.create_task(loop.run())
    await until(lambda: len(handler.done) == 2)
    loop.stop()
    await task

    assert isinstance(handler.done[0][1], CommitFailedError)
    assert handler.done[1] == ([1], None)
    assert consumer.commits == [{TP: 2}]  # the next commit covers the refused offsets


async def test_without_kafka_commits_offsets_stay_the_handlers() -> None:
    loop, consumer, handler = wire([records(0)], commit=False)
    await loop.process(await loop.poll())

    assert consumer.commits == []
    assert handler.done == [([0], None)]


async def test_a_lingering_batch_fills_in_arrival_order_up_to_its_maximum() -> None:
    loop, consumer, handler = wire(
        [records(0, 1), records(0, 1, partition=1), records(*range(2, 200))]
    )
    handler.linger = 5.0

    batch = await loop.poll()

    assert [(r.partition, r.offset) for r in batch.records] == (
        [(0, 0), (0, 1), (1, 0), (1, 1)] + [(0, o) for o in range(2, 98)]
    )
    assert batch.offsets == {TP: 98, TopicPartition("t", 1): 2}
    assert [max_records for _, max_records in consumer.calls] == [100, 98, 96]
    assert handler.polls == 3


async def test_without_linger_a_batch_is_one_poll() -> None:
    loop, consumer, _ = wire([records(0), records(1)])
    batch = await loop.poll()
    assert [r.offset for r in batch.records] == [0]
    assert len(consumer.calls) == 1


def test_backoff_doubles_up_to_its_cap_and_jitters_below_it() -> None:
    delays = backoff(0.5, 3.0)
    assert [next(delays) for _ in range(5)] == [0.5, 1.0, 2.0, 3.0, 3.0]
    jittered = backoff(1.0, 4.0, jitter=True)
    for base in (1.0, 2.0, 4.0, 4.0):
        assert base / 2 <= next(jittered) <= base
