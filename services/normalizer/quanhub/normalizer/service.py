"""The consumer loop: bounded batches in, every output acknowledged, then offsets committed.

At least once, by construction: offsets move only after every canonical event and dead
letter of the batch is acknowledged by all in-sync replicas (idempotent, acks=all
producer). A crash or a rebalance in between redelivers the batch; the canonical event id
(deterministic) lets the ledger drop the repeats. Retriable Kafka errors are retried with
backoff and never dead-lettered; only bad input is. See docs/normalizer.md.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

import structlog
from aiokafka import ConsumerRebalanceListener, TopicPartition
from aiokafka.errors import CommitFailedError, IllegalStateError, KafkaError, KafkaTimeoutError

from quanhub.common.access import Principal
from quanhub.common.clock import Clock
from quanhub.common.errors import DependencyUnavailable
from quanhub.common.topics import Topics
from quanhub.normalizer.errors import BatchAbandoned, OutputRejected
from quanhub.normalizer.metrics import NormalizerMetrics
from quanhub.normalizer.partners import PartnerDirectory
from quanhub.normalizer.routing import Output, route
from quanhub.normalizer.settings import NormalizerSettings
from quanhub.normalizer.sources import Sources

log = structlog.get_logger(__name__)

#: A loop that has not polled for this long is not ready.
_STALE_POLL = timedelta(seconds=30)


def _retriable(exc: BaseException) -> bool:
    """Whether retrying a failed produce may succeed.

    aiokafka marks KafkaTimeoutError (no metadata or no acknowledgement in time: the broker
    is down, slow or the topic not there yet) as not retriable; for us it is the retriable
    case par excellence. Any other Kafka error keeps aiokafka's flag; a non-Kafka error is
    a bug and is not retried.
    """
    if isinstance(exc, KafkaTimeoutError | TimeoutError):
        return True
    return isinstance(exc, KafkaError) and exc.retriable


class _FinishBatchBeforeRevoke(ConsumerRebalanceListener):  # type: ignore[misc]
    """Lets the in-flight batch commit before its partitions move to another member."""

    def __init__(self, lock: asyncio.Lock) -> None:
        self._lock = lock

    async def on_partitions_revoked(self, revoked: Iterable[TopicPartition]) -> None:
        async with self._lock:
            log.info("partitions_revoked", partitions=sorted(str(tp) for tp in revoked))

    async def on_partitions_assigned(self, assigned: Iterable[TopicPartition]) -> None:
        log.info("partitions_assigned", partitions=sorted(str(tp) for tp in assigned))


class Normalizer:
    """Raw and partner topics to the canonical topic (or the dead-letter topic)."""

    def __init__(
        self,
        *,
        settings: NormalizerSettings,
        consumer: Any,
        producer: Any,
        sources: Sources,
        topics: Topics,
        metrics: NormalizerMetrics,
        clock: Clock,
        directory: PartnerDirectory,
    ) -> None:
        self._settings = settings
        self._consumer = consumer
        self._producer = producer
        self._sources = sources
        self._topics = topics
        self._metrics = metrics
        self._clock = clock
        self._directory = directory
        self._lock = asyncio.Lock()
        self._stopping = asyncio.Event()
        self._last_poll: datetime | None = None

    async def start(self) -> None:
        """Start the producer, then join the group on the raw and partner topics."""
        await self._producer.start()
        self._consumer.subscribe(
            pattern=self._sources.pattern, listener=_FinishBatchBeforeRevoke(self._lock)
        )
        await self._consumer.start()
        log.info("normalizer_started", pattern=self._sources.pattern)

    def stop(self) -> None:
        """Ask the loop to finish its in-flight batch and return."""
        self._stopping.set()

    async def close(self) -> None:
        """Leave the group and flush the producer (after run() has returned)."""
        self._stopping.set()
        async with self._lock:
            await self._consumer.stop()
            await self._producer.stop()
            await self._directory.close()
        log.info("normalizer_stopped")

    def ready(self) -> bool:
        """True while the loop polls Kafka regularly."""
        last = self._last_poll
        return last is not None and self._clock.now() - last < _STALE_POLL

    async def run(self) -> None:
        """Poll, process and commit until stop() is called."""
        while not self._stopping.is_set():
            batch = await self._consumer.getmany(
                timeout_ms=self._settings.poll_timeout_ms,
                max_records=self._settings.batch_max_records,
            )
            self._last_poll = self._clock.now()
            if not batch or self._stopping.is_set():
                continue
            async with self._lock:
                try:
                    await self.process(batch)
                except BatchAbandoned as exc:
                    log.warning("batch_abandoned", reason=exc.message)
                    return

    async def process(self, batch: dict[TopicPartition, list[Any]]) -> None:
        """Route, produce (acknowledged), then commit one batch."""
        started = asyncio.get_running_loop().time()
        now = self._clock.now()
        owners = await self._owners(
            {
                code
                for records in batch.values()
                for record in records
                if (code := self._sources.partner_of(record.topic))
            }
        )
        outputs = [
            route(record, self._sources, self._topics, now, owners)
            for records in batch.values()
            for record in records
        ]
        await self._produce_all(outputs)
        for out in outputs:
            self._account(out)
        offsets = {tp: records[-1].offset + 1 for tp, records in batch.items() if records}
        try:
            await self._consumer.commit(offsets)
        except (CommitFailedError, IllegalStateError, KafkaError) as exc:
            # The partitions moved (their new owner re-reads from the last commit) or the
            # coordinator is away (the next batch's commit covers these offsets too): the
            # outputs are safe either way, at worst they are produced again.
            self._metrics.commit_failures.inc()
            log.warning("commit_refused", error=type(exc).__name__)
        self._metrics.batch_seconds.observe(asyncio.get_running_loop().time() - started)

    async def _owners(self, codes: set[str]) -> dict[str, Principal | None]:
        """The registry principal of each partner topic's owner, waiting out an outage."""
        delay = self._settings.retry_backoff_seconds
        while True:
            try:
                return {code: await self._directory.principal(code) for code in sorted(codes)}
            except DependencyUnavailable as exc:
                if self._stopping.is_set():
                    raise BatchAbandoned(exc.message) from exc
                log.warning("registry_retry", reason=exc.message, backoff_seconds=delay)
                await asyncio.sleep(delay)
                delay = min(delay * 2, self._settings.retry_backoff_max_seconds)

    def _account(self, out: Output) -> None:
        if out.error_code:
            self._metrics.events.labels(out.kind, "dead_letter").inc()
            self._metrics.dead_letters.labels(out.error_code).inc()
            log.warning(
                "dead_lettered",
                error_code=out.error_code,
                error_message=out.error_message,
                partner=out.partner,
                kind=out.kind,
                topic=out.source[0],
                partition=out.source[1],
                offset=out.source[2],
            )
            return
        self._metrics.events.labels(out.kind, "canonical").inc()
        if out.unmapped:
            self._metrics.unmapped(*out.unmapped)

    async def _produce_all(self, outputs: list[Output]) -> None:
        """Produce every output and wait for all acknowledgements, retrying retriable errors."""
        pending = outputs
        delay = self._settings.retry_backoff_seconds
        while pending:
            futures: list[asyncio.Future[Any]] = []
            for out in pending:
                fut = await self._send(out)
                futures.append(fut)
                if fut.done() and fut.exception() is not None:
                    break  # the send itself failed (no metadata): the rest would wait too
            results = await asyncio.gather(*futures, return_exceptions=True)
            retry: list[Output] = []
            for out, result in zip(pending, results, strict=False):
                if not isinstance(result, BaseException):
                    continue
                if not _retriable(result):
                    # Authorisation, configuration, size or a bug: retrying cannot help and
                    # dropping would lose data, so stop with the offsets uncommitted.
                    msg = f"{out.topic} refused a record: {type(result).__name__}"
                    raise OutputRejected(msg) from result
                retry.append(out)
            retry.extend(pending[len(futures) :])  # never sent this round, order kept
            if not retry:
                return
            if self._stopping.is_set():
                msg = f"{len(retry)} records unacknowledged at shutdown"
                raise BatchAbandoned(msg)
            self._metrics.produce_retries.inc(len(retry))
            log.warning("produce_retry", records=len(retry), backoff_seconds=delay)
            await asyncio.sleep(delay)
            delay = min(delay * 2, self._settings.retry_backoff_max_seconds)
            pending = retry

    async def _send(self, out: Output) -> asyncio.Future[Any]:
        try:
            fut: asyncio.Future[Any] = await self._producer.send(
                out.topic, out.value, key=out.key, headers=out.headers
            )
        except KafkaError as exc:
            fut = asyncio.get_running_loop().create_future()
            fut.set_exception(exc)
        return fut
