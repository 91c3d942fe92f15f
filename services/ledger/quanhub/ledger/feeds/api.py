"""The subscriptions API: create, list, read, delete, resume, replay, rotate the secret,
delivery log, redeliver."""

from __future__ import annotations

import base64
import binascii
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Depends, Query, Response

from quanhub.common.access.deps import PrincipalDep
from quanhub.common.access.model import Principal
from quanhub.common.http import PROBLEM_JSON, Problem
from quanhub.ledger.feeds import store
from quanhub.ledger.feeds.deps import FreshPrincipalDep
from quanhub.ledger.feeds.errors import FeedError
from quanhub.ledger.feeds.kafka_feed import KAFKA_URL, feed_topic, is_kafka
from quanhub.ledger.feeds.model import Subscription
from quanhub.ledger.feeds.runtime import FeedRuntime, feed_runtime
from quanhub.ledger.feeds.schemas import (
    DeliveryOut,
    DeliveryPage,
    Replay,
    SecretRotated,
    SecretRotation,
    SubscriptionCreate,
    SubscriptionCreated,
    SubscriptionOut,
    SubscriptionPage,
    parse_seq,
)
from quanhub.ledger.feeds.signing import new_secret
from quanhub.ledger.feeds.sse import cursor_expired
from quanhub.ledger.feeds.urls import validate_url
from quanhub.ledger.feeds.visibility import receives_events

RuntimeDep = Annotated[FeedRuntime, Depends(feed_runtime)]
Limit = Annotated[int, Query(ge=1, le=200, description="Items per page")]
PageCursor = Annotated[str | None, Query(description="next_cursor of the previous page")]
_LOCK_PARTNER = "SELECT pg_advisory_xact_lock(hashtext($1))"
_HELD_SUBSCRIPTIONS = (
    "SELECT count(*) FROM feed_subscriptions WHERE partner_code = $1 AND status <> 'deleted'"
)
_HELD_KAFKA_SUBSCRIPTION = (
    "SELECT EXISTS (SELECT 1 FROM feed_subscriptions"
    " WHERE partner_code = $1 AND url = $2 AND status <> 'deleted')"
)
#: The global seq to replay after from an instant: just before the earliest (in global seqs)
#: of each shard's first event recorded at or after $1; an event not visible yet (no range
#: holds it) counts as the head's next. The head when nothing was recorded since.
_AFTER_RECORDED_SINCE = """
SELECT coalesce(min(coalesce(r.global_first + (f.seq - r.first_seq),
                             (SELECT last_seq FROM ledger_sequence) + 1)) - 1,
                (SELECT last_seq FROM ledger_sequence))
FROM ledger_visible v
CROSS JOIN LATERAL (SELECT e.seq FROM ledger_events e
                    WHERE e.recorded_at >= $1 AND e.shard = v.shard
                    ORDER BY e.recorded_at, e.seq LIMIT 1) f
LEFT JOIN LATERAL (SELECT g.global_first, g.first_seq, g.events FROM ledger_global_ranges g
                   WHERE g.shard = v.shard AND g.first_seq <= f.seq
                   ORDER BY g.first_seq DESC LIMIT 1) r ON f.seq < r.first_seq + r.events"""
_STATUS = {
    "subscription_not_found": 404,
    "delivery_not_found": 404,
    "invalid_subscriber_url": 422,
    "kafka_feed_unavailable": 503,
}


@contextmanager
def _edge() -> Iterator[None]:
    """Feed errors become problem responses here, at the API edge only."""
    try:
        yield
    except FeedError as exc:
        raise Problem(_STATUS.get(exc.code, 400), exc.code, exc.message) from exc


def _bad_cursor() -> Problem:
    return Problem(400, "invalid_cursor", "the cursor is not one this API issued")


def _encode(created_at: datetime, sub_id: UUID) -> str:
    raw = f"{created_at.isoformat()}|{sub_id}".encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _decode(cursor: str) -> tuple[datetime, UUID]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        at, _, sub_id = raw.partition("|")
        created_at = datetime.fromisoformat(at)
        created_at.astimezone(UTC)  # a forged instant with no UTC equivalent is refused here
        return created_at, UUID(sub_id)
    except (ValueError, OverflowError, UnicodeDecodeError, binascii.Error) as exc:
        raise _bad_cursor() from exc


def _receiver(principal: Principal) -> Principal:
    if not receives_events(principal):
        raise Problem(403, "feed_not_allowed", "this role reads aggregates only")
    return principal


_PROBLEM = {"content": {PROBLEM_JSON: {"schema": {"type": "object"}}}}
#: Answers every route may give besides its success (documented for partners and fuzzers).
_RESPONSES: dict[int | str, dict[str, Any]] = {
    400: {"description": "A cursor this API did not issue", **_PROBLEM},
    401: {"description": "No valid API key", **_PROBLEM},
    403: {"description": "The caller's role receives no events (analyst)", **_PROBLEM},
    404: {"description": "No such subscription or delivery of this partner", **_PROBLEM},
    409: {
        "description": "The partner holds the most subscriptions allowed, or a second kafka "
        "one; or a secret rotation of a kafka subscription (it has no secret)",
        **_PROBLEM,
    },
    410: {"description": "A replay from a seq retention removed (`cursor_expired`)", **_PROBLEM},
    422: {"description": "A body or parameter the API refuses", **_PROBLEM},
    503: {"description": "Kafka did not set up or remove the partner's feed access", **_PROBLEM},
}


def _view(sub: Subscription, runtime: FeedRuntime) -> SubscriptionOut:
    """A subscription as its partner sees it, with the feed topic a kafka one reads."""
    topic = feed_topic(runtime.settings.kafka, sub.partner_code) if is_kafka(sub.url) else None
    return SubscriptionOut.of(sub, topic)


router = APIRouter(prefix="/v1/subscriptions", tags=["subscriptions"], responses=_RESPONSES)


@router.post(
    "", status_code=201, response_model=SubscriptionCreated, response_model_exclude_unset=True
)
async def create(
    body: SubscriptionCreate, principal: FreshPrincipalDep, runtime: RuntimeDep
) -> SubscriptionCreated:
    """Subscribe a URL (`webhook`) or the partner's own feed topic (`kafka`) to this
    partner's events. A webhook subscription's response carries the signing secret
    (`whsec_…`) once; store it to verify `Quanhub-Signature` (or, with `"signature":
    "standard-webhooks"`, `webhook-signature`) on every delivery. A kafka
    subscription grants the partner's SCRAM user READ on its feed topic and on consumer
    groups named after it; a partner holds at most one, and its answer has no secret."""
    _receiver(principal)
    kafka = body.transport == "kafka"
    url = KAFKA_URL if kafka else str(body.url)
    if not kafka:
        with _edge():
            await validate_url(url, allow_private=runtime.settings.private_urls_allowed)
    async with runtime.pool.acquire() as conn, conn.transaction():
        # Serialise a partner's creations so the limit holds under concurrency.
        await conn.execute(_LOCK_PARTNER, principal.partner_code)
        held = await conn.fetchval(_HELD_SUBSCRIPTIONS, principal.partner_code)
        if held >= runtime.settings.max_subscriptions:
            raise Problem(
                409,
                "too_many_subscriptions",
                f"a partner may hold {runtime.settings.max_subscriptions} subscriptions",
            )
        if kafka and await conn.fetchval(_HELD_KAFKA_SUBSCRIPTION, principal.partner_code, url):
            raise Problem(
                409,
                "kafka_subscription_exists",
                "a partner has one feed topic, so at most one kafka subscription",
            )
        start = body.after_seq
        if start is None:
            start = await runtime.source.head(conn)
        # Kafka records are not signed, but the column is NOT NULL: an unused random value.
        secret = new_secret(body.signature)
        sub = await store.create_subscription(
            conn,
            partner_code=principal.partner_code,
            url=url,
            kinds=list(dict.fromkeys(body.kinds)),
            description=body.description,
            secret=secret,
            cursor_seq=start,
            now=runtime.clock.now(),
            signature=body.signature,
            format=body.format,
        )
        if kafka:
            # Granted before the row commits: a refused grant leaves no subscription.
            with _edge():
                await runtime.acls.grant(principal.partner_code)
    created = SubscriptionCreated(**_view(sub, runtime).model_dump())
    if not kafka:
        created.secret = secret  # set only here, so exclude_unset leaves it out for kafka
    return created


@router.get("", response_model=SubscriptionPage)
async def list_all(
    principal: PrincipalDep, runtime: RuntimeDep, limit: Limit = 50, cursor: PageCursor = None
) -> SubscriptionPage:
    """This partner's subscriptions, newest first (keyset pagination)."""
    before = _decode(cursor) if cursor else None
    async with runtime.pool.acquire() as conn:
        subs = await store.list_subscriptions(
            conn, principal.partner_code, limit=limit, before=before
        )
    last = subs[-1] if len(subs) == limit else None
    return SubscriptionPage(
        items=[_view(s, runtime) for s in subs],
        next_cursor=_encode(last.created_at, last.id) if last else None,
    )


@router.get("/{subscription_id}", response_model=SubscriptionOut)
async def read(
    subscription_id: UUID, principal: PrincipalDep, runtime: RuntimeDep
) -> SubscriptionOut:
    """One subscription: status, cursor, failures, next attempt."""
    with _edge():
        async with runtime.pool.acquire() as conn:
            sub = await store.get_subscription(conn, principal.partner_code, subscription_id)
    return _view(sub, runtime)


@router.delete("/{subscription_id}", status_code=204)
async def delete(
    subscription_id: UUID, principal: FreshPrincipalDep, runtime: RuntimeDep
) -> Response:
    """Stop deliveries for good; pending ones are cancelled. Deleting the kafka
    subscription revokes the partner's READ on its feed topic."""
    with _edge():
        async with runtime.pool.acquire() as conn, conn.transaction():
            await conn.execute(_LOCK_PARTNER, principal.partner_code)
            sub = await store.get_subscription(conn, principal.partner_code, subscription_id)
            await store.delete_subscription(
                conn, principal.partner_code, subscription_id, now=runtime.clock.now()
            )
            if is_kafka(sub.url):
                # Revoked before the deletion commits: if Kafka refuses, nothing changed.
                await runtime.acls.revoke(principal.partner_code)
    return Response(status_code=204)


@router.post("/{subscription_id}/resume", response_model=SubscriptionOut)
async def resume(
    subscription_id: UUID, principal: FreshPrincipalDep, runtime: RuntimeDep
) -> SubscriptionOut:
    """Reactivate a paused subscription: its oldest pending batch is tried again now."""
    with _edge():
        async with runtime.pool.acquire() as conn:
            sub = await store.resume_subscription(
                conn, principal.partner_code, subscription_id, now=runtime.clock.now()
            )
    return _view(sub, runtime)


@router.post("/{subscription_id}/replay", response_model=SubscriptionOut)
async def replay(
    subscription_id: UUID, body: Replay, principal: FreshPrincipalDep, runtime: RuntimeDep
) -> SubscriptionOut:
    """Deliver again every visible event from a sequence (`from_seq`) or from an instant
    (`since`, by the time the ledger recorded it). Pending batches are cancelled;
    replayed events arrive in new deliveries, in order. A `from_seq` at or before events
    retention removed is refused (410 `cursor_expired`); `since` starts at the oldest kept."""
    with _edge():
        async with runtime.pool.acquire() as conn:
            if body.from_seq is not None:
                after = body.from_seq - 1
                if after < (retired := await runtime.source.retired_through(conn)):
                    raise cursor_expired(after, retired)
            else:
                after = int(await conn.fetchval(_AFTER_RECORDED_SINCE, body.since))
                # Shards on other instances have no events on home: their first is read
                # where they live.
                since = body.since
                elsewhere = (
                    await runtime.source.after_recorded_since(conn, since) if since else None
                )
                if elsewhere is not None:
                    after = min(after, elsewhere)
            sub = await store.replay_subscription(
                conn,
                principal.partner_code,
                subscription_id,
                after_seq=after,
                now=runtime.clock.now(),
            )
    return _view(sub, runtime)


@router.post("/{subscription_id}/rotate-secret", response_model=SecretRotated)
async def rotate_secret(
    subscription_id: UUID,
    principal: FreshPrincipalDep,
    runtime: RuntimeDep,
    body: SecretRotation | None = None,
) -> SecretRotated:
    """Issue a new signing secret (`whsec_…`, shown this once). For `overlap_seconds`
    (default 24 hours, at most 7 days) every delivery carries two signatures, the new
    secret's first, then the old one's: two `v1=` entries in `Quanhub-Signature`, or two
    space-separated `v1,` entries in `webhook-signature`. Receivers verify with either key
    meanwhile; afterwards only the new one signs. Rotating again during an overlap retires
    the older secret at once. A kafka subscription has no secret (409)."""
    overlap = timedelta(seconds=(body or SecretRotation()).overlap_seconds)
    with _edge():
        async with runtime.pool.acquire() as conn:
            sub = await store.get_subscription(conn, principal.partner_code, subscription_id)
            if is_kafka(sub.url):
                raise Problem(
                    409, "subscription_not_signed", "kafka subscriptions have no signing secret"
                )
            secret = new_secret(sub.signature)
            sub = await store.rotate_secret(
                conn,
                principal.partner_code,
                subscription_id,
                secret=secret,
                overlap=overlap,
                now=runtime.clock.now(),
            )
    return SecretRotated(**_view(sub, runtime).model_dump(), secret=secret)


@router.get("/{subscription_id}/deliveries", response_model=DeliveryPage)
async def deliveries(
    subscription_id: UUID,
    principal: PrincipalDep,
    runtime: RuntimeDep,
    limit: Limit = 50,
    cursor: PageCursor = None,
) -> DeliveryPage:
    """The delivery log, newest first: events per batch, attempts, last answer."""
    before = None if cursor is None else parse_seq(cursor)
    if cursor is not None and before is None:
        raise _bad_cursor()
    with _edge():
        async with runtime.pool.acquire() as conn:
            await store.get_subscription(conn, principal.partner_code, subscription_id)
            log = await store.list_deliveries(conn, subscription_id, limit=limit, before=before)
    return DeliveryPage(
        items=[DeliveryOut.of(d) for d in log],
        next_cursor=str(log[-1].position) if len(log) == limit else None,
    )


@router.post(
    "/{subscription_id}/deliveries/{delivery_id}/redeliver",
    status_code=202,
    response_model=DeliveryOut,
)
async def redeliver(
    subscription_id: UUID, delivery_id: UUID, principal: FreshPrincipalDep, runtime: RuntimeDep
) -> DeliveryOut:
    """Send a past delivery's events again, under a new delivery id, after any delivery
    already pending."""
    with _edge():
        async with runtime.pool.acquire() as conn, conn.transaction():
            await store.get_subscription(conn, principal.partner_code, subscription_id, lock=True)
            copy = await store.redeliver(
                conn, subscription_id, delivery_id, now=runtime.clock.now()
            )
    return DeliveryOut.of(copy)


def subscriptions_router() -> APIRouter:
    """The /v1/subscriptions routes (mounted by feeds_router)."""
    return router
