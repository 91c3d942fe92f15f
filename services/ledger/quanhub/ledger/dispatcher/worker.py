"""The dispatch loop: claim and lease a due subscription (building its next batch if none is
pending), attempt its oldest pending delivery with no transaction open, record the outcome
under the lease, repeat; wake on ledger commits.

A slot (one of `concurrency` loops) waits for its attempt at most `slot_seconds`; a slower
attempt finishes in the background (quanhub.ledger.dispatcher.slots) within its wall-clock
deadline, and the slot claims again. A partner has at most `partner_slots` attempts in
flight at once (counted over every dispatcher by live leases), and claims serve the partner
with the fewest first, so slow receivers, even of many partners together, delay a partner
with nothing in flight by at most `slot_seconds`, not by their own slowness.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

import asyncpg
import structlog
from prometheus_client import CollectorRegistry, Counter, Histogram

from quanhub.common.access.model import Principal
from quanhub.common.clock import Clock
from quanhub.ledger.dispatcher.claims import (
    Claimed,
    PendingDelivery,
    claim_due,
    freeze_batch,
    oldest_pending,
    partner_has_slot,
    record_outcome,
    reschedule,
    take_lease,
)
from quanhub.ledger.dispatcher.kafka_sink import KafkaSink
from quanhub.ledger.dispatcher.sender import Outcome, Sender
from quanhub.ledger.dispatcher.slots import AttemptSlots
from quanhub.ledger.feeds.backoff import RetryPolicy
from quanhub.ledger.feeds.conn import Conn
from quanhub.ledger.feeds.kafka_feed import is_kafka
from quanhub.ledger.feeds.notify import LedgerNotifier
from quanhub.ledger.feeds.source import EventSource, load_principal

log = structlog.get_logger(__name__)
#: Seconds a subscriber's partner record is trusted without asking PostgreSQL again.
PRINCIPAL_TTL = 5.0
#: Seconds a lease outlives the attempt's deadline (time to record the outcome).
LEASE_MARGIN = 5.0
#: Seconds a Kafka-transport attempt may take: the hub's own broker, bounded by the
#: producer's request timeout (40 s) rather than by the webhook deadline.
KAFKA_ATTEMPT_SECONDS = 60.0


class DispatchMetrics:
    """Prometheus series of one dispatcher process."""

    def __init__(self, registry: CollectorRegistry) -> None:
        self.attempts = Counter(
            "quanhub_dispatcher_attempts",
            "Delivery attempts by outcome",
            ["outcome"],
            registry=registry,
        )
        self.events = Counter(
            "quanhub_dispatcher_events_delivered",
            "Events acknowledged by subscribers",
            registry=registry,
        )
        self.batches = Counter(
            "quanhub_dispatcher_batches_built", "Deliveries frozen", registry=registry
        )
        self.paused = Counter(
            "quanhub_dispatcher_subscriptions_paused",
            "Subscriptions paused after persistent failure",
            registry=registry,
        )
        self.duration = Histogram(
            "quanhub_dispatcher_attempt_seconds",
            "Time a subscriber took to answer",
            registry=registry,
            buckets=(0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
        )


@dataclass(frozen=True, slots=True)
class DispatchLimits:
    """Sizes from settings."""

    concurrency: int
    batch_size: int
    scan_window: int
    poll_interval: float
    #: Slots one partner may hold at once (over every dispatcher sharing the database).
    partner_slots: int
    #: Wall-clock seconds one attempt may take.
    deadline: float
    #: Seconds a loop waits for its attempt before handing it to the background.
    slot_seconds: float = 2.0
    #: Attempts in flight at once in this process, in the loops and in the background.
    max_in_flight: int = 64

    def lease(self, url: str) -> timedelta:
        """How long a claim holds its subscription: the attempt and time to record it."""
        attempt = KAFKA_ATTEMPT_SECONDS if is_kafka(url) else self.deadline
        return timedelta(seconds=attempt + LEASE_MARGIN)


@dataclass(frozen=True, slots=True)
class _Leased:
    """A claimed subscription, the delivery to attempt, and until when the claim holds."""

    claimed: Claimed
    pending: PendingDelivery
    until: datetime


class Dispatcher:
    """Several of these (in one process or many) share the subscriptions safely."""

    def __init__(  # noqa: PLR0917 - the composition root wires these once
        self,
        pool: asyncpg.Pool,
        source: EventSource,
        sender: Sender,
        notifier: LedgerNotifier,
        clock: Clock,
        policy: RetryPolicy,
        limits: DispatchLimits,
        metrics: DispatchMetrics,
        rand: Callable[[], float] = random.random,
        kafka: KafkaSink | None = None,
    ) -> None:
        self._pool = pool
        self._source = source
        self._sender = sender
        self._notifier = notifier
        self._clock = clock
        self._policy = policy
        self._limits = limits
        self._metrics = metrics
        self._rand = rand
        self._kafka = kafka
        self._principals: dict[str, tuple[Principal | None, float]] = {}
        self._stopping = asyncio.Event()
        # One kick wakes one idle loop; a loop that found work kicks the next, so parallelism
        # follows the work instead of every loop querying on every ledger commit.
        self._kicks = asyncio.Semaphore(0)
        self._slots = AttemptSlots(
            hold_seconds=limits.slot_seconds,
            max_background=max(0, limits.max_in_flight - limits.concurrency),
        )

    async def run(self) -> None:
        """Run `concurrency` loops until `stop()`, then let background attempts end."""
        try:
            async with asyncio.TaskGroup() as group:
                group.create_task(self._wake_on_commits(), name="dispatch-waker")
                for n in range(self._limits.concurrency):
                    group.create_task(self._loop(), name=f"dispatch-{n}")
            await self._slots.drain()
        finally:
            await self._slots.cancel()  # cancelled: a dying dispatcher leaves its leases

    def stop(self) -> None:
        """Ask every loop to finish its current step and return."""
        self._stopping.set()
        self._notifier.wake()
        for _ in range(self._limits.concurrency):
            self._kicks.release()

    def _kick(self) -> None:
        if self._kicks.locked():  # at most one kick pending: a kicked loop sees everything
            self._kicks.release()

    async def _wake_on_commits(self) -> None:
        while not self._stopping.is_set():
            ticket = self._notifier.ticket()
            await self._notifier.wait(self._limits.poll_interval, ticket)
            self._kick()

    async def _loop(self) -> None:
        failures = 0
        while not self._stopping.is_set():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._kicks.acquire(), self._limits.poll_interval)
            worked = True
            while worked and not self._stopping.is_set():
                try:
                    worked = await self.step()
                    failures = 0
                except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError) as exc:
                    failures += 1
                    log.warning("dispatch_step_failed", error=type(exc).__name__, detail=str(exc))
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(self._stopping.wait(), min(30.0, 0.5 * 2**failures))
                    break
                if worked:
                    self._kick()

    async def step(self) -> bool:
        """Do one piece of work; False when nothing was due."""
        leased = await self._claim()
        if not isinstance(leased, _Leased):
            return leased
        # No connection and no transaction is held while the subscriber answers; a slow
        # answer is awaited in the background, and this slot claims again.
        await self._slots.run(self._attempt(leased), name=f"attempt-{leased.claimed.id}")
        return True

    async def _attempt(self, leased: _Leased) -> None:
        outcome = await self._deliver(leased.claimed, leased.pending)
        await self._record(leased, outcome)

    async def _claim(self) -> _Leased | bool:
        """Claim a due subscription and lease it for one attempt of its oldest pending
        delivery (frozen now if none was), committed before anything is sent; False when
        nothing was due, True when the claim had nothing to send (no visible event, or the
        subscription was paused)."""
        async with self._pool.acquire() as conn:
            head = await self._source.head(conn)
            async with conn.transaction():
                now = self._clock.now()
                claimed = await claim_due(
                    conn, now=now, head=head, partner_slots=self._limits.partner_slots
                )
                if claimed is None:
                    return False
                if not await partner_has_slot(
                    conn, claimed.partner_code, now=now, slots=self._limits.partner_slots
                ):
                    return True  # another claim took the partner's last slot: look again
                principal = await self._principal(conn, claimed.partner_code)
                if principal is None:
                    await self._pause_disabled(conn, claimed, now)
                    return True
                pending = await oldest_pending(conn, claimed.id)
                if pending is None:
                    pending = await self._build(conn, claimed, principal, head)
                if pending is None:
                    return True
                leased = _Leased(claimed, pending, now + self._limits.lease(claimed.url))
                await take_lease(conn, claimed.id, until=leased.until)
        return leased

    async def _principal(self, conn: Conn, partner_code: str) -> Principal | None:
        # Cached briefly: a disabled partner's subscriptions pause within PRINCIPAL_TTL,
        # pending deliveries included.
        cached = self._principals.get(partner_code)
        if cached is not None and cached[1] > time.monotonic():
            return cached[0]
        principal = await load_principal(conn, partner_code)
        self._principals[partner_code] = (principal, time.monotonic() + PRINCIPAL_TTL)
        return principal

    async def _pause_disabled(self, conn: Conn, claimed: Claimed, now: datetime) -> None:
        # Checked at every claim, not only when a batch is built: a disabled partner's
        # pending deliveries are not retried either.
        await reschedule(
            conn,
            claimed.id,
            failures=claimed.failures,
            next_attempt_at=now,
            pause_reason="the subscribing partner is disabled or receives no events",
            now=now,
        )
        self._metrics.paused.inc()

    async def _build(
        self, conn: Conn, claimed: Claimed, principal: Principal, head: int
    ) -> PendingDelivery | None:
        """Freeze the next batch; the batch, or None when no event was due."""
        now = self._clock.now()
        upto = min(head, claimed.cursor_seq + self._limits.scan_window)
        events = await self._source.fetch(
            conn,
            principal,
            kinds=claimed.kinds,
            after_seq=claimed.cursor_seq,
            upto_seq=upto,
            limit=self._limits.batch_size,
        )
        scanned_to = events[-1].seq if len(events) >= self._limits.batch_size else upto
        batch = await freeze_batch(conn, claimed.id, events, scanned_to=scanned_to, now=now)
        if batch is not None:
            self._metrics.batches.inc()
            log.debug("batch_frozen", subscription=str(claimed.id), events=len(events))
        return batch

    async def _deliver(self, claimed: Claimed, pending: PendingDelivery) -> Outcome:
        if not is_kafka(claimed.url):
            # The overlap is judged at the attempt, not at the claim: a retry after the
            # window carries the new secret's signature only.
            current, *previous = claimed.signing_secrets(self._clock.now())
            return await self._sender.send(
                url=claimed.url,
                secret=current,
                previous_secrets=previous,
                signature=claimed.signature,
                envelope=claimed.format,
                subscription_id=claimed.id,
                delivery_id=pending.id,
                events=pending.events,
            )
        if self._kafka is None:
            return Outcome(False, None, "the Kafka transport is not enabled", 0)
        return await self._kafka.send(
            partner_code=claimed.partner_code,
            delivery_id=pending.id,
            events=pending.events,
            envelope=claimed.format,
        )

    async def _record(self, leased: _Leased, outcome: Outcome) -> None:
        claimed, pending = leased.claimed, leased.pending
        now = self._clock.now()
        self._metrics.duration.observe(outcome.duration_ms / 1000)
        bound = log.bind(subscription=str(claimed.id), delivery=str(pending.id))
        failures, next_at, reason = 0, now, None
        if outcome.ok:
            self._metrics.attempts.labels("succeeded").inc()
            self._metrics.events.inc(pending.event_count)
        else:
            self._metrics.attempts.labels("failed").inc()
            failures = claimed.failures + 1
            next_at = now + self._policy.delay(failures, self._rand)
            if self._policy.exhausted(failures):
                reason = f"{failures} consecutive failed attempts; last: {outcome.error}"
                self._metrics.paused.inc()
                bound.warning("subscription_paused", failures=failures, error=outcome.error)
            else:
                bound.info("delivery_failed", failures=failures, error=outcome.error)
        async with self._pool.acquire() as conn:
            kept = await record_outcome(
                conn,
                claimed.id,
                pending.id,
                lease=leased.until,
                ok=outcome.ok,
                status_code=outcome.status_code,
                error=outcome.error,
                duration_ms=outcome.duration_ms,
                failures=failures,
                next_attempt_at=next_at,
                pause_reason=reason,
                now=now,
            )
        if not kept:
            # Another worker took the subscription after the lease ran out; it sends the
            # same delivery id again, which receivers deduplicate.
            bound.warning("delivery_lease_lost")
