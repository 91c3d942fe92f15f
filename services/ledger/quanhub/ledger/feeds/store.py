"""Subscriptions and deliveries in PostgreSQL, as partners manage them through the API."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta
from uuid import UUID

from asyncpg import Record

from quanhub.ledger.feeds.conn import Conn
from quanhub.ledger.feeds.errors import DeliveryNotFound, SubscriptionNotFound
from quanhub.ledger.feeds.model import Delivery, DeliveryStatus, Subscription, SubscriptionStatus

# Statements that answer subscriptions return the columns subscription_from reads, those
# that answer deliveries the columns delivery_from reads.
_CREATE_SUBSCRIPTION = """
INSERT INTO feed_subscriptions
    (id, partner_code, url, kinds, description, secret, cursor_seq,
     next_attempt_at, created_at, updated_at, signature, format)
VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8, $8, $9, $10)
RETURNING id, partner_code, url, kinds, description, status, cursor_seq, next_attempt_at,
       failures, paused_reason, created_at, updated_at, signature, format,
       previous_secret_expires_at"""
_LIST_SUBSCRIPTIONS = """
SELECT id, partner_code, url, kinds, description, status, cursor_seq, next_attempt_at,
       failures, paused_reason, created_at, updated_at, signature, format,
       previous_secret_expires_at FROM feed_subscriptions
WHERE partner_code = $1 AND status <> 'deleted'
  AND ($2::timestamptz IS NULL OR (created_at, id) < ($2, $3))
ORDER BY created_at DESC, id DESC LIMIT $4"""
_GET_SUBSCRIPTION = """
SELECT id, partner_code, url, kinds, description, status, cursor_seq, next_attempt_at,
       failures, paused_reason, created_at, updated_at, signature, format,
       previous_secret_expires_at FROM feed_subscriptions
WHERE id = $1 AND partner_code = $2 AND status <> 'deleted'"""
_LOCK_SUBSCRIPTION = _GET_SUBSCRIPTION + " FOR UPDATE"
_DELETE_SUBSCRIPTION = """
UPDATE feed_subscriptions SET status = 'deleted', updated_at = $2 WHERE id = $1
RETURNING id, partner_code, url, kinds, description, status, cursor_seq, next_attempt_at,
       failures, paused_reason, created_at, updated_at, signature, format,
       previous_secret_expires_at"""
_RESUME_SUBSCRIPTION = """
UPDATE feed_subscriptions
SET status = 'active', failures = 0, paused_reason = NULL, next_attempt_at = $2, updated_at = $2
WHERE id = $1
RETURNING id, partner_code, url, kinds, description, status, cursor_seq, next_attempt_at,
       failures, paused_reason, created_at, updated_at, signature, format,
       previous_secret_expires_at"""
_REPLAY_SUBSCRIPTION = """
UPDATE feed_subscriptions SET cursor_seq = $2, failures = 0, next_attempt_at = $3, updated_at = $3
WHERE id = $1
RETURNING id, partner_code, url, kinds, description, status, cursor_seq, next_attempt_at,
       failures, paused_reason, created_at, updated_at, signature, format,
       previous_secret_expires_at"""
# The replaced secret signs beside the new one until $4 (none at all with a zero overlap);
# a rotation during an overlap retires the older previous secret at once.
_ROTATE_KEYS = """
UPDATE feed_subscriptions
SET previous_secret = CASE WHEN $4::timestamptz > $3::timestamptz THEN secret END,
    previous_secret_expires_at = CASE WHEN $4::timestamptz > $3::timestamptz THEN $4 END,
    secret = $2, updated_at = $3
WHERE id = $1
RETURNING id, partner_code, url, kinds, description, status, cursor_seq, next_attempt_at,
       failures, paused_reason, created_at, updated_at, signature, format,
       previous_secret_expires_at"""
_CANCEL_PENDING = """
UPDATE feed_deliveries SET status = 'cancelled' WHERE subscription_id = $1 AND status = 'pending'"""
_LIST_DELIVERIES = """
SELECT id, position, subscription_id, first_seq, last_seq, event_count, redelivery_of, status,
       attempts, created_at, last_attempt_at, last_status_code, last_error, last_duration_ms,
       delivered_at FROM feed_deliveries
WHERE subscription_id = $1 AND ($2::bigint IS NULL OR position < $2)
ORDER BY position DESC LIMIT $3"""
_REDELIVER = """
INSERT INTO feed_deliveries
    (id, subscription_id, first_seq, last_seq, event_count, events, redelivery_of, created_at)
SELECT $3, subscription_id, first_seq, last_seq, event_count, events, id, $4
FROM feed_deliveries WHERE id = $2 AND subscription_id = $1
RETURNING id, position, subscription_id, first_seq, last_seq, event_count, redelivery_of, status,
       attempts, created_at, last_attempt_at, last_status_code, last_error, last_duration_ms,
       delivered_at"""
_WAKE_SUBSCRIPTION = """
UPDATE feed_subscriptions SET next_attempt_at = LEAST(next_attempt_at, $2)
WHERE id = $1 AND status = 'active'"""


def subscription_from(row: Record) -> Subscription:
    """A Subscription from a row of one of the statements that return subscriptions."""
    return Subscription(
        id=row["id"],
        partner_code=row["partner_code"],
        url=row["url"],
        kinds=tuple(row["kinds"]),
        description=row["description"],
        status=SubscriptionStatus(row["status"]),
        cursor_seq=row["cursor_seq"],
        next_attempt_at=row["next_attempt_at"],
        failures=row["failures"],
        paused_reason=row["paused_reason"],
        created_at=row["created_at"],
        updated_at=row["updated_at"],
        signature=row["signature"],
        format=row["format"],
        previous_secret_expires_at=row["previous_secret_expires_at"],
    )


def delivery_from(row: Record) -> Delivery:
    """A Delivery from a row of one of the statements that return deliveries."""
    return Delivery(
        id=row["id"],
        position=row["position"],
        subscription_id=row["subscription_id"],
        first_seq=row["first_seq"],
        last_seq=row["last_seq"],
        event_count=row["event_count"],
        redelivery_of=row["redelivery_of"],
        status=DeliveryStatus(row["status"]),
        attempts=row["attempts"],
        created_at=row["created_at"],
        last_attempt_at=row["last_attempt_at"],
        last_status_code=row["last_status_code"],
        last_error=row["last_error"],
        last_duration_ms=row["last_duration_ms"],
        delivered_at=row["delivered_at"],
    )


async def create_subscription(
    conn: Conn,
    *,
    partner_code: str,
    url: str,
    kinds: list[str],
    description: str,
    secret: str,
    cursor_seq: int,
    now: datetime,
    signature: str = "quanhub",
    format: str = "quanhub",
) -> Subscription:
    """Store a new active subscription that starts after `cursor_seq`."""
    row = await conn.fetchrow(
        _CREATE_SUBSCRIPTION,
        uuid.uuid4(),
        partner_code,
        url,
        kinds,
        description,
        secret,
        cursor_seq,
        now,
        signature,
        format,
    )
    assert row is not None  # noqa: S101 - INSERT … RETURNING always returns the row
    return subscription_from(row)


async def list_subscriptions(
    conn: Conn, partner_code: str, *, limit: int, before: tuple[datetime, UUID] | None
) -> list[Subscription]:
    """A partner's subscriptions, newest first, after the keyset `before` (exclusive)."""
    rows = await conn.fetch(
        _LIST_SUBSCRIPTIONS,
        partner_code,
        before[0] if before else None,
        before[1] if before else None,
        limit,
    )
    return [subscription_from(r) for r in rows]


async def get_subscription(
    conn: Conn, partner_code: str, subscription_id: UUID, *, lock: bool = False
) -> Subscription:
    """The partner's subscription; SubscriptionNotFound if absent, deleted or someone else's."""
    row = await conn.fetchrow(
        _LOCK_SUBSCRIPTION if lock else _GET_SUBSCRIPTION,
        subscription_id,
        partner_code,
    )
    if row is None:
        msg = "no such subscription"
        raise SubscriptionNotFound(msg)
    return subscription_from(row)


async def _update(conn: Conn, statement: str, subscription_id: UUID, *args: object) -> Subscription:
    """Run one of the UPDATE ... RETURNING statements on a subscription locked first."""
    row = await conn.fetchrow(statement, subscription_id, *args)
    assert row is not None  # noqa: S101 - the caller locked the row first
    return subscription_from(row)


async def _cancel_pending(conn: Conn, subscription_id: UUID) -> None:
    await conn.execute(_CANCEL_PENDING, subscription_id)


async def delete_subscription(
    conn: Conn, partner_code: str, subscription_id: UUID, *, now: datetime
) -> None:
    """Stop delivering for good; pending deliveries are cancelled, the log is kept."""
    async with conn.transaction():
        await get_subscription(conn, partner_code, subscription_id, lock=True)
        await _cancel_pending(conn, subscription_id)
        await _update(conn, _DELETE_SUBSCRIPTION, subscription_id, now)


async def resume_subscription(
    conn: Conn, partner_code: str, subscription_id: UUID, *, now: datetime
) -> Subscription:
    """Make a paused subscription active again, retrying its oldest pending delivery now."""
    async with conn.transaction():
        await get_subscription(conn, partner_code, subscription_id, lock=True)
        return await _update(conn, _RESUME_SUBSCRIPTION, subscription_id, now)


async def replay_subscription(
    conn: Conn,
    partner_code: str,
    subscription_id: UUID,
    *,
    after_seq: int,
    now: datetime,
) -> Subscription:
    """Deliver again every event after `after_seq`: pending batches are cancelled and the
    cursor moves back (or forward) to that point. The subscription keeps its status."""
    async with conn.transaction():
        await get_subscription(conn, partner_code, subscription_id, lock=True)
        await _cancel_pending(conn, subscription_id)
        return await _update(conn, _REPLAY_SUBSCRIPTION, subscription_id, after_seq, now)


async def rotate_secret(
    conn: Conn,
    partner_code: str,
    subscription_id: UUID,
    *,
    secret: str,
    overlap: timedelta,
    now: datetime,
) -> Subscription:
    """Make `secret` the subscription's signing secret; the one it replaces keeps signing
    deliveries (second) until `now + overlap`."""
    async with conn.transaction():
        await get_subscription(conn, partner_code, subscription_id, lock=True)
        return await _update(conn, _ROTATE_KEYS, subscription_id, secret, now, now + overlap)


async def list_deliveries(
    conn: Conn, subscription_id: UUID, *, limit: int, before: int | None
) -> list[Delivery]:
    """A subscription's deliveries, newest first, positions below `before` (exclusive)."""
    rows = await conn.fetch(
        _LIST_DELIVERIES,
        subscription_id,
        before,
        limit,
    )
    return [delivery_from(r) for r in rows]


async def redeliver(
    conn: Conn, subscription_id: UUID, delivery_id: UUID, *, now: datetime
) -> Delivery:
    """Queue the events of a past delivery again, under a new delivery id, after any
    delivery already pending (order per subscription is kept)."""
    row = await conn.fetchrow(
        _REDELIVER,
        subscription_id,
        delivery_id,
        uuid.uuid4(),
        now,
    )
    if row is None:
        msg = "no such delivery"
        raise DeliveryNotFound(msg)
    await conn.execute(_WAKE_SUBSCRIPTION, subscription_id, now)
    return delivery_from(row)
