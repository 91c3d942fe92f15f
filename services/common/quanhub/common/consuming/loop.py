"""The one consumer runtime: poll, take, acknowledge, commit; drain before a revoke.

A service says what a batch means (a BatchHandler: hand it to the producer, write it to
PostgreSQL) and the loop does the rest, the same way for every consumer:

- Two batches overlap: batch N+1 is polled and taken (decoded, handed over) while batch N
  is being acknowledged; N+1's acknowledgement starts only once N's is done, so offsets
  move in order and a crash at any point redelivers everything not yet acknowledged.
- Offsets are committed only after the batch is acknowledged (or, for a consumer that
  stores its offsets with its output, never to Kafka: `commit=False`).
- A failed acknowledgement is retried with backoff while `retriable(exc)` says so; any
  other failure stops the loop, uncommitted. Stopping while retrying abandons the batch
  (left for redelivery) instead of waiting for the dependency.
- Before partitions move to another member (DrainBeforeRevoke), the batch being taken and
  the one in flight finish, so their next owner starts after them.
"""

from __future__ import annotations

import asyncio
import time
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Generic, Protocol, TypeVar

import structlog
from aiokafka import ConsumerRebalanceListener, TopicPartition
from aiokafka.errors import CommitFailedError, IllegalStateError, KafkaError

from quanhub.common.backoff import GaveUp, backoff, retrying
from quanhub.common.consuming.ports import Consumer, Polled, Record

__all__ = ["Batch", "BatchHandler", "ConsumerLoop", "DrainBeforeRevoke"]

log = structlog.get_logger(__name__)

W = TypeVar("W")


@dataclass(slots=True)
class Batch:
    """The records of one or more polls, in arrival order, and each partition's next offset."""

    records: list[Record] = field(default_factory=list)
    offsets: dict[TopicPartition, int] = field(default_factory=dict)

    def add(self, polled: Polled) -> None:
        """Append one poll's records (later polls are later in their partitions)."""
        for tp, records in polled.items():
            if records:
                self.records.extend(records)
                self.offsets[tp] = records[-1].offset + 1

    @classmethod
    def of(cls, polled: Polled) -> Batch:
        """One poll as a batch."""
        batch = cls()
        batch.add(polled)
        return batch


class BatchHandler(ABC, Generic[W]):
    """What a consumer does with its batches; only `take` and `acknowledge` are required."""

    @abstractmethod
    async def take(self, batch: Batch) -> W:
        """Start on a batch (decode it, hand its output over) and return what `acknowledge`
        waits for. Called while the previous batch may still be in flight."""

    @abstractmethod
    async def acknowledge(self, work: W) -> None:
        """Return once the batch's output is safe (acknowledged, written); raise to retry
        (when retriable) or to stop the loop."""

    def polled(self, polled: Polled) -> None:
        """Told every poll's result, empty ones too (readiness, lag, inflow)."""

    def linger_seconds(self) -> float:
        """How long to poll on for a fuller batch after a poll brought records (0: never)."""
        return 0.0

    async def failed(self, exc: BaseException, delay: float) -> None:
        """A retriable failure of `acknowledge`, retried after `delay` seconds: count it,
        log it, clean up (drop a broken connection)."""
        log.warning("batch_retry", error=type(exc).__name__, retry_in=delay)

    def committed(self, work: W, refused: BaseException | None) -> None:
        """The batch is done: acknowledged and committed (`refused`: why the commit was
        not taken; its output is safe regardless, at worst produced again)."""


def never(_exc: BaseException) -> bool:
    """A `retriable` predicate for handlers that retry inside `acknowledge` themselves."""
    return False


class ConsumerLoop(Generic[W]):
    """Runs one consumer's batches through a BatchHandler until stopped."""

    def __init__(
        self,
        consumer: Consumer,
        handler: BatchHandler[W],
        *,
        poll_timeout_ms: int,
        max_records: int,
        retriable: Callable[[BaseException], bool] = never,
        retry_initial_seconds: float = 0.5,
        retry_max_seconds: float = 30.0,
        commit: bool = True,
        abandoned: tuple[type[BaseException], ...] = (),
        stopping: asyncio.Event | None = None,
    ) -> None:
        self._consumer = consumer
        self._handler = handler
        self._poll_timeout_ms = poll_timeout_ms
        self._max_records = max_records
        self._retriable = retriable
        self._retry = (retry_initial_seconds, retry_max_seconds)
        self._commit = commit
        #: Errors meaning "stopping while a dependency is down": the batch is left for
        #: redelivery and the loop ends without an error.
        self._abandoned: tuple[type[BaseException], ...] = (GaveUp, *abandoned)
        self.stopping = stopping or asyncio.Event()
        self._lock = asyncio.Lock()
        #: The batch taken and not yet committed (finishing meanwhile).
        self._in_flight: asyncio.Task[None] | None = None

    def stop(self) -> None:
        """Ask `run` to finish the batch in flight and return."""
        self.stopping.set()

    async def run(self) -> None:
        """Poll, take and finish batches until stopped; a fatal error is raised here."""
        try:
            while not self.stopping.is_set():
                batch = await self.poll()
                if self.stopping.is_set():
                    break
                if not batch.records:
                    if self._in_flight is not None and self._in_flight.done():
                        await self._settle()  # its failure surfaces while idle too
                    continue
                async with self._lock:
                    work = await self._handler.take(batch)
                    await self._settle()  # the previous batch first: offsets in order
                    self._in_flight = asyncio.create_task(self._finish(batch, work))
                await asyncio.sleep(0)  # let the batch start (send its first statement)
            async with self._lock:
                await self._settle()
        except self._abandoned as exc:
            log.warning("batch_abandoned", reason=str(exc))
            await self._abandon()
        finally:
            task, self._in_flight = self._in_flight, None
            if task is not None and not task.done():
                task.cancel()
                await asyncio.wait([task])

    async def poll(self) -> Batch:
        """One batch: a poll and, when the handler asks to linger, more polls until the
        batch is full or the linger is over (fewer, bigger batches under load)."""
        handler, max_records = self._handler, self._max_records
        polled = await self._consumer.getmany(
            timeout_ms=self._poll_timeout_ms, max_records=max_records
        )
        handler.polled(polled)
        batch = Batch.of(polled)
        linger = handler.linger_seconds() if batch.records else 0.0
        if linger <= 0:
            return batch
        deadline = time.monotonic() + linger
        while len(batch.records) < max_records and not self.stopping.is_set():
            left_ms = int((deadline - time.monotonic()) * 1000)
            if left_ms <= 0:
                break
            polled = await self._consumer.getmany(
                timeout_ms=left_ms, max_records=max_records - len(batch.records)
            )
            handler.polled(polled)
            batch.add(polled)
        return batch

    async def process(self, batch: Batch) -> None:
        """Take, acknowledge and commit one batch, on its own (not overlapped)."""
        await self._finish(batch, await self._handler.take(batch))

    async def drain(self) -> None:
        """Wait until no batch is being taken or in flight (its failure is `run`'s to raise)."""
        async with self._lock:
            task = self._in_flight
            if task is not None:
                await asyncio.wait([task])

    async def _finish(self, batch: Batch, work: W) -> None:
        """Acknowledge (retrying what is retriable), then commit the batch's offsets."""
        start, cap = self._retry
        await retrying(
            lambda: self._handler.acknowledge(work),
            retriable=self._retriable,
            delays=backoff(start, cap),
            failed=self._handler.failed,
            give_up=self.stopping.is_set,
        )
        refused: BaseException | None = None
        if self._commit:
            try:
                await self._consumer.commit(batch.offsets)
            except (CommitFailedError, IllegalStateError, KafkaError) as exc:
                # The partitions moved (their new owner re-reads from the last commit) or
                # the coordinator is away (the next batch's commit covers these offsets
                # too): the output is safe either way, at worst it is produced again.
                refused = exc
                log.warning("commit_refused", error=type(exc).__name__)
        self._handler.committed(work, refused)

    async def _settle(self) -> None:
        """Finish the batch in flight, if any; its errors are raised here."""
        task, self._in_flight = self._in_flight, None
        if task is not None:
            await task

    async def _abandon(self) -> None:
        """Stopping mid-batch: let the batch in flight end (committed or abandoned too)."""
        task, self._in_flight = self._in_flight, None
        if task is not None:
            await asyncio.wait([task])
            error = None if task.cancelled() else task.exception()
            if isinstance(error, self._abandoned):
                log.warning("batch_abandoned", reason=str(error))
            elif error is not None:
                raise error


class Drains(Protocol):
    """What a revocation waits on (a ConsumerLoop)."""

    async def drain(self) -> None: ...


class DrainBeforeRevoke(ConsumerRebalanceListener):  # type: ignore[misc]
    """Lets the batches being taken and in flight finish before their partitions move to
    another member, so the next owner starts after them."""

    def __init__(self, loop: Drains) -> None:
        self._loop = loop
        #: The partitions this member holds now.
        self.assigned: set[TopicPartition] = set()

    async def on_partitions_revoked(self, revoked: Iterable[TopicPartition]) -> None:
        """Drain, then let the partitions go."""
        revoked = list(revoked)
        await self._loop.drain()
        self.assigned -= set(revoked)
        log.info("partitions_revoked", partitions=_names(revoked))

    async def on_partitions_assigned(self, assigned: Iterable[TopicPartition]) -> None:
        """Take the partitions (a subclass may first seek them elsewhere)."""
        assigned = list(assigned)
        await self.assigning(assigned)
        self.assigned |= set(assigned)

    async def assigning(self, assigned: Sequence[TopicPartition]) -> None:
        """Before the partitions are counted as held: by default, log them."""
        log.info("partitions_assigned", partitions=_names(assigned))


def _names(partitions: Iterable[TopicPartition]) -> list[str]:
    return sorted(str(tp) for tp in partitions)
