"""The consumer and producer as the services use them: the subset of aiokafka's
AIOKafkaConsumer and AIOKafkaProducer they call, as Protocols (quanhub.common.testing
implements them with fakes)."""

from __future__ import annotations

import asyncio
from collections.abc import Collection, Mapping, Sequence
from typing import Protocol

from aiokafka import ConsumerRebalanceListener, TopicPartition

__all__ = ["Consumer", "Polled", "Producer", "ProducerBatch", "Record"]


class Record(Protocol):
    """One consumed record (aiokafka's ConsumerRecord)."""

    @property
    def topic(self) -> str: ...
    @property
    def partition(self) -> int: ...
    @property
    def offset(self) -> int: ...
    @property
    def timestamp(self) -> int: ...
    @property
    def timestamp_type(self) -> int: ...
    @property
    def key(self) -> bytes | None: ...
    @property
    def value(self) -> bytes | None: ...
    @property
    def headers(self) -> Sequence[tuple[str, bytes]]: ...


#: One poll's records, by partition, in offset order within each.
Polled = Mapping[TopicPartition, Sequence[Record]]


class Consumer(Protocol):
    """A group member that never auto-commits (quanhub.common.kafka.make_consumer)."""

    def subscribe(
        self,
        topics: Sequence[str] = (),
        pattern: str | None = None,
        listener: ConsumerRebalanceListener | None = None,
    ) -> None: ...

    async def start(self) -> None: ...

    async def stop(self) -> None: ...

    async def getmany(
        self, *partitions: TopicPartition, timeout_ms: int = 0, max_records: int | None = None
    ) -> Polled: ...

    async def commit(self, offsets: Mapping[TopicPartition, int] | None = None) -> None: ...

    def highwater(self, partition: TopicPartition) -> int | None: ...

    def seek(self, partition: TopicPartition, offset: int) -> None: ...

    async def seek_to_beginning(self, *partitions: TopicPartition) -> object: ...


class ProducerBatch(Protocol):
    """A record batch the producer built (create_batch), filled before it is sent."""

    def append(
        self,
        *,
        key: bytes | None,
        value: bytes | None,
        timestamp: int | None,
        headers: Sequence[tuple[str, bytes]],
    ) -> object | None: ...


class Producer(Protocol):
    """An idempotent, acks=all producer (quanhub.common.kafka.make_producer)."""

    async def start(self) -> None: ...

    async def stop(self) -> None: ...

    async def partitions_for(self, topic: str) -> Collection[int]: ...

    def create_batch(self) -> ProducerBatch: ...

    async def send(
        self,
        topic: str,
        value: bytes | None = None,
        *,
        key: bytes | None = None,
        partition: int | None = None,
        timestamp_ms: int | None = None,
        headers: Sequence[tuple[str, bytes]] | None = None,
    ) -> asyncio.Future[object]: ...

    async def send_batch(
        self, batch: ProducerBatch, topic: str, *, partition: int
    ) -> asyncio.Future[object]: ...
