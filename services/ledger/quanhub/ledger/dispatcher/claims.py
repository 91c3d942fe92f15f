"""The dispatcher's SQL: claim a due subscription, freeze a batch, record an attempt.

A claim is `SELECT … FOR UPDATE OF s SKIP LOCKED` inside a transaction that lasts as long
as the work on that subscription (building a batch, or one HTTP attempt): two workers
never hold the same subscription, so nothing is sent twice and batches go out in order.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from asyncpg import Record

from quanhub.ledger.feeds.conn import Conn
from quanhub.ledger.feeds.model import FeedEvent, batch_events


@dataclass(frozen=True, slots=True)
class Claimed:
    """A subscription this worker holds until its transaction ends."""

    id: UUID
    partner_code: str
    url: str
    kinds: tuple[str, ...]
    secret: str
    cursor_seq: int
    failures: int


@dataclass(frozen=True, slots=True)
class PendingDelivery:
    """The oldest unacknowledged delivery of a subscription."""

    id: UUID
    events: bytes
    event_count: int


async def claim_due(conn: Conn, *, now: datetime, head: int) -> Claimed | None:
    """Lock the active subscription that has waited longest and has something to do."""
    row = await conn.fetchrow(
        """SELECT s.id, s.partner_code, s.url, s.kinds, s.secret, s.cursor_seq, s.failures
           FROM feed_subscriptions s
           WHERE s.status = 'active' AND s.next_attempt_at <= $1
             AND (s.cursor_seq < $2 OR EXISTS (
                    SELECT 1 FROM feed_deliveries d
                    WHERE d.subscription_id = s.id AND d.status = 'pending'))
           ORDER BY s.next_attempt_at
           LIMIT 1
           FOR UPDATE OF s SKIP LOCKED""",
        now,
        head,
    )
    return None if row is None else _claimed(row)


async def relock(
    conn: Conn, subscription_id: UUID, delivery_id: UUID, *, now: datetime
) -> Claimed | None:
    """Lock a subscription again after committing its new batch, unless another worker
    holds it, it is no longer active and due, or the batch is no longer pending (a replay
    cancelled it). Nothing older can be pending: the batch was built when none was."""
    row = await conn.fetchrow(
        """SELECT id, partner_code, url, kinds, secret, cursor_seq, failures
           FROM feed_subscriptions
           WHERE id = $1 AND status = 'active' AND next_attempt_at <= $2
             AND EXISTS (SELECT 1 FROM feed_deliveries
                         WHERE id = $3 AND status = 'pending')
           FOR UPDATE SKIP LOCKED""",
        subscription_id,
        now,
        delivery_id,
    )
    return None if row is None else _claimed(row)


def _claimed(row: Record) -> Claimed:
    return Claimed(
        id=row["id"],
        partner_code=row["partner_code"],
        url=row["url"],
        kinds=tuple(row["kinds"]),
        secret=row["secret"],
        cursor_seq=row["cursor_seq"],
        failures=row["failures"],
    )


async def oldest_pending(conn: Conn, subscription_id: UUID) -> PendingDelivery | None:
    """The delivery that must succeed before any later one is sent."""
    row = await conn.fetchrow(
        """SELECT id, events, event_count FROM feed_deliveries
           WHERE subscription_id = $1 AND status = 'pending'
           ORDER BY position LIMIT 1""",
        subscription_id,
    )
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
        await conn.execute(
            "UPDATE feed_subscriptions SET cursor_seq = $2, updated_at = $3 WHERE id = $1",
            subscription_id,
            scanned_to,
            now,
        )
        return None
    batch = PendingDelivery(uuid.uuid4(), batch_events(events), len(events))
    await conn.execute(
        """WITH frozen AS (
               INSERT INTO feed_deliveries
                   (id, subscription_id, first_seq, last_seq, event_count, events, created_at)
               VALUES ($1, $2, $3, $4, $5, $6, $7))
           UPDATE feed_subscriptions SET cursor_seq = $8, updated_at = $7 WHERE id = $2""",
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
    ok: bool,
    status_code: int | None,
    error: str | None,
    duration_ms: int,
    failures: int,
    next_attempt_at: datetime,
    pause_reason: str | None,
    now: datetime,
) -> None:
    """Log the attempt on the delivery (succeeded, or still pending) and reschedule the
    subscription (pausing it when a reason is given), in one statement."""
    await conn.execute(
        """WITH attempt AS (
               UPDATE feed_deliveries
               SET attempts = attempts + 1, last_attempt_at = $3, last_status_code = $4,
                   last_error = $5, last_duration_ms = $6,
                   status = CASE WHEN $7 THEN 'succeeded' ELSE status END,
                   delivered_at = CASE WHEN $7 THEN $3 ELSE delivered_at END
               WHERE id = $2)
           UPDATE feed_subscriptions
           SET failures = $8, next_attempt_at = $9, updated_at = $3,
               status = CASE WHEN $10::text IS NULL THEN status ELSE 'paused' END,
               paused_reason = COALESCE($10, paused_reason)
           WHERE id = $1""",
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
    )


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
        """UPDATE feed_subscriptions
           SET failures = $2, next_attempt_at = $3, updated_at = $5,
               status = CASE WHEN $4::text IS NULL THEN status ELSE 'paused' END,
               paused_reason = COALESCE($4, paused_reason)
           WHERE id = $1""",
        subscription_id,
        failures,
        next_attempt_at,
        pause_reason,
        now,
    )
