"""One partner's catch-up SSE streams do not slow other partners' feed routes.

Twenty streams of one partner replay a backlog while another partner lists its
subscriptions: the listing must stay fast (before: its p50 rose from ~3 ms to ~570 ms,
every feed pool connection busy with catch-up queries)."""

from __future__ import annotations

import asyncio
import statistics
import time
from collections.abc import Callable

import asyncpg
import httpx
import pytest

from quanhub.common.access import Role
from quanhub.common.settings import DatabaseSettings
from quanhub.ledger.feeds.runtime import FeedSettings

from .api_app import make_app, serving
from .support import append_to_ledger, order_event
from .test_sse import messages

pytestmark = pytest.mark.integration
STREAMS = 20
BACKLOG = 4000


async def _listing_ms(
    client: httpx.AsyncClient, key: str, *, count: int, while_: Callable[[], bool] | None = None
) -> list[float]:
    """Milliseconds of sequential listings: `count` of them, and more while `while_()`
    holds (for at most 30 s)."""
    took: list[float] = []
    deadline = time.monotonic() + 30
    while len(took) < count or (while_ is not None and while_() and time.monotonic() < deadline):
        started = time.perf_counter()
        response = await client.get("/v1/subscriptions", headers={"Authorization": f"Bearer {key}"})
        took.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200
    return took


async def test_catch_up_streams_of_one_partner_leave_other_routes_fast(
    pool: asyncpg.Pool, database_settings: DatabaseSettings, make_partner
) -> None:
    heavy, heavy_key = await make_partner(Role.PLATFORM)
    _, light_key = await make_partner(Role.PLATFORM)
    async with pool.acquire() as conn:
        start = int(await conn.fetchval("SELECT last_seq FROM ledger_sequence") or 0)
    for chunk in range(0, BACKLOG, 500):
        await append_to_ledger(
            pool,
            [order_event(heavy.partner_code, f"BK{chunk + n:06d}") for n in range(500)],
        )
    # The cap is raised so that twenty streams open: this measures the query turns alone.
    settings = FeedSettings(heartbeat_seconds=30, sse_streams_per_partner=STREAMS)
    app = make_app(database_settings, settings)
    received = [0] * STREAMS

    async def catch_up(n: int, client: httpx.AsyncClient) -> None:
        headers = {"Authorization": f"Bearer {heavy_key}"}
        params = {"after": str(start)}
        async with client.stream("GET", "/v1/feed", headers=headers, params=params) as response:
            assert response.status_code == 200
            async for message in messages(response):
                if message.data is not None:
                    received[n] += 1

    async with serving(app) as base, httpx.AsyncClient(base_url=base, timeout=60) as client:
        await _listing_ms(client, light_key, count=3)  # warm the authentication cache
        baseline = await _listing_ms(client, light_key, count=10)
        readers = [asyncio.create_task(catch_up(n, client)) for n in range(STREAMS)]

        def catching_up() -> bool:
            return any(r < BACKLOG for r in received)

        loaded = await _listing_ms(client, light_key, count=3, while_=catching_up)
        busy = sum(1 for r in received if r < BACKLOG)
        for reader in readers:
            reader.cancel()
        await asyncio.gather(*readers, return_exceptions=True)
    p50_before, p50_during = statistics.median(baseline), statistics.median(loaded)
    print(  # noqa: T201 - the figure the docs quote
        f"/v1/subscriptions p50 {p50_before:.1f} ms idle, {p50_during:.1f} ms during "
        f"catch-up (max {max(loaded):.1f} ms, {len(loaded)} requests); streams still "
        f"catching up at the end: {busy}"
    )
    assert sum(received) > 0  # the streams were catching up meanwhile
    assert p50_during < 150.0
