"""The watcher's composition root: bootstrap(settings) -> App, whose run opens the pool,
the producer, the watcher loop and the ops server."""

from __future__ import annotations

import asyncio
from contextlib import AsyncExitStack
from datetime import timedelta

import structlog
from fastapi import FastAPI
from prometheus_client import CollectorRegistry

from quanhub.common.clock import Clock, SystemClock
from quanhub.common.http import ops_router, ops_server
from quanhub.common.service import connect_and_migrate, run_until_signalled
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

            async def catch_up() -> bool:
                ends = await end_offsets(settings.kafka, publisher.topic)
                return await wait_taken_in(
                    pool,
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
