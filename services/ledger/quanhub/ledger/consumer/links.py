"""Links across PostgreSQL instances, beside the consumer: a relay per instance produces
its outbox to the links topic, and an applier merges the topic's facts into the instance
of each partition's shard (store/link_facts.py, docs/ledger.md "Links across instances").
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from functools import partial

import structlog
from aiokafka.errors import KafkaError

from quanhub.common.backoff import GaveUp, backoff, retrying
from quanhub.common.clock import Clock
from quanhub.common.consuming import Batch, BatchHandler
from quanhub.common.consuming.ports import Producer
from quanhub.ledger.consumer.connection import DATABASE_ERRORS, OwnConnection
from quanhub.ledger.consumer.metrics import ConsumerMetrics
from quanhub.ledger.consumer.passes import Passes
from quanhub.ledger.settings import LedgerConsumerSettings
from quanhub.ledger.store.link_facts import (
    apply_facts,
    decode_fact,
    delete_sent,
    encode_fact,
    take_outbox,
)
from quanhub.ledger.store.link_routes import LinkFact, LinkRouter
from quanhub.ledger.store.writer import AnyConnection, Position, store_offsets

log = structlog.get_logger(__name__)

#: How the relay's and the applier's sessions show in pg_stat_activity.
RELAY_APPLICATION_NAME = "quanhub-ledger-link-relay"
APPLIER_APPLICATION_NAME = "quanhub-ledger-link-applier"

#: Outbox rows one relay transaction sends at most.
RELAY_BATCH = 1_000

#: Failures a relay pass or an apply retries: the database's and Kafka's.
LINK_ERRORS = (*DATABASE_ERRORS, KafkaError)


def links_group(group_id: str) -> str:
    """The applier's consumer group (its offsets live in PostgreSQL under this name)."""
    return f"{group_id}.links"


class LinkRelay:
    """Sends one instance's outbox to the links topic: after every `kick` (a step or an
    apply wrote to the outbox) and every `projector_poll_seconds` anyway (another process,
    or a crash, left rows). A pass takes the oldest rows (locked: another relay skips
    them), produces each to its partition, and deletes them once acknowledged, in one
    transaction: a crash before the commit sends them again, which changes nothing."""

    def __init__(
        self,
        settings: LedgerConsumerSettings,
        metrics: ConsumerMetrics,
        url: str,
        producer: Producer,
        topic: str,
    ) -> None:
        self._settings = settings
        self._metrics = metrics
        self._producer = producer
        self._topic = topic
        self._passes = Passes()
        self._conn = OwnConnection(url, RELAY_APPLICATION_NAME, _nothing)

    def kick(self) -> None:
        """The outbox has new rows: send them soon."""
        self._passes.kick()

    def stop(self) -> None:
        """Make `run` do one last pass and return."""
        self._passes.stop()

    async def run(self) -> None:
        """Pass until `stop`, then once more (after the projectors' last steps)."""
        try:
            await self._passes.run(
                self._settings.projector_poll_seconds,
                partial(
                    _retrying,
                    self.catch_up,
                    self._conn,
                    self._settings,
                    self._metrics,
                    self._passes.stopping,
                ),
            )
        finally:
            await self._conn.drop()

    async def catch_up(self) -> int:
        """Send until the outbox is empty; how many facts were sent."""
        sent = 0
        while True:
            conn = await self._conn.get()
            async with conn.transaction():
                taken = await take_outbox(conn, RELAY_BATCH)
                if not taken:
                    return sent
                acks = [
                    await self._producer.send(
                        self._topic,
                        encode_fact(route.fact),
                        key=route.key,
                        partition=route.partition,
                    )
                    for _, route in taken
                ]
                await asyncio.gather(*acks)
                await delete_sent(conn, [row_id for row_id, _ in taken])
            sent += len(taken)
            self._metrics.links_relayed.inc(len(taken))


@dataclass(slots=True)
class _Part:
    """The facts and offsets of the links partitions placed on one instance."""

    facts: list[LinkFact] = field(default_factory=list)
    positions: list[Position] = field(default_factory=list)
    done: bool = False


@dataclass(slots=True)
class _Apply:
    parts: dict[int, _Part]
    now: datetime


class LinkApplier(BatchHandler[_Apply]):
    """Consumes the links topic: a record in partition p is a fact about an object of
    shard p mod S; its instance merges it (link_facts.apply_facts) with the partition's
    offsets in one transaction, so a fact is applied once in effect (and applying one twice
    changes nothing anyway). What the merge changes goes on to the outbox; `routed(i)` is
    told when instance i's outbox grew."""

    def __init__(
        self,
        settings: LedgerConsumerSettings,
        metrics: ConsumerMetrics,
        routers: Mapping[int, LinkRouter],
        *,
        clock: Clock,
        group_id: str,
        routed: Callable[[int], None],
    ) -> None:
        self._settings = settings
        self._metrics = metrics
        self._routers = routers
        self._clock = clock
        self._group_id = group_id
        self._routed = routed
        self._conns = {
            instance: OwnConnection(url, APPLIER_APPLICATION_NAME, _nothing)
            for instance, url in enumerate(next(iter(routers.values())).shard_map.urls)
        }

    def instance_of(self, partition: int) -> int:
        """The instance that applies the facts of links partition `partition`."""
        return next(iter(self._routers.values())).instance_of_partition(partition)

    async def take(self, batch: Batch) -> _Apply:
        """The batch's facts by the instance that applies them; an unreadable record is
        logged and skipped (its offset still advances)."""
        parts: dict[int, _Part] = {}
        last: dict[tuple[str, int], int] = {}
        for record in batch.records:
            part = parts.setdefault(self.instance_of(record.partition), _Part())
            try:
                part.facts.append(decode_fact(record.value or b""))
            except ValueError as exc:
                log.warning(
                    "link_fact_rejected",
                    reason=str(exc),
                    topic=record.topic,
                    partition=record.partition,
                    offset=record.offset,
                )
            key = (record.topic, record.partition)
            last[key] = max(last.get(key, -1), record.offset)
        for (topic, partition), offset in last.items():
            parts[self.instance_of(partition)].positions.append(
                Position(topic, partition, offset + 1)
            )
        return _Apply(parts, self._clock.now())

    async def acknowledge(self, work: _Apply) -> None:
        """Each instance's facts and offsets in one transaction (a retry skips those done)."""
        for instance, part in work.parts.items():
            if part.done:
                continue
            conn = self._conns[instance]
            try:
                routed = await _apply(
                    await conn.get(), part, self._routers[instance], self._group_id, work.now
                )
            except LINK_ERRORS:
                await conn.drop()
                raise
            part.done = True
            self._metrics.links_applied.inc(len(part.facts))
            if routed:
                self._routed(instance)

    async def failed(self, exc: BaseException, delay: float) -> None:
        """A failed apply: counted and logged (its connection is already dropped)."""
        self._metrics.link_failures.inc()
        log.warning("ledger_link_apply_failed", error=str(exc), retry_in=delay)

    async def close(self) -> None:
        """Close the applier's connections."""
        for conn in self._conns.values():
            await conn.drop()


async def _apply(
    conn: AnyConnection, part: _Part, router: LinkRouter, group_id: str, now: datetime
) -> int:
    async with conn.transaction():
        routed = await apply_facts(conn, part.facts, router) if part.facts else 0
        await store_offsets(conn, group_id, part.positions, now)
    return routed


def retriable(exc: BaseException) -> bool:
    """A database or Kafka error: dropped connection, retried batch."""
    return isinstance(exc, LINK_ERRORS)


async def _retrying(
    work: Callable[[], Awaitable[object]],
    conn: OwnConnection,
    settings: LedgerConsumerSettings,
    metrics: ConsumerMetrics,
    give_up: Callable[[], bool],
) -> None:
    async def failed(exc: BaseException, delay: float) -> None:
        metrics.link_failures.inc()
        log.warning("ledger_link_relay_failed", error=str(exc), retry_in=delay)
        await conn.drop()

    with contextlib.suppress(GaveUp):
        await retrying(
            work,
            retriable=retriable,
            delays=backoff(settings.retry_initial_seconds, settings.retry_max_seconds),
            failed=failed,
            give_up=give_up,
        )


async def _nothing(_conn: AnyConnection) -> None:
    """These connections need no setup (their work tables are created as they go)."""
