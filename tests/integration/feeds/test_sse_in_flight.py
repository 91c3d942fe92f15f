"""Open SSE streams do not fill a process's request in-flight bound: they have their own
caps (per partner, per process), and ordinary requests of every partner still answer.
Real HTTP through quanhub.common.server (as the ledger API is served), real PostgreSQL."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

import httpx
import pytest

from quanhub.common.access import Role
from quanhub.common.server import HttpServerSettings
from quanhub.common.settings import DatabaseSettings
from quanhub.ledger.feeds.runtime import FeedSettings

from .api_app import make_app, serving
from .support import wait_until

pytestmark = pytest.mark.integration
IN_FLIGHT = 4
STREAMERS = 3
STREAMS_EACH = 2


@contextlib.asynccontextmanager
async def _open_streams(
    client: httpx.AsyncClient, keys: list[str], each: int
) -> AsyncIterator[list[httpx.Response]]:
    """`each` streams per key, open (status known, body unread) for the block."""
    opened: list[httpx.Response] = []
    try:
        for key in keys:
            for _ in range(each):
                request = client.build_request(
                    "GET", "/v1/feed", headers={"Authorization": f"Bearer {key}"}
                )
                opened.append(await client.send(request, stream=True))
        yield opened
    finally:
        for response in opened:
            await response.aclose()


async def test_open_streams_do_not_take_the_request_in_flight_bound(
    database_settings: DatabaseSettings, make_partner
) -> None:
    """Six streams of three partners, with room for four requests in flight: every stream
    opens, and another partner's ordinary requests (and the streamers' own) answer 200."""
    keys = [(await make_partner(Role.PLATFORM))[1] for _ in range(STREAMERS)]
    _, other_key = await make_partner(Role.CARRIER)
    app = make_app(database_settings, FeedSettings(heartbeat_seconds=1.0))
    http = HttpServerSettings(max_in_flight=IN_FLIGHT)
    async with (
        serving(app, http) as base,
        httpx.AsyncClient(base_url=base, timeout=30) as streams,
        httpx.AsyncClient(base_url=base, timeout=30) as client,
        _open_streams(streams, keys, STREAMS_EACH) as opened,
    ):
        statuses = [r.status_code for r in opened]
        await asyncio.sleep(0.3)  # the streams are running, past their first step
        answers = [
            (
                await client.get("/v1/subscriptions", headers={"Authorization": f"Bearer {key}"})
            ).status_code
            for key in [other_key, *keys, other_key]
        ]
    assert statuses == [200] * STREAMERS * STREAMS_EACH
    assert answers == [200] * (STREAMERS + 2)


async def test_streams_of_all_partners_are_capped_per_process(
    database_settings: DatabaseSettings, make_partner
) -> None:
    """Beyond QUANHUB_FEEDS_SSE_STREAMS_TOTAL open streams, over all partners, a new one
    gets 503 problem details with Retry-After (the process is not exhausted by streams),
    ordinary requests still answer, and a closed stream frees its place."""
    keys = [(await make_partner(Role.PLATFORM))[1] for _ in range(STREAMERS)]
    _, late_key = await make_partner(Role.PLATFORM)
    total = STREAMERS * STREAMS_EACH
    app = make_app(
        database_settings,
        FeedSettings(heartbeat_seconds=1.0, sse_streams_per_partner=2, sse_streams_total=total),
    )
    late = {"Authorization": f"Bearer {late_key}"}
    async with (
        serving(app, HttpServerSettings(max_in_flight=IN_FLIGHT)) as base,
        httpx.AsyncClient(base_url=base, timeout=30) as streams,
        httpx.AsyncClient(base_url=base, timeout=30) as client,
        _open_streams(streams, keys, STREAMS_EACH) as opened,
    ):
        assert [r.status_code for r in opened] == [200] * total
        refused = await client.get("/v1/feed", headers=late)
        ordinary = await client.get("/v1/subscriptions", headers=late)
        await opened[0].aclose()

        async def admitted() -> bool:
            async with client.stream("GET", "/v1/feed", headers=late) as again:
                return again.status_code == 200

        await wait_until(admitted, within=10)
    assert refused.status_code == 503
    assert refused.headers["content-type"].startswith("application/problem+json")
    assert refused.json()["code"] == "streams_full"
    assert int(refused.headers["retry-after"]) >= 1
    assert ordinary.status_code == 200
