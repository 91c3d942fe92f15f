"""The normalizer's composition root: bootstrap(settings) wires Kafka, metrics and ops HTTP
into an App (quanhub.common.service's shape)."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import timedelta

import structlog
import uvicorn
from fastapi import FastAPI

from quanhub.common.clock import Clock, SystemClock
from quanhub.common.consuming import Producer
from quanhub.common.http import ReadinessCheck, ops_router, ops_server
from quanhub.common.kafka import ensure_topics, make_consumer, make_producer, max_message_bytes
from quanhub.common.service import run_until_signalled
from quanhub.common.topics import Topics
from quanhub.normalizer.limits import OutputLimits
from quanhub.normalizer.metrics import NormalizerMetrics
from quanhub.normalizer.partners import PartnerDirectory, RegistryDirectory
from quanhub.normalizer.service import Normalizer
from quanhub.normalizer.settings import NormalizerSettings
from quanhub.normalizer.sources import Sources

log = structlog.get_logger(__name__)


@dataclass(frozen=True, slots=True)
class App:
    """A wired normalizer and its ops HTTP app."""

    settings: NormalizerSettings
    normalizer: Normalizer
    ops: FastAPI
    metrics: NormalizerMetrics
    topics: Topics
    #: Serves `ops` beside the loop.
    server: uvicorn.Server
    stopping: asyncio.Event = field(default_factory=asyncio.Event)

    async def run(self) -> None:
        """Run the loop and the ops server until either stops or SIGTERM/SIGINT arrives."""
        if self.settings.ensure_topics:
            await ensure_topics(self.settings.kafka, self.topics.specs())
        await self.normalizer.start()
        try:
            parts = {
                "normalizer-loop": self.normalizer.run(),
                "normalizer-ops": self.server.serve(),
            }
            await run_until_signalled(parts, self._halt, stopping=self.stopping)
        finally:
            await self.normalizer.close()

    def stop(self) -> None:
        """Ask `run` to finish: the loop settles its batch, the ops server closes."""
        self.stopping.set()

    def _halt(self) -> None:
        self.normalizer.stop()
        self.server.should_exit = True


def bootstrap(
    settings: NormalizerSettings,
    *,
    clock: Clock | None = None,
    directory: PartnerDirectory | None = None,
) -> App:
    """Wire the real adapters from settings (nothing is started here).

    Call it inside the running event loop: aiokafka binds its clients to the loop. The
    partner registry (PostgreSQL) is asked only when a partner topic's record arrives.
    """
    clock = clock or SystemClock()
    topics = Topics(settings.kafka)
    metrics = NormalizerMetrics()
    consumer = make_consumer(
        settings.kafka,
        group_id=settings.group_id,
        client_id=settings.client_id,
        max_poll_interval_ms=settings.max_poll_interval_ms,
        metadata_max_age_ms=settings.metadata_max_age_ms,
        max_poll_records=settings.batch_max_records,
    )

    def new_producer() -> Producer:
        producer: Producer = make_producer(settings.kafka, client_id=settings.client_id)
        return producer

    async def read_limits(names: Sequence[str], wait_seconds: float) -> dict[str, int]:
        return await max_message_bytes(settings.kafka, names, wait_seconds=wait_seconds)

    limits = OutputLimits(
        read_limits,
        [topics.canonical, topics.dlq],
        clock,
        timedelta(seconds=settings.output_limits_recheck_seconds),
    )
    sources = Sources(
        topics,
        settings.pii.secret.get_secret_value().encode(),
        partner_topics=settings.partner_topics,
    )
    normalizer = Normalizer(
        settings=settings,
        consumer=consumer,
        producer=new_producer(),
        new_producer=new_producer,
        limits=limits,
        sources=sources,
        topics=topics,
        metrics=metrics,
        clock=clock,
        directory=directory
        or RegistryDirectory(
            settings.database, clock, timedelta(seconds=settings.registry_cache_seconds)
        ),
    )

    async def kafka_ready() -> bool:
        return normalizer.ready()

    ops = FastAPI(title="quanhub normalizer (ops)", docs_url=None, redoc_url=None)
    checks: dict[str, ReadinessCheck] = {"kafka": kafka_ready, "output_limits": limits.ready}
    ops.include_router(ops_router(metrics.registry, checks))
    server = ops_server(ops, settings.host, settings.port)
    return App(settings, normalizer, ops, metrics, topics, server)
