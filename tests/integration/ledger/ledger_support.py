"""Helpers the ledger integration tests share (kept out of conftest so imports are plain)."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import asyncpg
import httpx
import pytest

from quanhub.canonical.v1 import canonical_pb2 as cpb
from quanhub.common.settings import DatabaseSettings, KafkaSettings
from quanhub.ledger.decode import decode
from quanhub.ledger.settings import LedgerConsumerSettings
from quanhub.ledger.store.projector import project
from quanhub.ledger.store.writer import Position, prepare, write_batch

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
