"""Helpers the ledger integration tests share (kept out of conftest so imports are plain)."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import asyncpg
import httpx
import pytest
from fastapi import FastAPI

from quanhub.canonical.v1 import canonical_pb2 as cpb
from quanhub.common.access import Role, create_partner
from quanhub.common.clock import Clock, FixedClock
from quanhub.common.kafka import ensure_topics
from quanhub.common.settings import DatabaseSettings, KafkaSettings
from quanhub.common.topics import Topics, TopicSpec
from quanhub.ledger.api.app import create_app
from quanhub.ledger.decode import decode
from quanhub.ledger.settings import (
    LedgerApiSettings,
    LedgerConsumerSettings,
    ShardMapSettings,
    ShardRouteSettings,
)
from quanhub.ledger.store.projector import project
from quanhub.ledger.store.writer import Position, prepare, write_batch

#: (code, role, customs registration code) of the partners ledger tests use.
PARTNERS = (
    ("TMALL", Role.PLATFORM, "3701PT0001"),
    ("JD", Role.PLATFORM, "3701PT0002"),
    ("SF", Role.CARRIER, "3701LG0001"),
    ("ZTO", Role.CARRIER, "3701LG0002"),
    ("JNAGENT", Role.CUSTOMS_AGENT, "3701AG0001"),
    ("QCCUSTOMS", Role.CUSTOMS_LIAISON, None),
    ("JNCOMMERCE", Role.ANALYST, None),
    ("ADMIN", Role.ADMIN, None),
)

#: Events readers can see: appended and projected (up to ledger_sequence).
VISIBLE_EVENTS = (
    "SELECT count(*) FROM ledger_events WHERE seq <= (SELECT last_seq FROM ledger_sequence)"
)


def consumer_settings(
    kafka: KafkaSettings, database: DatabaseSettings, **overrides: Any
) -> LedgerConsumerSettings:
    """A ledger consumer's settings for a test: its own group, short polls."""
    defaults = {"group_id": f"ledger-test-{uuid.uuid4().hex[:8]}", "poll_timeout_ms": 50}
    return LedgerConsumerSettings(kafka=kafka, database=database, **{**defaults, **overrides})


async def append_and_project(
    pool: asyncpg.Pool, events: list[cpb.CanonicalEvent], *, now: datetime, topic: str = "t"
) -> None:
    """Append the events in one batch and project them, as the consumer would: read from
    `topic` (partition 0, offsets from 0) and recorded at `now`."""
    rows = [
        decode(e.SerializeToString(), topic=topic, partition=0, offset=i, recorded_at=now)
        for i, e in enumerate(events)
    ]
    async with pool.acquire() as conn:
        await prepare(conn)
        await write_batch(
            conn, rows, group_id="g", positions=[Position(topic, 0, len(rows))], now=now
        )
        await project(conn)


@dataclass
class Api:
    """The query API in process, and each test partner's API key."""

    client: httpx.AsyncClient
    keys: dict[str, str]

    async def get(self, path: str, partner: str) -> httpx.Response:
        return await self.client.get(
            path, headers={"Authorization": f"Bearer {self.keys[partner]}"}
        )


async def wait_for(
    check: Callable[[], Awaitable[bool]],
    *,
    timeout: float = 60.0,
    what: str = "condition",
    max_delay: float = 0.5,
) -> None:
    """Poll `check` until it holds, failing after `timeout` seconds (never a fixed sleep);
    the pause between polls doubles from 50 ms up to `max_delay` (lower it to catch a
    short-lived state)."""
    deadline = time.monotonic() + timeout
    delay = min(0.05, max_delay)
    while not await check():
        if time.monotonic() > deadline:
            pytest.fail(f"timed out after {timeout}s waiting for {what}")
        await asyncio.sleep(delay)
        delay = min(delay * 2, max_delay)


async def register_partners(pool: asyncpg.Pool, clock: Clock) -> dict[str, str]:
    """Register PARTNERS; each one's API key by code."""
    keys: dict[str, str] = {}
    for code, role, customs_code in PARTNERS:
        _, issued = await create_partner(
            pool, code=code, role=role, name=code.title(), customs_code=customs_code, clock=clock
        )
        keys[code] = issued.api_key
    return keys


@asynccontextmanager
async def serve_in_process(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    """A client of `app` in process, its lifespan (start-up work included) entered."""
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://ledger") as client:
            yield client


def api_settings(
    home: DatabaseSettings,
    second: DatabaseSettings | None = None,
    *,
    shards: int,
    partitions: int,
) -> LedgerApiSettings:
    """The query API's settings over `home` alone, or over `home` and `second` holding a
    ledger of `shards` shards over `partitions` canonical partitions."""
    if second is None:
        return LedgerApiSettings(database=home, auth_cache_seconds=0)
    return LedgerApiSettings(
        database=home,
        auth_cache_seconds=0,
        shard_map=ShardMapSettings(shard_instances=[second.url]),
        shard_route=ShardRouteSettings(shards=shards, canonical_partitions=partitions),
    )


async def all_pages(api: Api, path: str, code: str) -> list[tuple[int, Any]]:
    """Every page of the list at `path` (its query included), as partner `code` reads it:
    each page's status and body."""
    pages: list[tuple[int, Any]] = []
    cursor = ""
    while True:
        response = await api.get(f"{path}{cursor}", code)
        pages.append((response.status_code, response.json()))
        following = response.json().get("next_cursor") if response.status_code == 200 else None
        if not following:
            return pages
        cursor = f"&cursor={following}"


@asynccontextmanager
async def api_with_partners(settings: LedgerApiSettings, now: datetime) -> AsyncIterator[Api]:
    """The query API over `settings` (its clock fixed at `now`), the test partners
    registered on its home instance only."""
    clock = FixedClock(now)
    pool = await asyncpg.create_pool(settings.database.url, min_size=1, max_size=2)
    try:
        keys = await register_partners(pool, clock)
        async with serve_in_process(create_app(settings, clock=clock)) as client:
            yield Api(client, keys)
    finally:
        await pool.close()


async def partitioned_kafka(kafka: KafkaSettings, suffix: str, partitions: int) -> KafkaSettings:
    """`kafka` with a canonical topic of its own (namespace + `suffix`, created here) of
    `partitions` partitions."""
    settings = kafka.model_copy(
        update={
            "topic_namespace": f"{kafka.topic_namespace}{suffix}",
            "partitions": partitions,
            "canonical_partitions": partitions,
        }
    )
    spec = TopicSpec(Topics(settings).canonical, partitions, settings.retention_ms)
    await ensure_topics(settings, [spec])
    return settings


async def total(pools: Sequence[asyncpg.Pool], sql: str) -> int:
    """`sql`'s count summed over the instances' pools."""
    return sum([int(await pool.fetchval(sql)) for pool in pools])
