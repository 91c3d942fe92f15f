"""One fake consumer and one fake producer implementing quanhub.common.consuming's ports,
for unit tests of the loops built on them (no Kafka: integration tests use the real one).

Both can write to a shared `journal` ("poll 1", "ack <topic>", "commit"), so a test can
assert the order in which things happened across the two.
"""

from __future__ import annotations

import asyncio
from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from aiokafka import ConsumerRebalanceListener, TopicPartition
from aiokafka.errors import (
    KafkaError,
    KafkaTimeoutError,
    MessageSizeTooLargeError,
    OutOfOrderSequenceNumber,
    ProducerClosed,
    RequestTimedOutError,
)

from quanhub.common.consuming.ports import Polled, ProducerBatch, Record

__all__ = ["FakeBatch", "FakeConsumer", "FakeProducer", "FakeRecord", "polled"]

_Headers = Sequence[tuple[str, bytes]]


@dataclass
class FakeRecord:
    """A consumed record."""

    topic: str
    partition: int
    offset: int
    key: bytes | None = None
    value: bytes | None = None
    timestamp: int = 0
    timestamp_type: int = 0
    headers: _Headers = ()


def polled(records: Iterable[Record]) -> dict[TopicPartition, list[Record]]:
    """`records` as one poll's answer: by partition, in the given order within each."""
    out: dict[TopicPartition, list[Record]] = {}
    for r in records:
        out.setdefault(TopicPartition(r.topic, r.partition), []).append(r)
    return out


@dataclass
class FakeConsumer:
    """Hands out the scripted `polls` in turn (at most `max_records` of each; the rest stays
    for the next poll), then empty polls; records commits, seeks and subscriptions."""

    polls: list[list[Record]] = field(default_factory=list)
    journal: list[str] = field(default_factory=list)
    commits: list[dict[TopicPartition, int]] = field(default_factory=list)
    #: (timeout_ms, max_records) of each poll.
    calls: list[tuple[int, int | None]] = field(default_factory=list)
    #: Raised by the next commit (then cleared).
    commit_error: KafkaError | None = None
    highwaters: dict[TopicPartition, int] = field(default_factory=dict)
    seeks: dict[TopicPartition, int | None] = field(default_factory=dict)
    listener: ConsumerRebalanceListener | None = None
    #: Polls that brought records.
    handed_out: int = 0
    started: bool = False
    stopped: bool = False

    def subscribe(
        self,
        topics: Sequence[str] = (),
        pattern: str | None = None,
        listener: ConsumerRebalanceListener | None = None,
    ) -> None:
        self.listener = listener

    async def start(self) -> None:
        self.started = True

    async def stop(self) -> None:
        self.stopped = True

    async def getmany(
        self, *partitions: TopicPartition, timeout_ms: int = 0, max_records: int | None = None
    ) -> Polled:
        self.calls.append((timeout_ms, max_records))
        await asyncio.sleep(0)
        if not self.polls:
            await asyncio.sleep(min(timeout_ms, 1) / 1000)  # an idle broker, briefly
            return {}
        records = self.polls[0][:max_records]
        self.polls[0] = self.polls[0][len(records) :]
        if not self.polls[0]:
            self.polls.pop(0)
        self.handed_out += 1
        self.journal.append(f"poll {self.handed_out}")
        return polled(records)

    async def commit(self, offsets: Mapping[TopicPartition, int] | None = None) -> None:
        if self.commit_error is not None:
            error, self.commit_error = self.commit_error, None
            raise error
        self.commits.append(dict(offsets or {}))
        self.journal.append("commit")

    def highwater(self, partition: TopicPartition) -> int | None:
        return self.highwaters.get(partition)

    def seek(self, partition: TopicPartition, offset: int) -> None:
        self.seeks[partition] = offset

    async def seek_to_beginning(self, *partitions: TopicPartition) -> object:
        for tp in partitions:
            self.seeks[tp] = None
        return True

    async def revoke(self, partitions: Iterable[TopicPartition]) -> None:
        """What the group coordinator does before a partition moves to another member."""
        if self.listener is not None:
            await self.listener.on_partitions_revoked(list(partitions))

    async def assign(self, partitions: Iterable[TopicPartition]) -> None:
        """What the group coordinator does once partitions are this member's."""
        if self.listener is not None:
            await self.listener.on_partitions_assigned(list(partitions))


_Fields = tuple[bytes | None, bytes | None, _Headers]


@dataclass
class FakeBatch:
    """A producer batch: holds up to `capacity` records (then append answers None)."""

    capacity: int
    records: list[_Fields] = field(default_factory=list)

    def append(
        self,
        *,
        key: bytes | None,
        value: bytes | None,
        timestamp: int | None,
        headers: _Headers,
    ) -> object | None:
        if len(self.records) >= self.capacity:
            return None
        self.records.append((key, value, headers))
        return object()


@dataclass
class FakeProducer:
    """Acknowledges what it is handed, after failing the first `fail_first` hand-overs with
    `error` (in their futures) and raising at the first `raise_first` (no metadata).

    Every topic has the partitions `partitions`; a batch holds `batch_capacity` records.
    """

    journal: list[str] = field(default_factory=list)
    fail_first: int = 0
    error: Exception = field(default_factory=RequestTimedOutError)
    #: (topic, key, value, headers) of every acknowledged record, in acknowledgement order.
    sent: list[tuple[str, bytes | None, bytes, _Headers]] = field(default_factory=list)
    raise_first: int = 0
    calls: int = 0
    partitions: tuple[int, ...] = (0,)
    batch_capacity: int = 1000
    #: Acknowledgements are held (not given) while this is set.
    hold: asyncio.Event | None = None
    #: (topic, partition, number of records) per hand-over.
    handed: list[tuple[str, int, int]] = field(default_factory=list)
    #: Records larger than this (key, value, headers) are refused: by `send` at once, as
    #: aiokafka checks max_request_size, and in a batch when acknowledged, as a broker does.
    max_record_bytes: int | None = None
    #: (topic, partition) of each batch a broker refused: as in an idempotent aiokafka
    #: producer, the refused batch took its sequence numbers, so every later hand-over to
    #: that partition fails (OutOfOrderSequenceNumber) for the rest of this producer's life.
    broken: set[tuple[str, int]] = field(default_factory=set)
    started: bool = False
    stopped: bool = False
    #: The producers made to replace this one (and their successors), in order.
    successors: list[FakeProducer] = field(default_factory=list)
    #: Keeps the acknowledgement tasks alive until they ran.
    _acks: set[asyncio.Task[None]] = field(default_factory=set)

    async def start(self) -> None:
        self.started = True

    async def stop(self) -> None:
        self.stopped = True

    def successor(self) -> FakeProducer:
        """A new producer (new producer id: no broken partition) sharing this one's log."""
        fresh = FakeProducer(
            self.journal,
            sent=self.sent,
            partitions=self.partitions,
            batch_capacity=self.batch_capacity,
            handed=self.handed,
            max_record_bytes=self.max_record_bytes,
            successors=self.successors,
        )
        self.successors.append(fresh)
        return fresh

    async def partitions_for(self, topic: str) -> Collection[int]:
        return set(self.partitions)

    def create_batch(self) -> ProducerBatch:
        return FakeBatch(self.batch_capacity)

    async def send_batch(
        self, batch: ProducerBatch, topic: str, *, partition: int
    ) -> asyncio.Future[object]:
        assert isinstance(batch, FakeBatch)  # noqa: S101 - only its own batches come back
        return await self._hand_over(topic, partition, batch.records)

    async def send(
        self,
        topic: str,
        value: bytes | None = None,
        *,
        key: bytes | None = None,
        partition: int | None = None,
        timestamp_ms: int | None = None,
        headers: _Headers | None = None,
    ) -> asyncio.Future[object]:
        record: _Fields = (key, value, headers or ())
        if self._too_large([record]):
            raise MessageSizeTooLargeError
        return await self._hand_over(topic, partition or 0, [record])

    def _too_large(self, records: list[_Fields]) -> bool:
        limit = self.max_record_bytes
        return limit is not None and any(
            len(k or b"") + len(v or b"") + sum(len(n) + len(h) for n, h in hs) > limit
            for k, v, hs in records
        )

    async def _hand_over(
        self, topic: str, partition: int, records: list[_Fields]
    ) -> asyncio.Future[object]:
        self.calls += 1
        if self.stopped:
            raise ProducerClosed
        if self.raise_first > 0:
            self.raise_first -= 1
            raise KafkaTimeoutError
        self.handed.append((topic, partition, len(records)))
        loop = asyncio.get_running_loop()
        fut: asyncio.Future[object] = loop.create_future()
        if self.fail_first > 0:
            self.fail_first -= 1
            loop.call_soon(fut.set_exception, self.error)  # not acknowledged, later
            return fut
        if (topic, partition) in self.broken:
            loop.call_soon(fut.set_exception, OutOfOrderSequenceNumber())
            return fut
        if self._too_large(records):  # the whole batch, as a broker refuses it
            self.broken.add((topic, partition))
            loop.call_soon(fut.set_exception, MessageSizeTooLargeError())
            return fut

        async def acknowledge() -> None:
            if self.hold is not None:
                while self.hold.is_set():  # noqa: ASYNC110 - set holds, clear releases
                    await asyncio.sleep(0.001)
            for key, value, headers in records:
                self.sent.append((topic, key, value or b"", headers))
                self.journal.append(f"ack {topic}")
            fut.set_result(None)

        task = asyncio.create_task(acknowledge())
        self._acks.add(task)
        task.add_done_callback(self._acks.discard)
        return fut
