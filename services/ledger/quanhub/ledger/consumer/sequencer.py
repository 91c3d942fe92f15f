"""The sequencer loop beside the consumer: publishes the steps of shards on other
instances to the home instance's global sequence (store/sequencer.py)."""

from __future__ import annotations

from collections.abc import Mapping
from functools import partial

import asyncpg
import structlog

from quanhub.ledger.consumer.connection import OwnConnection
from quanhub.ledger.consumer.metrics import ConsumerMetrics
from quanhub.ledger.consumer.passes import Passes
from quanhub.ledger.settings import LedgerConsumerSettings
from quanhub.ledger.store.sequencer import sequence
from quanhub.ledger.store.shard_map import ShardMap
from quanhub.ledger.store.shards import SHARD_VISIBLE_CHANNEL
from quanhub.ledger.store.writer import AnyConnection

log = structlog.get_logger(__name__)

#: How the sequencer's sessions show in pg_stat_activity.
APPLICATION_NAME = "quanhub-ledger-sequencer"


class SequencerLoop:
    """One pass after every NOTIFY of a shard step on another instance (LISTENed on one
    connection per instance, which also reads the shards' visible seqs), and every
    `projector_poll_seconds` anyway: a NOTIFY sent while a connection was down is lost,
    and the next pass finds what it announced. A failed pass is retried with backoff.

    Any number of sequencers may run (one per consumer process): they take turns on the
    home's global lock, and a pass that finds nothing new appends nothing.
    """

    def __init__(
        self,
        settings: LedgerConsumerSettings,
        metrics: ConsumerMetrics,
        shard_map: ShardMap,
        shards: int,
    ) -> None:
        self._settings = settings
        self._metrics = metrics
        self._passes = Passes()
        self._home = OwnConnection(shard_map.home_url, APPLICATION_NAME, _nothing)
        by_instance: dict[int, OwnConnection] = {}
        for shard in shard_map.remote_shards(shards):
            instance = shard_map.instance_of(shard)
            if instance not in by_instance:
                by_instance[instance] = OwnConnection(
                    shard_map.urls[instance], APPLICATION_NAME, self._listen
                )
        self._instances = by_instance
        #: Each remote shard's instance connection.
        self._of_shard = {
            shard: by_instance[shard_map.instance_of(shard)]
            for shard in shard_map.remote_shards(shards)
        }

    async def _listen(self, conn: AnyConnection) -> None:
        await conn.add_listener(SHARD_VISIBLE_CHANNEL, self._notified)

    def _notified(self, _conn: AnyConnection, _pid: int, _channel: str, _payload: object) -> None:
        self._passes.kick()

    def stop(self) -> None:
        """Make `run` do one last pass and return."""
        self._passes.stop()

    async def run(self) -> None:
        """Pass until `stop`, then once more (so a clean shutdown publishes the last steps
        of the projectors, which stop first)."""
        settings = self._settings
        try:
            await self._passes.run(
                settings.projector_poll_seconds,
                partial(
                    self._home.retrying,
                    self.catch_up,
                    failures=self._metrics.projector_failures,
                    event="ledger_sequencer_failed",
                    give_up=self._passes.stopping,
                    initial_seconds=settings.retry_initial_seconds,
                    max_seconds=settings.retry_max_seconds,
                ),
            )
        finally:
            await self._home.drop()
            for conn in self._instances.values():
                await conn.drop()

    async def catch_up(self) -> int:
        """One pass; a failure on an instance's connection drops it too (reopened, and
        LISTENing again, on the next pass)."""
        try:
            connections: Mapping[int, asyncpg.Connection] = {
                shard: await conn.get() for shard, conn in self._of_shard.items()
            }
            published = await sequence(await self._home.get(), connections)
        except BaseException:
            for conn in self._instances.values():
                await conn.drop()
            raise
        if published:
            log.debug("ledger_sequenced", events=published)
        return published


async def _nothing(_conn: AnyConnection) -> None:
    """The home connection needs no setup."""
