"""The dispatcher's composition root: bootstrap(settings) -> App, whose run opens the pool,
notifier, HTTP client, workers and ops server."""

from __future__ import annotations

import asyncio
from contextlib import AsyncExitStack

import httpx
import structlog
import uvicorn
from fastapi import FastAPI
from prometheus_client import CollectorRegistry

from quanhub.common.clock import Clock, SystemClock
from quanhub.common.http import ops_router, ops_server
from quanhub.common.service import connect_and_migrate, run_until_signalled
from quanhub.ledger.dispatcher.kafka_sink import KafkaSink
from quanhub.ledger.dispatcher.sender import Sender
from quanhub.ledger.dispatcher.settings import DispatcherSettings
from quanhub.ledger.dispatcher.transport import CheckedTransport
from quanhub.ledger.dispatcher.worker import Dispatcher, DispatchLimits, DispatchMetrics
from quanhub.ledger.feeds.instances import open_shard_readers
from quanhub.ledger.feeds.notify import LedgerNotifier
from quanhub.ledger.feeds.source import LedgerEventSource

log = structlog.get_logger(__name__)


def ops_app(registry: CollectorRegistry, notifier: LedgerNotifier) -> FastAPI:
    """/healthz, /readyz (the LISTEN connection is up), /metrics."""

    async def listening() -> bool:
        return notifier.connected

    app = FastAPI(title="Quanhub dispatcher (ops)", docs_url=None, redoc_url=None)
    app.include_router(ops_router(registry, {"database": listening}))
    return app


class App:
    """The dispatcher process: its pool, LISTEN connection, HTTP client and workers exist
    only while `run` runs."""

    def __init__(self, settings: DispatcherSettings, clock: Clock, *, serve_ops: bool) -> None:
        self.settings = settings
        self.clock = clock
        self.serve_ops = serve_ops
        self._stopping = asyncio.Event()

    async def run(self) -> None:
        """Migrate, open the pool and the LISTEN connection, and deliver until stopped (or
        SIGTERM/SIGINT)."""
        settings, clock = self.settings, self.clock
        registry = CollectorRegistry()
        async with AsyncExitStack() as resources:
            pool = await resources.enter_async_context(connect_and_migrate(settings.database))
            readers = await resources.enter_async_context(
                open_shard_readers(
                    settings.shard_map.of(settings.database), pool_max=settings.concurrency + 1
                )
            )
            notifier = LedgerNotifier(settings.database.url)
            resources.push_async_callback(notifier.close)
            await notifier.start()
            kafka = KafkaSink(settings.kafka) if settings.kafka_enabled else None
            if kafka is not None:
                resources.push_async_callback(kafka.close)
            client = await resources.enter_async_context(
                httpx.AsyncClient(
                    timeout=settings.request_timeout,
                    follow_redirects=False,
                    trust_env=False,
                    transport=CheckedTransport(allow_private=settings.private_urls_allowed),
                )
            )
            dispatcher = Dispatcher(
                pool,
                LedgerEventSource(readers),
                Sender(
                    client,
                    clock,
                    allow_private=settings.private_urls_allowed,
                    deadline=settings.request_timeout,
                ),
                notifier,
                clock,
                settings.retry_policy,
                DispatchLimits(
                    concurrency=settings.concurrency,
                    batch_size=settings.batch_size,
                    scan_window=settings.scan_window,
                    poll_interval=settings.poll_interval,
                    partner_slots=settings.partner_concurrency,
                    deadline=settings.request_timeout,
                    slot_seconds=settings.slot_seconds,
                    max_in_flight=settings.max_in_flight,
                ),
                DispatchMetrics(registry),
                kafka=kafka,
            )
            parts = {"dispatcher": dispatcher.run()}
            server: uvicorn.Server | None = None
            if self.serve_ops:
                server = ops_server(ops_app(registry, notifier), settings.host, settings.port)
                parts["ops"] = server.serve()

            def halt() -> None:
                dispatcher.stop()
                if server is not None:
                    server.should_exit = True

            log.info("dispatcher_started", concurrency=settings.concurrency, port=settings.port)
            try:
                await run_until_signalled(parts, halt, stopping=self._stopping)
            finally:
                log.info("dispatcher_stopped")

    def stop(self) -> None:
        """Ask `run` to finish: deliveries in progress end, the ops server closes."""
        self._stopping.set()


def bootstrap(
    settings: DispatcherSettings, *, clock: Clock | None = None, serve_ops: bool = True
) -> App:
    """Wire the dispatcher from settings (nothing is opened here). Tests may pass a clock,
    and leave out the ops server."""
    return App(settings, clock or SystemClock(), serve_ops=serve_ops)
