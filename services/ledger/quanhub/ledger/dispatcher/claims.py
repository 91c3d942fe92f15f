"""The dispatcher's SQL: claim a due subscription, freeze a batch, lease, record an attempt.

A claim is `SELECT … FOR UPDATE OF s SKIP LOCKED` in a short transaction that builds the
next batch if none is pending and takes a lease on the subscription (`lease_until`); it
commits before the HTTP call, so no row stays locked while a subscriber answers (an API
DELETE or replay never waits for one). While the lease lives nobody else claims the
subscription, so batches go out one at a time and in order; the outcome is recorded only
under that same lease. Claims are fair across partners: a partner whose live leases reach
its slot cap is skipped, and partners using fewer slots come first.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from asyncpg import Record

from quanhub.ledger.feeds.conn import Conn
from quanhub.ledger.feeds.model import FeedEvent, batch_events

# The statements, in the order the functions below run them.
_CLAIM_DUE = """
SELECT s.id, s.partner_code, s.url, s.kinds, s.secret, s.cursor_seq, s.failures, s.signature,
       s.format, s.previous_secret, s.previous_secret_expires_at
FROM feed_subscriptions s
CROSS JOIN LATERAL (
    SELECT count(*) AS busy FROM feed_subscriptions l
    WHERE l.partner_code = s.partner_code AND l.lease_until > $1) b
WHERE s.status = 'active' AND s.next_attempt_at <= $1
  AND (s.lease_until IS NULL OR s.lease_until <= $1)
  AND b.busy < $3
  AND (s.cursor_seq < $2 OR EXISTS (
         SELECT 1 FROM feed_deliveries d
         WHERE d.subscription_id = s.id AND d.status = 'pending'))
ORDER BY b.busy, s.next_attempt_at
LIMIT 1
FOR UPDATE OF s SKIP LOCKED"""
_LOCK_PARTNER = "SELECT pg_advisory_xact_lock(hashtext('quanhub-feed-partner:' || $1))"
_BUSY_SLOTS = "SELECT count(*) FROM feed_subscriptions WHERE partner_code = $1 AND lease_until > $2"
_TAKE_LEASE = "UPDATE feed_subscriptions SET lease_until = $2 WHERE id = $1"
_OLDEST_PENDING = """
SELECT id, events, event_count FROM feed_deliveries
WHERE subscription_id = $1 AND status = 'pending'
ORDER BY position LIMIT 1"""
_MOVE_CURSOR = "UPDATE feed_subscriptions SET cursor_seq = $2, updated_at = $3 WHERE id = $1"
_FREEZE_BATCH = """
WITH frozen AS (
    INSERT INTO feed_deliveries
        (id, subscription_id, first_seq, last_seq, event_count, events, created_at)
    VALUES ($1, $2, $3, $4, $5, $6, $7))
UPDATE feed_subscriptions SET cursor_seq = $8, updated_at = $7 WHERE id = $2"""
_RECORD_OUTCOME = """
WITH attempt AS (
    UPDATE feed_deliveries
    SET attempts = attempts + 1, last_attempt_at = $3, last_status_code = $4,
        last_error = $5, last_duration_ms = $6,
        status = CASE WHEN $7 THEN 'succeeded' ELSE status END,
        delivered_at = CASE WHEN $7 THEN $3 ELSE delivered_at END
    WHERE id = $2 AND status = 'pending' AND EXISTS (
        SELECT 1 FROM feed_subscriptions WHERE id = $1 AND lease_until = $11)
    RETURNING id),
counted AS (SELECT EXISTS (SELECT 1 FROM attempt) AS yes)
UPDATE feed_subscriptions s
SET lease_until = NULL, updated_at = $3,
    failures = CASE WHEN c.yes THEN $8 ELSE s.failures END,
    next_attempt_at = CASE WHEN c.yes THEN $9 ELSE s.next_attempt_at END,
    status = CASE WHEN c.yes AND $10::text IS NOT NULL AND s.status = 'active'
                  THEN 'paused' ELSE s.status END,
    paused_reason = CASE WHEN c.yes AND $10::text IS NOT NULL
                              AND s.status = 'active'
                         THEN $10 ELSE s.paused_reason END
FROM counted c
WHERE s.id = $1 AND s.lease_until = $11
RETURNING s.id"""
_RESCHEDULE = """
UPDATE feed_subscriptions
SET failures = $2, next_attempt_at = $3, updated_at = $5,
    status = CASE WHEN $4::text IS NULL THEN status ELSE 'paused' END,
    paused_reason = COALESCE($4, paused_reason)
WHERE id = $1"""


@dataclass(frozen=True, slots=True)
class Claimed:
    """A subscription this worker claimed (locked in the claim's transaction, then leased)."""

    id: UUID
    partner_code: str
    url: str
    kinds: tuple[str, ...]
    secret: str
    cursor_seq: int
    failures: int
    signature: str = "quanhub"
    format: str = "quanhub"
    #: The secret a rotation replaced, and until when it still signs (both or neither).
    previous_secret: str | None = None
    previous_secret_expires_at: datetime | None = None

    def signing_secrets(self, now: datetime) -> tuple[str, ...]:
        """The secrets that sign an attempt made at `now`: the current one, then the
        replaced one while its overlap lasts."""
        expires = self.previous_secret_expires_at
        if self.previous_secret is None or expires is None or now >= expires:
            return (self.secret,)
        return (self.secret, self.previous_secret)


@dataclass(frozen=True, slots=True)
class PendingDelivery:
    """The oldest unacknowledged delivery of a subscription."""

    id: UUID
    events: bytes
    event_count: int


async def claim_due(conn: Conn, *, now: datetime, head: int, partner_slots: int) -> Claimed | None:
    """Lock the due, unleased active subscription that has something to do, of the partner
    using the fewest slots (under `partner_slots`), longest waiting first."""
    row = await conn.fetchrow(_CLAIM_DUE, now, head, partner_slots)
    return None if row is None else _claimed(row)


async def partner_has_slot(conn: Conn, partner_code: str, *, now: datetime, slots: int) -> bool:
    """Whether the partner still has a free slot, counted after every concurrent claim for
    it has committed: claims of one partner are serialised by an advisory lock held to the
    end of the claim's transaction (without it, simultaneous claims would all count the
    same leases and overshoot the cap)."""
    await conn.execute(_LOCK_PARTNER, partner_code)
    busy = await conn.fetchval(_BUSY_SLOTS, partner_code, now)
    return int(busy) < slots


async def take_lease(conn: Conn, subscription_id: UUID, *, until: datetime) -> None:
    """Hold the (locked, claimed) subscription for one attempt until `until`."""
    await conn.execute(_TAKE_LEASE, subscription_id, until)


def _claimed(row: Record) -> Claimed:
    return Claimed(
        id=row["id"],
        partner_code=row["partner_code"],
        url=row["url"],
        kinds=tuple(row["kinds"]),
        secret=row["secret"],
        cursor_seq=row["cursor_seq"],
        failures=row["failures"],
        signature=row["signature"],
        format=row["format"],
        previous_secret=row["previous_secret"],
        previous_secret_expires_at=row["previous_secret_expires_at"],
    )


async def oldest_pending(conn: Conn, subscription_id: UUID) -> PendingDelivery | None:
    """The delivery that must succeed before any later one is sent."""
    row = await conn.fetchrow(_OLDEST_PENDING, subscription_id)
    if row is None:
        return None
    return PendingDelivery(row["id"], bytes(row["events"]), row["event_count"])


async def freeze_batch(
    conn: Conn,
    subscription_id: UUID,
    events: list[FeedEvent],
    *,
    scanned_to: int,
    now: datetime,
) -> PendingDelivery | None:
    """Record the next batch (if any event matched) and move the cursor to `scanned_to`,
    in one statement of the caller's transaction."""
    if not events:
        await conn.execute(_MOVE_CURSOR, subscription_id, scanned_to, now)
        return None
    batch = PendingDelivery(uuid.uuid4(), batch_events(events), len(events))
    await conn.execute(
        _FREEZE_BATCH,
        batch.id,
        subscription_id,
        min(e.seq for e in events),
        max(e.seq for e in events),
        batch.event_count,
        batch.events,
        now,
        scanned_to,
    )
    return batch


async def record_outcome(
    conn: Conn,
    subscription_id: UUID,
    delivery_id: UUID,
    *,
    lease: datetime,
    ok: bool,
    status_code: int | None,
    error: str | None,
    duration_ms: int,
    failures: int,
    next_attempt_at: datetime,
    pause_reason: str | None,
    now: datetime,
) -> bool:
    """Under the lease taken for it: log the attempt on the delivery (succeeded, or still
    pending), reschedule the subscription (pausing it when a reason is given) and release
    the lease, in one statement. False when the lease was lost (it expired and another
    worker claimed the subscription): nothing is written then.

    A delivery cancelled meanwhile (DELETE, replay) is not revived and leaves the
    subscription's schedule as the API set it; a deleted subscription is not paused."""
    row = await conn.fetchrow(
        _RECORD_OUTCOME,
        subscription_id,
        delivery_id,
        now,
        status_code,
        error,
        duration_ms,
        ok,
        failures,
        next_attempt_at,
        pause_reason,
        lease,
    )
    return row is not None


async def reschedule(
    conn: Conn,
    subscription_id: UUID,
    *,
    failures: int,
    next_attempt_at: datetime,
    pause_reason: str | None,
    now: datetime,
) -> None:
    """Set the consecutive-failure count and the next look; pause if a reason is given."""
    await conn.execute(
        _RESCHEDULE,
        subscription_id,
        failures,
        next_attempt_at,
        pause_reason,
        now,
    )
