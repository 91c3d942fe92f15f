"""The one router the ledger API mounts for feeds: SSE and subscriptions, with their lifespan."""

from __future__ import annotations

from fastapi import APIRouter

from quanhub.common.clock import Clock
from quanhub.common.settings import DatabaseSettings
from quanhub.ledger.feeds.api import subscriptions_router
from quanhub.ledger.feeds.kafka_acl import FeedAcls
from quanhub.ledger.feeds.runtime import FeedSettings, feeds_lifespan
from quanhub.ledger.feeds.sse import sse_router


def feeds_router(
    database: DatabaseSettings,
    settings: FeedSettings | None = None,
    *,
    clock: Clock | None = None,
    acls: FeedAcls | None = None,
) -> APIRouter:
    """GET /v1/feed and /v1/subscriptions…; its lifespan opens a small pool and the LISTEN
    connection (mount with `app.include_router(feeds_router(settings.database))`).
    `acls`: how Kafka feed access is granted (default: Kafka's admin API)."""
    router = APIRouter(lifespan=feeds_lifespan(database, settings, clock, acls))
    router.include_router(sse_router())
    router.include_router(subscriptions_router())
    return router
