"""Composition root of the dispatcher process: pool, notifier, sender, workers, ops server."""

from __future__ import annotations

import asyncio
import signal

import httpx
import structlog
import uvicorn
from fastapi import FastAPI
from prometheus_client import CollectorRegistry

from quanhub.common import runtime
from quanhub.common.clock import Clock, SystemClock
from quanhub.common.db import create_pool, migrate_database
from quanhub.common.http import ops_router, ops_server
from quanhub.ledger.dispatcher.kafka_sink import KafkaSink
from quanhub.ledger.dispatcher.sender import Sender
from quanhub.ledger.dispatcher.settings import DispatcherSettings
from quanhub.ledger.dispatcher.transport import CheckedTransport
from quanhub.ledger.dispatcher.worker import Dispatcher, DispatchLimits, DispatchMetrics
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


async def run_dispatcher(
    settings: DispatcherSettings,
    *,
    clock: Clock | None = None,
    stop: asyncio.Event | None = None,
    serve_ops: bool = True,
) -> None:
    """Run the dispatcher until `stop` is set (or SIGTERM/SIGINT when run as a process)."""
    clock = clock or SystemClock()
    stop = stop or asyncio.Event()
    pool = await create_pool(settings.database)
    notifier = LedgerNotifier(settings.database.url)
    registry = CollectorRegistry()
    kafka = KafkaSink(settings.kafka) if settings.kafka_enabled else None
    try:
        await migrate_database(settings.database)
        await notifier.start()
        async with httpx.AsyncClient(
            timeout=settings.request_timeout,
            follow_redirects=False,
            trust_env=False,
            transport=CheckedTransport(allow_private=settings.private_urls_allowed),
        ) as client:
            dispatcher = Dispatcher(
                pool,
                LedgerEventSource(),
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
            server: uvicorn.Server | None = None
            tasks = [asyncio.create_task(dispatcher.run(), name="dispatcher")]
            if serve_ops:
                server = ops_server(ops_app(registry, notifier), settings.host, settings.port)
                tasks.append(asyncio.create_task(server.serve(), name="ops"))
            log.info("dispatcher_started", concurrency=settings.concurrency, port=settings.port)
            await stop.wait()
            dispatcher.stop()
            if server is not None:
                server.should_exit = True
            await asyncio.gather(*tasks)
    finally:
        if kafka is not None:
            await kafka.close()
        await notifier.close()
        await pool.close()
        log.info("dispatcher_stopped")


def main() -> None:
    """Entry point of `python -m quanhub.ledger.dispatcher`."""
    from quanhub.common.logging import configure_logging

    settings = DispatcherSettings()
    configure_logging(settings.log_level)

    async def _main() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, stop.set)
        await run_dispatcher(settings, stop=stop)

    runtime.run(_main())
