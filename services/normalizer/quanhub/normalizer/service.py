"""The normalizer's batches: routed, every output acknowledged, then offsets committed.

At least once, by construction: offsets move only after every canonical event and dead
letter of the batch is acknowledged by all in-sync replicas (idempotent, acks=all
producer). A crash or a rebalance in between redelivers the batch; the canonical event id
(deterministic) lets the ledger drop the repeats. Retriable Kafka errors are retried with
backoff and never dead-lettered; only bad input is. See docs/normalizer.md.

The loop is quanhub.common.consuming's: while batch N waits for its acknowledgements,
batch N+1 is polled, routed and handed to the producer; N+1 is committed only after N.
Outputs go to the producer as one batch per partition (Kafka's key rule), not one `send`
per record.

The producer is idempotent: the broker takes each partition's batches in the order of
sequence numbers the producer gave them. A batch the broker refuses (for its size, say)
took its numbers anyway, so every later batch to that partition would be refused
(OutOfOrderSequenceNumber) for the rest of the producer's life. After such a refusal, or
any error saying the producer's session is broken, the producer is closed and a new one
(a new producer id, sequences from zero) sends what was refused; see _renew_producer.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import suppress
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import NamedTuple

import structlog
from aiokafka.errors import (
    InvalidProducerEpoch,
    KafkaError,
    KafkaTimeoutError,
    OutOfOrderSequenceNumber,
    ProducerFenced,
    UnknownProducerId,
)

from quanhub.common.access import Principal
from quanhub.common.backoff import backoff, retrying
from quanhub.common.clock import Clock
from quanhub.common.consuming import (
    Batch,
    BatchHandler,
    Consumer,
    ConsumerLoop,
    DrainBeforeRevoke,
    Polled,
    Producer,
)
from quanhub.common.errors import DependencyUnavailable
from quanhub.common.kafka import fill_batches, send_chunk
from quanhub.common.topics import Topics
from quanhub.normalizer.errors import BatchAbandoned, OutputRejected
from quanhub.normalizer.limits import OutputLimits
from quanhub.normalizer.metrics import NormalizerMetrics
from quanhub.normalizer.oversize import as_reference, is_reference, too_large
from quanhub.normalizer.partners import PartnerDirectory
from quanhub.normalizer.routing import Output, route
from quanhub.normalizer.settings import NormalizerSettings
from quanhub.normalizer.sources import Sources

log = structlog.get_logger(__name__)

#: A loop that has not polled for this long is not ready.
_STALE_POLL = timedelta(seconds=30)

#: Errors saying the producer's session with the broker is broken (its producer id or
#: sequence numbers are no longer the broker's): retrying on that producer cannot help, on
#: a new one it can.
_SESSION_BROKEN = (
    OutOfOrderSequenceNumber,
    UnknownProducerId,
    InvalidProducerEpoch,
    ProducerFenced,
)


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


class _Sent(NamedTuple):
    """One hand-over to the producer: its acknowledgement and the outputs it covers."""

    future: asyncio.Future[object]
    outputs: list[Output]
    #: The producer it was handed to: a failure on a producer since replaced says nothing
    #: about the current one (its outputs are simply sent again).
    producer: Producer
    #: Refused before it reached the producer's queue: no sequence number was taken.
    at_hand_over: bool = False


@dataclass(slots=True)
class _Handed:
    """One batch handed to the producer, and what it holds."""

    started: float
    outputs: list[Output]
    #: One per producer batch.
    sent: list[_Sent]
    #: Outputs not handed over because the producer refused a batch (sent next round).
    unsent: list[Output]


def _failed(exc: BaseException) -> asyncio.Future[object]:
    fut: asyncio.Future[object] = asyncio.get_running_loop().create_future()
    fut.set_exception(exc)
    return fut


class Normalizer(BatchHandler[_Handed]):
    """Raw and partner topics to the canonical topic (or the dead-letter topic), on the one
    consumer runtime (quanhub.common.consuming): each batch is routed and handed to the
    producer (take), every output acknowledged (acknowledge), then the offsets committed."""

    def __init__(
        self,
        *,
        settings: NormalizerSettings,
        consumer: Consumer,
        producer: Producer,
        new_producer: Callable[[], Producer],
        limits: OutputLimits,
        sources: Sources,
        topics: Topics,
        metrics: NormalizerMetrics,
        clock: Clock,
        directory: PartnerDirectory,
    ) -> None:
        self._settings = settings
        self._consumer = consumer
        self._producer = producer
        #: Makes a producer (not started) to replace one whose session broke.
        self._new_producer = new_producer
        self._limits = limits
        self._sources = sources
        self._topics = topics
        self._metrics = metrics
        self._clock = clock
        self._directory = directory
        self._last_poll: datetime | None = None
        # Produce failures are retried output by output in acknowledge (a producer renewed,
        # oversize outputs sent alone): the loop retries nothing itself.
        self._loop = ConsumerLoop(
            consumer,
            self,
            poll_timeout_ms=settings.poll_timeout_ms,
            max_records=settings.batch_max_records,
            abandoned=(BatchAbandoned,),
        )
        self._stopping = self._loop.stopping

    async def start(self) -> None:
        """Check the output topics' limits (OutputTopicTooSmall when one is below the
        bound), start the producer, then join the group on the raw and partner topics."""
        await self._limits.check()
        await self._producer.start()
        self._consumer.subscribe(
            pattern=self._sources.pattern, listener=DrainBeforeRevoke(self._loop)
        )
        await self._consumer.start()
        log.info("normalizer_started", pattern=self._sources.pattern)

    def stop(self) -> None:
        """Ask the loop to finish its in-flight batches and return."""
        self._loop.stop()

    async def close(self) -> None:
        """Leave the group and flush the producer (after run() has returned)."""
        self._loop.stop()
        await self._loop.drain()
        await self._consumer.stop()
        await self._producer.stop()
        await self._directory.close()
        log.info("normalizer_stopped")

    def ready(self) -> bool:
        """True while the loop polls Kafka regularly."""
        last = self._last_poll
        return last is not None and self._clock.now() - last < _STALE_POLL

    async def run(self) -> None:
        """Poll, process and commit until stop() is called: two batches in flight at most,
        committed in order (quanhub.common.consuming.ConsumerLoop)."""
        await self._loop.run()

    async def drain(self) -> None:
        """Wait until no batch is in flight (what a revocation waits for)."""
        await self._loop.drain()

    async def process(self, batch: Polled) -> None:
        """Route, produce (acknowledged), then commit one batch."""
        await self._loop.process(Batch.of(batch))

    def polled(self, polled: Polled) -> None:
        """Every poll, empty or not, shows the loop alive."""
        self._last_poll = self._clock.now()

    async def take(self, batch: Batch) -> _Handed:
        """Route every record of a batch and hand the outputs to the producer."""
        started = asyncio.get_running_loop().time()
        now = self._clock.now()
        sources = self._sources
        # A batch is keyed by topic partition: one owner lookup per partition, not record.
        owners = await self._owners(
            {code for tp in batch.offsets if (code := sources.partner_of(tp.topic))}
        )
        topics = self._topics
        outputs = [route(record, sources, topics, now, owners) for record in batch.records]
        sent, unsent = await self._send_batches(outputs)
        return _Handed(started, outputs, sent, unsent)

    async def acknowledge(self, work: _Handed) -> None:
        """Wait for every output's acknowledgement (retrying), and account for them."""
        replaced = await self._acknowledged(work.sent, work.unsent)
        self._account([replaced.get(id(out), out) for out in work.outputs])

    def committed(self, work: _Handed, refused: BaseException | None) -> None:
        """A refused commit is counted; the batch's time observed either way."""
        if refused is not None:
            self._metrics.commit_failures.inc()
        self._metrics.batch_seconds.observe(asyncio.get_running_loop().time() - work.started)

    def _backoff(self) -> Iterator[float]:
        settings = self._settings
        return backoff(settings.retry_backoff_seconds, settings.retry_backoff_max_seconds)

    async def _owners(self, codes: set[str]) -> dict[str, Principal | None]:
        """The registry principal of each partner topic's owner, waiting out an outage
        (given up when stopping: the batch is left for redelivery)."""
        directory = self._directory

        async def lookup() -> dict[str, Principal | None]:
            return {code: await directory.principal(code) for code in sorted(codes)}

        async def failed(exc: BaseException, delay: float) -> None:
            log.warning("registry_retry", reason=str(exc), backoff_seconds=delay)

        return await retrying(
            lookup,
            retriable=lambda exc: isinstance(exc, DependencyUnavailable),
            delays=self._backoff(),
            failed=failed,
            give_up=self._stopping.is_set,
        )

    def _account(self, outputs: list[Output]) -> None:
        """Metrics (canonical events counted once per kind and batch) and dead-letter logs."""
        canonical: Counter[str] = Counter()
        for out in outputs:
            if not out.error_code:
                canonical[out.kind] += 1
                if out.unmapped:
                    self._metrics.unmapped(*out.unmapped)
                continue
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
        for kind, count in canonical.items():
            self._metrics.events.labels(kind, "canonical").inc(count)

    async def _acknowledged(self, sent: list[_Sent], unsent: list[Output]) -> dict[int, Output]:
        """Wait for the acknowledgements, producing again what failed retriably (on a new
        producer when the session broke) and smaller what was refused for its size (see
        oversize); the references that replaced refused outputs, by id() of each."""
        delays = self._backoff()
        replaced: dict[int, Output] = {}
        while True:
            results = await asyncio.gather(*(s.future for s in sent), return_exceptions=True)
            retry, alone, broken = self._failures(sent, results, replaced)
            if broken:
                await self._renew_producer(broken)
            retry.extend(unsent)  # never sent this round, order kept
            if not retry and not alone:
                return replaced
            if retry:
                if self._stopping.is_set():
                    msg = f"{len(retry)} records unacknowledged at shutdown"
                    raise BatchAbandoned(msg)
                self._metrics.produce_retries.inc(len(retry))
                delay = next(delays)
                log.warning("produce_retry", records=len(retry), backoff_seconds=delay)
                await asyncio.sleep(delay)
            sent, unsent = await self._send_batches(retry) if retry else ([], [])
            sent.extend(await self._send_alone(alone))

    def _failures(
        self, sent: list[_Sent], results: list[object], replaced: dict[int, Output]
    ) -> tuple[list[Output], list[Output], str]:
        """From one round's results: the outputs to send again as they are, those to send
        alone or as references (refused for their size), and why the producer must be
        renewed ("" when it need not)."""
        retry: list[Output] = []
        alone: list[Output] = []
        broken = ""
        for item, result in zip(sent, results, strict=True):
            if not isinstance(result, BaseException):
                continue
            current = item.producer is self._producer
            if too_large(result):
                alone.extend(self._smaller(item.outputs, result, replaced))
                if current and not item.at_hand_over:  # the broker's refusal
                    broken = f"the broker refused a batch ({type(result).__name__})"
            elif not current or isinstance(result, _SESSION_BROKEN):
                retry.extend(item.outputs)
                if current:
                    broken = f"the producer's session broke ({type(result).__name__})"
            elif not _retriable(result):
                # Authorisation, configuration or a bug: retrying cannot help and dropping
                # would lose data, so stop with the offsets uncommitted.
                msg = f"{item.outputs[0].topic} refused a record: {type(result).__name__}"
                raise OutputRejected(msg) from result
            else:
                retry.extend(item.outputs)
        return retry, alone, broken

    async def _renew_producer(self, reason: str) -> None:
        """Close the producer and start a new one (a new producer id: every partition's
        sequence starts again), so the partition whose sequence broke takes records again.

        The new one is in place before the old one stops, so later hand-overs go to it;
        stopping the old one flushes its other batches, and each batch's future tells the
        loop what to send again (on the new producer, see _acknowledged).
        """
        old = self._producer

        async def started() -> Producer:
            fresh = self._new_producer()
            try:
                await fresh.start()
            except KafkaError:
                with suppress(KafkaError):
                    await fresh.stop()
                raise
            return fresh

        async def failed(exc: BaseException, delay: float) -> None:
            log.warning("producer_start_retry", error=type(exc).__name__)

        self._producer = await retrying(
            started,
            retriable=lambda exc: isinstance(exc, KafkaError),
            delays=self._backoff(),
            failed=failed,
            give_up=self._stopping.is_set,
        )
        self._metrics.producer_renewals.inc()
        log.warning("producer_renewed", reason=reason)
        try:
            await old.stop()
        except KafkaError as exc:  # its batches' futures carry their own errors
            log.warning("producer_stop_failed", error=type(exc).__name__)

    def _smaller(
        self, outputs: list[Output], refusal: BaseException, replaced: dict[int, Output]
    ) -> list[Output]:
        """What to send instead of `outputs`, refused for their size: each on its own, or
        for one alone its reference (noted in `replaced`)."""
        if len(outputs) > 1:
            return outputs
        (out,) = outputs
        if is_reference(out, self._topics):
            msg = f"{out.topic} refused a reference dead letter: {type(refusal).__name__}"
            raise OutputRejected(msg) from refusal
        reference = as_reference(out, self._topics, self._clock.now(), type(refusal).__name__)
        replaced[id(out)] = reference
        log.warning(
            "output_too_large",
            topic=out.topic,
            error=type(refusal).__name__,
            source_topic=out.source[0],
            partition=out.source[1],
            offset=out.source[2],
        )
        return [reference]

    async def _send_alone(self, outputs: list[Output]) -> list[_Sent]:
        """Hand each output to the producer as a record of its own (Kafka's partitioner
        places it as fill_batches would); a refusal at hand-over is its future's error."""
        producer = self._producer
        sent: list[_Sent] = []
        for out in outputs:
            try:
                fut = await producer.send(out.topic, out.value, key=out.key, headers=out.headers)
            except KafkaError as exc:
                sent.append(_Sent(_failed(exc), [out], producer, at_hand_over=True))
            else:
                sent.append(_Sent(fut, [out], producer))
        return sent

    async def _send_batches(self, outputs: list[Output]) -> tuple[list[_Sent], list[Output]]:
        """Hand outputs to the producer as one batch per partition (in output order within
        each); one _Sent per batch, and the outputs left over when a hand-over failed (no
        metadata: the broker or the topic is not there, the rest would wait too).
        """
        producer = self._producer
        try:
            chunks = await fill_batches(producer, outputs)
        except KafkaError as exc:
            return [_Sent(_failed(exc), list(outputs), producer, at_hand_over=True)], []
        sent: list[_Sent] = []
        for i, chunk in enumerate(chunks):
            try:
                fut = await send_chunk(producer, chunk)
            except KafkaError as exc:
                sent.append(_Sent(_failed(exc), chunk.records, producer, at_hand_over=True))
                return sent, [out for later in chunks[i + 1 :] for out in later.records]
            sent.append(_Sent(fut, chunk.records, producer))
        return sent, []
