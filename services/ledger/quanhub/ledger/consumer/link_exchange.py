"""The link exchange of one consumer process whose shards span several PostgreSQL
instances: the links topic, a relay per instance, the applier and their lifecycle."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

import asyncpg
import structlog

from quanhub.common.clock import Clock
from quanhub.common.consuming import ConsumerLoop
from quanhub.common.kafka import ensure_topics, make_consumer, make_producer
from quanhub.common.topics import Topics
from quanhub.ledger.consumer.links import LinkApplier, LinkRelay, links_group, retriable
from quanhub.ledger.consumer.metrics import ConsumerMetrics
from quanhub.ledger.consumer.rebalance import SeekToStoredOffsets
from quanhub.ledger.settings import LedgerConsumerSettings
from quanhub.ledger.store.link_routes import LinkRouter
from quanhub.ledger.store.shard_map import ShardMap

log = structlog.get_logger(__name__)


class LinkExchange:
    """Started before the projectors (they need `routers`), stopped after their last
    steps (the relays' last pass sends what those steps routed)."""

    def __init__(
        self,
        settings: LedgerConsumerSettings,
        metrics: ConsumerMetrics,
        shard_map: ShardMap,
        *,
        clock: Clock,
    ) -> None:
        self._settings = settings
        self._metrics = metrics
        self._map = shard_map
        self._clock = clock
        self._halt = asyncio.Event()
        self._tasks: list[asyncio.Task[None]] = []
        #: Each instance's router, by instance index (set by `start`).
        self.routers: dict[int, LinkRouter] = {}
        #: Each instance's relay, by instance index (set by `start`).
        self.relays: dict[int, LinkRelay] = {}

    def running(self) -> bool:
        """Every relay and the applier still run."""
        return bool(self._tasks) and not any(t.done() for t in self._tasks)

    async def start(self, pools: Sequence[asyncpg.Pool]) -> None:
        """Create the links topic (as many partitions as the canonical topic has), then
        start the relays and the applier (`pools`: each instance's, home first)."""
        settings, shard_map = self._settings, self._map
        topics = Topics(settings.kafka)
        self._producer = producer = make_producer(
            settings.kafka, client_id="quanhub-ledger-link-relay"
        )
        await producer.start()
        partitions = sorted(await producer.partitions_for(topics.canonical))
        await ensure_topics(settings.kafka, [topics.ledger_links_spec(len(partitions))])
        links = topics.ledger_links
        if len(await producer.partitions_for(links)) < len(partitions):
            msg = f"{links} has fewer partitions than {topics.canonical} ({len(partitions)})"
            raise ValueError(msg)
        self.routers = {
            instance: LinkRouter(shard_map, settings.shards, partitions, instance)
            for instance in range(shard_map.instances)
        }
        self.relays = {
            instance: LinkRelay(settings, self._metrics, url, producer, links)
            for instance, url in enumerate(shard_map.urls)
        }
        group = links_group(settings.group_id)
        self._applier = applier = LinkApplier(
            settings,
            self._metrics,
            self.routers,
            clock=self._clock,
            group_id=group,
            routed=lambda instance: self.relays[instance].kick(),
        )
        self._consumer = consumer = make_consumer(
            settings.kafka, group_id=group, client_id="quanhub-ledger-link-applier"
        )
        loop = ConsumerLoop(
            consumer,
            applier,
            poll_timeout_ms=settings.poll_timeout_ms,
            max_records=settings.batch_max_records,
            retriable=retriable,
            retry_initial_seconds=settings.retry_initial_seconds,
            retry_max_seconds=settings.retry_max_seconds,
            commit=False,  # the offsets are written with the facts
            stopping=self._halt,
        )
        listener = SeekToStoredOffsets(
            loop,
            consumer,
            pools[0],
            group_id=group,
            placed=lambda partition: pools[applier.instance_of(partition)],
        )
        consumer.subscribe([links], listener=listener)
        await consumer.start()
        self._tasks = [asyncio.create_task(relay.run()) for relay in self.relays.values()]
        self._tasks.append(asyncio.create_task(loop.run()))
        log.info("ledger_links_started", topic=links, group=group)

    def router_of(self, shard: int) -> LinkRouter:
        """The router of the instance holding `shard`."""
        return self.routers[self._map.instance_of(shard)]

    def relay_of(self, shard: int) -> LinkRelay:
        """The relay of the instance holding `shard`."""
        return self.relays[self._map.instance_of(shard)]

    async def stop(self) -> None:
        """Stop applying, then let each relay send what is left, and close."""
        if not self._tasks:
            return
        *relaying, applying = self._tasks
        self._halt.set()
        try:
            await applying
        finally:
            await self._consumer.stop()
            await self._applier.close()
            for relay in self.relays.values():
                relay.stop()
            await asyncio.gather(*relaying, return_exceptions=True)
            await self._producer.stop()
