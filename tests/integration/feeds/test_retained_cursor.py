"""Feeds after retention dropped old partitions of ledger_events: a cursor that would skip
dropped events gets 410 `cursor_expired` (SSE and replay from a seq); one at or past the
last dropped event reads on, and a replay from an instant starts at the oldest kept."""

from __future__ import annotations

import itertools
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import asyncpg
import httpx
import pytest

from quanhub.common.access import Role, create_partner
from quanhub.common.clock import SystemClock
from quanhub.common.db import create_database, create_pool, drop_database
from quanhub.common.settings import DatabaseSettings
from quanhub.ledger.decode import decode
from quanhub.ledger.feeds.runtime import FeedSettings
from quanhub.ledger.store.projector import project_all
from quanhub.ledger.store.retention import partitions_ahead, retain
from quanhub.ledger.store.writer import prepare, write_batch

from .api_app import make_app, serving
from .support import Receiver, order_event, running_receiver
from .test_sse import messages

pytestmark = pytest.mark.integration

_offsets = itertools.count()


@pytest.fixture
async def retained(
    base_database_settings: DatabaseSettings,
) -> AsyncIterator[tuple[DatabaseSettings, str]]:
    """A ledger of its own with TMALL's 30 order events, the first 20 recorded 200 days
    ago in partitions of 10 that retention then dropped; TMALL's API key."""
    name = f"quanhub_feeds_retained_{uuid.uuid4().hex[:10]}"
    settings = await create_database(base_database_settings, name)
    pool = await create_pool(settings)
    try:
        _, key = await create_partner(
            pool, code="TMALL", role=Role.PLATFORM, name="Tmall", clock=SystemClock()
        )
        now = datetime.now(UTC)
        async with pool.acquire() as conn:
            await _small_partitions(conn, 10)
            await prepare(conn)
            for batch, recorded in enumerate((now - timedelta(days=200),) * 4 + (now,) * 2):
                events = [order_event("TMALL", f"R{batch}-{n}") for n in range(5)]
                rows = [
                    decode(
                        e.SerializeToString(),
                        topic="t",
                        partition=0,
                        offset=next(_offsets),
                        recorded_at=recorded,
                    )
                    for e in events
                ]
                await write_batch(conn, rows, group_id="g", positions=[], now=recorded)
            await project_all(conn)
            dropped = await retain(conn, keep_months=3, now=now)
            assert [r.end_seq - 1 for r in dropped if r.dropped] == [10, 20]
        yield settings, key.api_key
    finally:
        await pool.close()
        await drop_database(base_database_settings, name)


async def _small_partitions(conn: asyncpg.Connection, size: int) -> None:
    """Replace the empty ledger's first partitions by ones of `size` seqs."""
    for row in await conn.fetch("SELECT name FROM ledger_partitions"):
        await conn.execute(f'ALTER TABLE ledger_events DETACH PARTITION "{row["name"]}"')
        await conn.execute(f'DROP TABLE "{row["name"]}"')
    await conn.execute("DELETE FROM ledger_partitions")
    await partitions_ahead(conn, size)


async def test_sse_refuses_a_cursor_into_dropped_events(
    retained: tuple[DatabaseSettings, str],
) -> None:
    database, key = retained
    auth = {"Authorization": f"Bearer {key}"}
    app = make_app(database, FeedSettings(heartbeat_seconds=30))
    async with serving(app) as base, httpx.AsyncClient(base_url=base, timeout=10) as client:
        for cursor in ("0", "5", "19"):
            gone = await client.get("/v1/feed", headers={**auth, "Last-Event-ID": cursor})
            assert gone.status_code == 410, cursor
            assert gone.json()["code"] == "cursor_expired"
            assert "up to 20" in gone.json()["detail"]
        gone = await client.get("/v1/feed", headers=auth, params={"after": "3"})
        assert gone.status_code == 410

        async with client.stream(
            "GET", "/v1/feed", headers={**auth, "Last-Event-ID": "20"}
        ) as response:
            assert response.status_code == 200
            seqs: list[int] = []
            async for message in messages(response):
                if message.data is not None:
                    seqs.append(int(str(message.data["seq"])))
                if len(seqs) == 10:
                    break
        assert seqs == list(range(21, 31))


async def test_replay_from_a_dropped_seq_is_refused(
    retained: tuple[DatabaseSettings, str],
) -> None:
    database, key = retained
    auth = {"Authorization": f"Bearer {key}"}
    app = make_app(database, FeedSettings())
    async with (
        running_receiver(Receiver()) as receiver,
        serving(app) as base,
        httpx.AsyncClient(base_url=base, timeout=10) as client,
    ):
        created = await client.post("/v1/subscriptions", json={"url": receiver.url}, headers=auth)
        assert created.status_code == 201, created.text
        replay = f"/v1/subscriptions/{created.json()['id']}/replay"
        gone = await client.post(replay, json={"from_seq": 20}, headers=auth)
        assert gone.status_code == 410
        assert gone.json()["code"] == "cursor_expired"
        assert (await client.post(replay, json={"from_seq": 21}, headers=auth)).status_code == 200
        since = (datetime.now(UTC) - timedelta(days=365)).isoformat()
        assert (await client.post(replay, json={"since": since}, headers=auth)).status_code == 200
