"""The projector loop that runs beside the consumer's writes, in the same process."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

import structlog

from quanhub.ledger.consumer.connection import OwnConnection
from quanhub.ledger.consumer.metrics import ConsumerMetrics
from quanhub.ledger.consumer.passes import Passes
from quanhub.ledger.settings import LedgerConsumerSettings
from quanhub.ledger.store.link_routes import LinkRouter
from quanhub.ledger.store.projector import Projected, project_all
from quanhub.ledger.store.writer import prepare

log = structlog.get_logger(__name__)

#: How the projector's session shows in pg_stat_activity.
APPLICATION_NAME = "quanhub-ledger-projector"


class ProjectorLoop:
    """Projects one shard's appended events on its own connection (to the shard's
    instance, `url`; by default the home one): after every `kick` (the
    consumer kicks after each batch it commits to the shard), and every
    `projector_poll_seconds` anyway, so events another process appended, or a crash left
    unprojected, become visible too.

    While it projects one step the consumer appends the next batch; kicks that arrive
    meanwhile fold into one more step, so a busy ledger is projected in bigger steps.
    """

    def __init__(
        self,
        settings: LedgerConsumerSettings,
        metrics: ConsumerMetrics,
        shard: int = 0,
        *,
        url: str | None = None,
        publish: bool = True,
    ) -> None:
        self._settings = settings
        self._metrics = metrics
        self.shard = shard
        #: The shard is on the home instance: its steps append to the global sequence
        #: (else the sequencer does, told by the steps' NOTIFYs).
        self.publish = publish
        self._passes = Passes()
        self._conn = OwnConnection(url or settings.database.url, APPLICATION_NAME, prepare)
        #: Shards on several instances: routes the links whose other side lives elsewhere
        #: to the outbox, and `routed` is told when a step did (set before `run`).
        self.router: LinkRouter | None = None
        self.routed: Callable[[], None] | None = None

    def kick(self) -> None:
        """Something was appended: project it soon."""
        self._passes.kick()

    def stop(self) -> None:
        """Make `run` do one last catch-up and return (once the last write is done)."""
        self._passes.stop()

    async def run(self) -> None:
        """Step until `stop`; then one last catch-up, so a clean shutdown leaves nothing
        appended invisible. A failed step is retried with backoff, never skipped."""
        settings = self._settings
        try:
            await self._passes.run(
                settings.projector_poll_seconds,
                partial(
                    self._conn.retrying,
                    self.catch_up,
                    failures=self._metrics.projector_failures,
                    event="ledger_projection_failed",
                    give_up=self._passes.stopping,  # a stop while retrying ends the retries
                    initial_seconds=settings.retry_initial_seconds,
                    max_seconds=settings.retry_max_seconds,
                ),
            )
        finally:
            await self._conn.drop()

    async def catch_up(self) -> None:
        """Project in steps until nothing appended is left invisible."""
        await project_all(
            await self._conn.get(),
            max_events=self._settings.projector_max_events,
            on_step=self._measured,
            shard=self.shard,
            publish=self.publish,
            router=self.router,
        )

    def _measured(self, step: Projected, seconds: float) -> None:
        if step.events:
            self._metrics.projection_seconds.observe(seconds)
            self._metrics.projected.inc(step.events)
        self._metrics.quarantined.inc(step.quarantined)
        if step.routed and self.routed is not None:
            self.routed()
        self._metrics.projected_to(self.shard, step.last_seq, step.behind)
