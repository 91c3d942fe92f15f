"""`python -m quanhub.ledger.consumer`: the ledger consumer with its ops server on 8083."""

from __future__ import annotations

import asyncio
import signal

import structlog
from fastapi import FastAPI

from quanhub.common import runtime
from quanhub.common.clock import SystemClock
from quanhub.common.db import create_pool, migrate_database
from quanhub.common.http import ops_router, ops_server
from quanhub.common.logging import configure_logging
from quanhub.ledger.consumer.metrics import ConsumerMetrics
from quanhub.ledger.consumer.service import LedgerConsumer
from quanhub.ledger.settings import LedgerConsumerSettings

log = structlog.get_logger(__name__)


async def serve(settings: LedgerConsumerSettings) -> None:
    """Run the consumer and its ops server until SIGTERM or SIGINT."""
    pool = await create_pool(settings.database)
    try:
        if settings.migrate_on_start:
            await migrate_database(settings.database)
        metrics = ConsumerMetrics()
        consumer = LedgerConsumer(settings, pool, clock=SystemClock(), metrics=metrics)

        async def postgres_ready() -> bool:
            async with pool.acquire() as conn:
                return bool(await conn.fetchval("SELECT true"))

        app = FastAPI(title="Quanhub ledger consumer (ops)", docs_url=None, redoc_url=None)
        app.include_router(
            ops_router(metrics.registry, {"postgres": postgres_ready, "kafka": consumer.ready})
        )
        server = ops_server(app, settings.host, settings.port)
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, stop.set)
        ops = asyncio.create_task(server.serve())
        try:
            await consumer.run(stop)
        finally:
            server.should_exit = True
            await ops
    finally:
        await pool.close()
    log.info("ledger_consumer_stopped")


def main() -> None:
    """Read settings from the environment, configure logging once, and run."""
    settings = LedgerConsumerSettings()
    configure_logging(settings.log_level, json=settings.log_json)
    runtime.run(serve(settings))


if __name__ == "__main__":
    main()
