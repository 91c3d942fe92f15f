"""What the feed routes share inside the ledger API: settings, a pool, the ledger notifier,
the access wake-up, the SSE stream gate."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from dataclasses import dataclass
from typing import Protocol, runtime_checkable

import asyncpg
from fastapi import FastAPI, Request
from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from quanhub.common.access import AccessListener
from quanhub.common.clock import Clock, SystemClock
from quanhub.common.db import create_pool
from quanhub.common.settings import DatabaseSettings, KafkaSettings, Profile, ProfileSettings
from quanhub.ledger.feeds.instances import open_shard_readers
from quanhub.ledger.feeds.kafka_acl import FeedAcls, KafkaFeedAcls
from quanhub.ledger.feeds.notify import AccessWake, LedgerNotifier
from quanhub.ledger.feeds.source import LedgerEventSource
from quanhub.ledger.feeds.streams import StreamGate
from quanhub.ledger.settings import ShardMapSettings


class FeedSettings(BaseSettings):
    """QUANHUB_FEEDS_*: SSE pacing and subscription limits (a block of the ledger API).

    All performance knobs but `profile` (QUANHUB_PROFILE, as everywhere): the defaults
    need no tuning; docs/operations.md#performance-knobs says what each trades.
    """

    model_config = SettingsConfigDict(env_prefix="QUANHUB_FEEDS_", extra="ignore")

    #: Events per catch-up query of an SSE stream.
    sse_page_size: int = Field(default=500, ge=1, le=5000)
    #: Ledger rows one SSE query may scan (bounds work for sparse feeds).
    scan_window: int = Field(default=20_000, ge=100)
    #: Seconds between heartbeat comments on an idle stream.
    heartbeat_seconds: float = Field(default=15.0, gt=0, le=300)
    #: Longest time an open stream goes without re-checking its key and partner (it also
    #: re-checks at every query, and at once when the registry announces a change).
    sse_reauth_seconds: float = Field(default=30.0, gt=0, le=30)
    #: Longest life of one stream; the client then reconnects with Last-Event-ID.
    sse_max_lifetime_seconds: float = Field(default=900.0, gt=0, le=86_400)
    #: Open streams one partner may hold in this process (more answer 429).
    sse_streams_per_partner: int = Field(default=4, ge=1, le=1000)
    #: Open streams in this process, all partners (more answer 503 with Retry-After).
    #: Streams do not count toward QUANHUB_HTTP_MAX_IN_FLIGHT; this bounds them instead.
    sse_streams_total: int = Field(default=512, ge=1, le=100_000)
    #: Catch-up queries running at once over all streams (kept below `pool_max`, so the
    #: subscription routes always find a connection).
    sse_query_slots: int = Field(default=4, ge=1, le=99)
    #: Webhook subscriptions a partner may hold.
    max_subscriptions: int = Field(default=20, ge=1, le=1000)
    #: Connections the feed routes may hold at once (SSE holds one only while querying).
    pool_max: int = Field(default=8, ge=2, le=100)
    profile: Profile = Field(default_factory=lambda: ProfileSettings().profile)
    #: QUANHUB_KAFKA_*: where `kafka` subscriptions get their feed topic and READ ACLs.
    kafka: KafkaSettings = Field(default_factory=KafkaSettings)
    #: QUANHUB_LEDGER_SHARD_INSTANCES: the instances whose shards' events feeds read.
    shard_map: ShardMapSettings = Field(default_factory=ShardMapSettings)

    @model_validator(mode="after")
    def _slots_below_pool(self) -> FeedSettings:
        if self.sse_query_slots >= self.pool_max:
            msg = "sse_query_slots must be below pool_max (the other feed routes need one)"
            raise ValueError(msg)
        return self

    @property
    def private_urls_allowed(self) -> bool:
        """Loopback and private subscriber addresses are accepted in the local profile only."""
        return self.profile is Profile.LOCAL


@runtime_checkable
class SharesAccessListener(Protocol):
    """An app context whose AccessListener the feeds may join (LedgerApiContext)."""

    @property
    def access_listener(self) -> AccessListener | None:
        """The app's LISTEN connection on registry changes, when it has one."""
        ...


@dataclass(slots=True)
class FeedRuntime:
    """Built in the router's lifespan; routes reach it through `feed_runtime(request)`."""

    settings: FeedSettings
    pool: asyncpg.Pool
    notifier: LedgerNotifier
    source: LedgerEventSource
    clock: Clock
    #: Wakes streams when partners or API keys change.
    access: AccessWake
    gate: StreamGate
    #: Grants and revokes a partner's READ on its Kafka feed topic.
    acls: FeedAcls

    @property
    def open_streams(self) -> int:
        """SSE streams currently open (a stream ends, and this drops, when its client leaves)."""
        return self.gate.open_streams


async def feed_runtime(request: Request) -> FeedRuntime:
    """The runtime the feeds lifespan put on the app (async: FastAPI would run a plain
    function dependency in a worker thread on every request)."""
    runtime: FeedRuntime = request.app.state.feeds
    return runtime


def feeds_lifespan(
    database: DatabaseSettings,
    settings: FeedSettings | None,
    clock: Clock | None,
    acls: FeedAcls | None = None,
) -> Callable[[FastAPI], AbstractAsyncContextManager[None]]:
    """A lifespan that opens the feeds' pool and LISTEN connection, and closes them.

    Registry changes reach the streams through the app's `AccessListener` (its context's
    `access_listener`, started by the app's own lifespan, which runs first); an app
    without one gets one of the feeds' own, closed with them.
    """

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        feed_settings = settings or FeedSettings()
        pool = await create_pool(
            database.model_copy(update={"pool_min": 1, "pool_max": feed_settings.pool_max})
        )
        shard_map = feed_settings.shard_map.of(database)
        notifier = LedgerNotifier(database.url)
        access = AccessWake()
        context = getattr(app.state, "context", None)
        shared = context.access_listener if isinstance(context, SharesAccessListener) else None
        own: AccessListener | None = None
        if shared is not None:
            shared.add(access)
        else:
            own = AccessListener(database.url, access)
        try:
            async with open_shard_readers(
                shard_map, pool_max=feed_settings.sse_query_slots
            ) as readers:
                await notifier.start()
                if own is not None:
                    await own.start(wait=10.0)
                app.state.feeds = FeedRuntime(
                    feed_settings,
                    pool,
                    notifier,
                    LedgerEventSource(readers),
                    clock or SystemClock(),
                    access,
                    StreamGate(
                        per_partner=feed_settings.sse_streams_per_partner,
                        query_slots=feed_settings.sse_query_slots,
                        total=feed_settings.sse_streams_total,
                    ),
                    acls
                    or KafkaFeedAcls(
                        feed_settings.kafka,
                        without_authorizer_ok=feed_settings.profile is Profile.LOCAL,
                    ),
                )
                yield
        finally:
            if own is not None:
                await own.close()
            await notifier.close()
            await pool.close()

    return lifespan
