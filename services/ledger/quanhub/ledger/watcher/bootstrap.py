"""The watcher's composition root: bootstrap(settings) -> App, whose run opens the pool,
the producer, the watcher loop and the ops server."""

from __future__ import annotations

import asyncio
from contextlib import AsyncExitStack
from datetime import timedelta

import asyncpg
import structlog
from fastapi import FastAPI
from prometheus_client import CollectorRegistry

from quanhub.common.clock import Clock, SystemClock
from quanhub.common.db import create_pool
from quanhub.common.http import ops_router, ops_server
from quanhub.common.service import connect_and_migrate, run_until_signalled
from quanhub.ledger.read.route import Route
from quanhub.ledger.read.spread import Instances
from quanhub.ledger.watcher.publish import Publisher
from quanhub.ledger.watcher.service import Watcher, WatcherMetrics
from quanhub.ledger.watcher.settings import WatcherSettings
from quanhub.ledger.watcher.state import end_offsets, wait_taken_in

log = structlog.get_logger(__name__)


def ops_app(registry: CollectorRegistry, watcher: Watcher) -> FastAPI:
    """/healthz, /readyz (recovered from the ledger), /metrics."""

    async def recovered() -> bool:
        return watcher.ready

    app = FastAPI(title="Quanhub watcher (ops)", docs_url=None, redoc_url=None)
    app.include_router(ops_router(registry, {"ledger": recovered}))
    return app


async def _open_instances(
    settings: WatcherSettings, home: asyncpg.Pool, resources: AsyncExitStack
) -> Instances | None:
    """A pool on each instance of the shard map beside home's (closed with `resources`),
    or None when every shard is on the home instance (the consumer migrates them all)."""
    shard_map = settings.shard_map.of(settings.database)
    if shard_map.single:
        return None
    route = Route(shard_map, settings.shard_route.shards, settings.shard_route.canonical_partitions)
    readers: list[asyncpg.Pool] = [home]
    for url in shard_map.urls[1:]:
        pool = await create_pool(settings.database.model_copy(update={"url": url}))
        resources.push_async_callback(pool.close)
        readers.append(pool)
    return Instances(route, readers)


class App:
    """The watcher process: its pool, producer and loop exist only while `run` runs."""

    def __init__(self, settings: WatcherSettings, clock: Clock, *, serve_ops: bool) -> None:
        self.settings = settings
        self.clock = clock
        self.serve_ops = serve_ops
        self._stopping = asyncio.Event()

    async def run(self) -> None:
        """Migrate, open the pool and the producer, and watch until stopped."""
        settings = self.settings
        registry = CollectorRegistry()
        async with AsyncExitStack() as resources:
            pool = await resources.enter_async_context(
                connect_and_migrate(settings.database, migrate=settings.migrate_on_start)
            )
            publisher = Publisher(settings.kafka, self.clock)
            await publisher.start()
            resources.push_async_callback(publisher.close)

            instances = await _open_instances(settings, pool, resources)
            pools = [pool] if instances is None else list(instances.readers)

            async def catch_up() -> bool:
                ends = await end_offsets(settings.kafka, publisher.topic)
                return await wait_taken_in(
                    pools,
                    settings.ledger_group_id,
                    publisher.topic,
                    ends,
                    settings.catch_up_timeout,
                )

            watcher = Watcher(
                pool,
                publisher.publish,
                catch_up,
                WatcherMetrics(registry),
                interval=settings.interval_seconds,
                move_threshold=timedelta(hours=settings.move_threshold_hours),
                batch_size=settings.batch_size,
                instances=instances,
            )
            parts = {"watcher": watcher.run()}
            server = None
            if self.serve_ops:
                server = ops_server(ops_app(registry, watcher), settings.host, settings.port)
                parts["ops"] = server.serve()

            def halt() -> None:
                watcher.stop()
                if server is not None:
                    server.should_exit = True

            log.info("watcher_started", interval=settings.interval_seconds, port=settings.port)
            try:
                await run_until_signalled(parts, halt, stopping=self._stopping)
            finally:
                log.info("watcher_stopped")

    def stop(self) -> None:
        """Ask `run` to finish."""
        self._stopping.set()


def bootstrap(
    settings: WatcherSettings, *, clock: Clock | None = None, serve_ops: bool = True
) -> App:
    """Wire the watcher from settings (nothing is opened here)."""
    return App(settings, clock or SystemClock(), serve_ops=serve_ops)
