"""The ledger consumer's composition root: bootstrap(settings) -> App, its pool, loop and ops."""

from __future__ import annotations

import asyncio

import structlog
from fastapi import FastAPI

from quanhub.common.clock import Clock, SystemClock
from quanhub.common.http import ReadinessCheck, ops_router, ops_server
from quanhub.common.service import connect_and_migrate, run_until_signalled
from quanhub.ledger.consumer.metrics import ConsumerMetrics
from quanhub.ledger.consumer.service import LedgerConsumer
from quanhub.ledger.settings import LedgerConsumerSettings

log = structlog.get_logger(__name__)


class App:
    """The consumer (canonical topic -> PostgreSQL) and its ops server (/healthz, /readyz,
    /metrics); the pool and the consumer exist only while `run` runs."""

    def __init__(
        self, settings: LedgerConsumerSettings, clock: Clock, metrics: ConsumerMetrics
    ) -> None:
        self.settings = settings
        self.clock = clock
        self.metrics = metrics
        self._stopping = asyncio.Event()

    async def run(self) -> None:
        """Migrate (when asked), open the pool, and run until stopped or SIGTERM/SIGINT."""
        settings = self.settings
        async with connect_and_migrate(
            settings.database, migrate=settings.migrate_on_start
        ) as pool:
            consumer = LedgerConsumer(settings, pool, clock=self.clock, metrics=self.metrics)

            async def postgres_ready() -> bool:
                async with pool.acquire() as conn:
                    return bool(await conn.fetchval("SELECT true"))

            ops = FastAPI(title="Quanhub ledger consumer (ops)", docs_url=None, redoc_url=None)
            checks: dict[str, ReadinessCheck] = {
                "postgres": postgres_ready,
                "kafka": consumer.ready,
            }
            ops.include_router(ops_router(self.metrics.registry, checks))
            server = ops_server(ops, settings.host, settings.port)

            def halt() -> None:  # the consumer watches `_stopping` itself
                self._stopping.set()
                server.should_exit = True

            parts = {
                "ledger-consumer": consumer.run(self._stopping),
                "ledger-consumer-ops": server.serve(),
            }
            await run_until_signalled(parts, halt, stopping=self._stopping)
        log.info("ledger_consumer_stopped")

    def stop(self) -> None:
        """Ask `run` to finish: the consumer ends its batch, the ops server closes."""
        self._stopping.set()


def bootstrap(
    settings: LedgerConsumerSettings,
    *,
    clock: Clock | None = None,
    metrics: ConsumerMetrics | None = None,
) -> App:
    """Wire the consumer from settings (nothing is opened here). Tests may pass a clock."""
    return App(settings, clock or SystemClock(), metrics or ConsumerMetrics())
