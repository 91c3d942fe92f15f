"""The watcher's loop: at each pass, as of the ledger's clock, the alerts raised and
cleared and the predicted deliveries that moved, published as insights.

With the shards on several PostgreSQL instances (docs/ledger.md "Shards on several
PostgreSQL instances") it reads every instance: the clock and the alerts as the query API
does (alerts/spread.py), each shard's changed parcels and the predictions announced for
them on the shard's instance (an insight is keyed by its object, so it is written where
its object lives), its memory (announced alerts and incidents) from all of them, its
incidents from every instance's flow rows (incidents/store.py), and its predicted-delivery
model from every instance's counts. With one instance every read is
the one statement on the one pool, as before.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Awaitable, Callable, Sequence
from datetime import datetime, timedelta

import asyncpg
import structlog
from prometheus_client import CollectorRegistry, Counter, Gauge

from quanhub.common.access import Principal, Role
from quanhub.ledger.alerts.model import AlertKind
from quanhub.ledger.alerts.norms import Norms
from quanhub.ledger.alerts.provider import NormsProvider
from quanhub.ledger.alerts.spread import clock_everywhere, find_everywhere
from quanhub.ledger.alerts.store import Found, Search, find, ledger_clock
from quanhub.ledger.edd.model import EddModel
from quanhub.ledger.edd.store import MAX_OPEN_SECONDS, EddModels
from quanhub.ledger.edd.view import predicted_delivery
from quanhub.ledger.incidents.store import find_incidents
from quanhub.ledger.read.spread import Instances
from quanhub.ledger.watcher.decide import (
    Draft,
    OpenAlerts,
    alert_changes,
    incident_changes,
    moved,
    prediction_draft,
)
from quanhub.ledger.watcher.decide import recovered as open_from
from quanhub.ledger.watcher.state import (
    CHANGED_PARCELS,
    first_watermarks,
    incident_announcements,
    latest_alerts,
    latest_predictions,
    recovered_watermarks,
    shard_span,
    shards,
)

log = structlog.get_logger(__name__)

#: Who the watcher reads as: the whole city (what it publishes is filtered by the feeds).
WATCHER = Principal("quanhub-watcher", Role.ADMIN, "Quanhub watcher")
#: Parcels whose last announced prediction is remembered in memory at most (the ledger
#: answers for the others).
_ANNOUNCED_CAP = 200_000
#: Incidents open at some time in the last INCIDENT_SPAN are judged at each pass; their
#: announcements of twice that are remembered (an incident lasts hours, not days).
INCIDENT_SPAN = timedelta(days=1)

Publish = Callable[[Sequence[Draft]], Awaitable[None]]
#: Waits until the ledger holds what was published before; False on timeout.
CatchUp = Callable[[], Awaitable[bool]]


class WatcherMetrics:
    """Insights published by type, passes, failures, and the clock of the last pass."""

    def __init__(self, registry: CollectorRegistry) -> None:
        self.insights = Counter(
            "quanhub_watcher_insights_total", "Insights published", ["type"], registry=registry
        )
        self.passes = Counter("quanhub_watcher_passes_total", "Passes done", registry=registry)
        self.failures = Counter(
            "quanhub_watcher_pass_failures_total", "Passes that failed", registry=registry
        )
        self.clock = Gauge(
            "quanhub_watcher_ledger_clock_seconds",
            "The ledger clock the last pass judged at",
            registry=registry,
        )


class Watcher:
    """Decides and publishes; its memory is recovered from the ledger at start and after
    any failed pass, so a crash loses nothing and repeats nothing (ids are deterministic)."""

    def __init__(
        self,
        pool: asyncpg.Pool,
        publish: Publish,
        catch_up: CatchUp,
        metrics: WatcherMetrics,
        *,
        interval: float,
        move_threshold: timedelta,
        batch_size: int,
        instances: Instances | None = None,
    ) -> None:
        self._pool = pool
        #: Every instance's pool, home's (`pool`) first, when shards live on several;
        #: None on one.
        self._instances = instances
        self._pools: tuple[asyncpg.Pool, ...] = (pool,)
        if instances is not None:
            self._pools = (pool, *(r for r in instances.readers[1:] if isinstance(r, asyncpg.Pool)))
            if len(self._pools) != len(instances.readers):
                msg = "the watcher reads the other instances through pools"
                raise TypeError(msg)
        self._publish = publish
        self._catch_up = catch_up
        self._metrics = metrics
        self._interval = interval
        self._threshold = move_threshold
        self._batch = batch_size
        self._norms = NormsProvider(self._pools[1:])
        self._models = EddModels(pool, others=self._pools[1:])
        self._open: OpenAlerts = {}
        self._announced: dict[tuple[str, str], datetime] = {}
        self._incidents: set[str] = set()
        #: Per shard, the parcels' last_seq judged up to (a parcel's last_seq is in its
        #: shard's numbering, so only one shard's seqs are ordered: one cursor each).
        self._watermarks: dict[int, int] = {}
        self._recovered = False
        self._stopping = asyncio.Event()

    @property
    def ready(self) -> bool:
        """Recovered from the ledger and judging."""
        return self._recovered

    def stop(self) -> None:
        self._stopping.set()

    async def recover(self) -> None:
        """Read back what was announced, after the ledger has taken in what was published."""
        if not await self._catch_up():
            log.warning("watcher_catch_up_timed_out")
        self._open = open_from([i for p in self._pools for i in await latest_alerts(p)])
        self._watermarks = await recovered_watermarks(self._pool, self._on)
        self._announced.clear()
        clock = await self._clock()
        if clock is not None:
            # A shard never announced in, on a ledger that holds parcels: only those still
            # on their way.
            since = clock - timedelta(seconds=MAX_OPEN_SECONDS)
            for shard, mark in (await first_watermarks(self._pool, since, self._on)).items():
                self._watermarks.setdefault(shard, mark)
        self._incidents = set()
        if clock is not None:
            for pool in self._pools:
                self._incidents |= await incident_announcements(pool, clock - 2 * INCIDENT_SPAN)
        self._recovered = True
        log.info("watcher_recovered", open_alerts=len(self._open), watermarks=self._watermarks)

    async def run(self) -> None:
        """Pass after pass until stopped; a failed pass is logged and the memory recovered."""
        while not self._stopping.is_set():
            try:
                if not self._recovered:
                    await self.recover()
                await self.pass_once()
            except Exception as exc:  # noqa: BLE001 - one bad pass never stops the loop
                self._metrics.failures.inc()
                self._recovered = False
                log.warning("watcher_pass_failed", error=repr(exc))
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._stopping.wait(), self._interval)

    async def pass_once(self) -> int:
        """One pass at the ledger's clock; the number of insights published."""
        clock = await self._clock()
        if clock is None:
            return 0
        published = await self._alerts(clock) + await self._predictions(clock)
        published += await self._incident_pass(clock)
        self._metrics.passes.inc()
        self._metrics.clock.set(clock.timestamp())
        return published

    def _on(self, shard: int) -> asyncpg.Pool:
        """The pool of the instance holding `shard`."""
        if self._instances is None:
            return self._pool
        return self._pools[self._instances.route.shard_map.instance_of(shard)]

    async def _clock(self) -> datetime | None:
        if self._instances is None:
            return await ledger_clock(self._pool)
        return await clock_everywhere(self._pools)

    async def _send(self, drafts: Sequence[Draft]) -> int:
        await self._publish(drafts)
        for draft in drafts:
            self._metrics.insights.labels(draft.insight.type).inc()
        if drafts:
            log.info("watcher_published", insights=len(drafts))
        return len(drafts)

    async def _alerts(self, clock: datetime) -> int:
        stored, _ = await self._norms.norms(self._pool, clock)
        found: Found
        if self._instances is None:
            found = await find(
                self._pool,
                WATCHER,
                Norms(stored),
                as_of=clock,
                historical=False,
                city_counts=True,
                carrier=None,
                kinds=frozenset(AlertKind),
            )
        else:
            search = Search(WATCHER, Norms(stored), clock, False, True, None, frozenset(AlertKind))
            found = await find_everywhere(self._instances, search)
        return await self._send(alert_changes(self._open, [a for a, _ in found.alerts], clock))

    async def _incident_pass(self, clock: datetime) -> int:
        found = await find_incidents(
            self._pool,
            start=clock - INCIDENT_SPAN,
            end=clock,
            as_of=clock,
            carrier=None,
            district=None,
            others=self._pools[1:],  # every instance's flow rows (none: home's, as before)
        )
        return await self._send(incident_changes(self._incidents, found, clock))

    async def _predictions(self, clock: datetime) -> int:
        model = await self._models.model(clock, exact=False)
        published = 0
        for shard in await shards(self._pool):
            published += await self._shard_predictions(model, shard, clock)
        return published

    async def _shard_predictions(self, model: EddModel, shard: int, clock: datetime) -> int:
        """Judge the shard's parcels changed since its watermark, in batches."""
        low, high = shard_span(shard)
        pool = self._on(shard)  # the shard's parcels and their predictions' insights
        published = 0
        while True:
            mark = self._watermarks.get(shard, low)
            rows = await pool.fetch(CHANGED_PARCELS, mark, high, self._batch)
            if not rows:
                return published
            keys = [(r["carrier_id"], r["waybill_no"]) for r in rows]
            previous = await latest_predictions(pool, keys)
            drafts: list[Draft] = []
            for row, key in zip(rows, keys, strict=True):
                parcel = dict(row)
                predicted = predicted_delivery(model, parcel, WATCHER, clock)
                if predicted is None:
                    continue
                last = self._announced.get(key) or previous.get(key)
                if moved(last, predicted["most_likely"], self._threshold):
                    drafts.append(prediction_draft(parcel, predicted, last, clock))
                    self._announced[key] = predicted["most_likely"]
            published += await self._send(drafts)
            self._watermarks[shard] = rows[-1]["last_seq"]
            if len(self._announced) > _ANNOUNCED_CAP:
                self._announced.clear()
            if len(rows) < self._batch:
                return published
