"""The projector loop that runs beside the consumer's writes, in the same process."""

from __future__ import annotations

import asyncio
import contextlib
import time

import structlog

from quanhub.ledger.consumer.connection import DATABASE_ERRORS, OwnConnection
from quanhub.ledger.consumer.metrics import ConsumerMetrics
from quanhub.ledger.settings import LedgerConsumerSettings
from quanhub.ledger.store.projector import project

log = structlog.get_logger(__name__)

#: How the projector's session shows in pg_stat_activity.
APPLICATION_NAME = "quanhub-ledger-projector"


class ProjectorLoop:
    """Projects appended events on its own connection: after every `kick` (the consumer
    kicks after each batch it commits), and every `projector_poll_seconds` anyway, so
    events another process appended, or a crash left unprojected, become visible too.

    While it projects one step the consumer appends the next batch; kicks that arrive
    meanwhile fold into one more step, so a busy ledger is projected in bigger steps.
    """

    def __init__(self, settings: LedgerConsumerSettings, metrics: ConsumerMetrics) -> None:
        self._settings = settings
        self._metrics = metrics
        self._kicked = asyncio.Event()
        self._kicked.set()  # catch up at start
        self._conn = OwnConnection(settings.database.url, APPLICATION_NAME)

    def kick(self) -> None:
        """Something was appended: project it soon."""
        self._kicked.set()

    async def run(self, stop: asyncio.Event) -> None:
        """Step until `stop`; then one last catch-up, so a clean shutdown leaves nothing
        appended invisible. A failed step is retried with backoff, never skipped."""
        delay = self._settings.retry_initial_seconds
        try:
            while True:
                with contextlib.suppress(TimeoutError):
                    async with asyncio.timeout(self._settings.projector_poll_seconds):
                        await self._kicked.wait()
                self._kicked.clear()
                stopping = stop.is_set()
                try:
                    await self.catch_up()
                except DATABASE_ERRORS as exc:
                    self._metrics.projector_failures.inc()
                    log.warning("ledger_projection_failed", error=str(exc), retry_in=delay)
                    await self._conn.drop()
                    if stopping:
                        return
                    await asyncio.sleep(delay)
                    delay = min(delay * 2, self._settings.retry_max_seconds)
                    self._kicked.set()
                    continue
                delay = self._settings.retry_initial_seconds
                if stopping:
                    return
        finally:
            await self._conn.drop()

    async def catch_up(self) -> None:
        """Project in steps until nothing appended is left invisible."""
        conn = await self._conn.get()
        while True:
            started = time.perf_counter()
            step = await project(conn, max_events=self._settings.projector_max_events)
            if step.events:
                self._metrics.projection_seconds.observe(time.perf_counter() - started)
                self._metrics.projected.inc(step.events)
            self._metrics.quarantined.inc(step.quarantined)
            self._metrics.visible_seq.set(step.last_seq)
            self._metrics.projection_lag.set(step.behind)
            if not step.behind:
                return
