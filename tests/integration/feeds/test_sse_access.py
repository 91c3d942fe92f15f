"""An open SSE stream lives only as long as its key: disable, rotation and expiry end it;
streams have a maximum lifetime and a per-partner cap. Real HTTP, real PostgreSQL."""

from __future__ import annotations

import asyncio
import time
from datetime import timedelta

import asyncpg
import httpx
import pytest

from quanhub.common.access import Role, disable_partner, rotate_key
from quanhub.common.clock import SystemClock
from quanhub.common.settings import DatabaseSettings
from quanhub.ledger.feeds.runtime import FeedSettings

from .api_app import make_app, serving
from .support import append_to_ledger, order_event, wait_until
from .test_sse import Message, messages

pytestmark = pytest.mark.integration


async def _head(pool: asyncpg.Pool) -> int:
    async with pool.acquire() as conn:
        return int(await conn.fetchval("SELECT last_seq FROM ledger_sequence") or 0)


async def _drain(response: httpx.Response, into: list[Message]) -> None:
    async for message in messages(response):
        into.append(message)


async def test_disabling_a_partner_ends_its_open_stream_at_once(
    pool: asyncpg.Pool, database_settings: DatabaseSettings, make_partner
) -> None:
    platform, key = await make_partner(Role.PLATFORM)
    app = make_app(database_settings, FeedSettings(heartbeat_seconds=0.5))
    auth = {"Authorization": f"Bearer {key}"}
    async with serving(app) as base, httpx.AsyncClient(base_url=base, timeout=60) as client:
        start = await _head(pool)
        async with client.stream(
            "GET", "/v1/feed", headers=auth, params={"after": str(start)}
        ) as response:
            assert response.status_code == 200
            got: list[Message] = []
            reader = asyncio.create_task(_drain(response, got))
            await append_to_ledger(pool, [order_event(platform.partner_code, "DIS0001")])

            async def first_arrived() -> bool:
                return any(m.data is not None for m in got)

            await wait_until(first_arrived, within=10)
            await disable_partner(pool, platform.partner_code)
            disabled_at = time.monotonic()
            await append_to_ledger(pool, [order_event(platform.partner_code, "DIS0002")])
            # Far below the 30 s periodic re-check: the change is announced.
            await asyncio.wait_for(reader, timeout=10)
            lived = time.monotonic() - disabled_at
    orders = [m.data["order_no"] for m in got if m.data is not None]
    assert orders == ["DIS0001"]
    assert lived < 5.0


async def test_a_rotated_key_stops_streaming_when_its_grace_ends(
    pool: asyncpg.Pool, database_settings: DatabaseSettings, make_partner
) -> None:
    """The rotation is announced while the old key is still valid; its expiry two seconds
    later is announced by nobody: the periodic re-check must catch it."""
    platform, key = await make_partner(Role.PLATFORM)
    settings = FeedSettings(heartbeat_seconds=0.5, sse_reauth_seconds=1.0)
    app = make_app(database_settings, settings)
    auth = {"Authorization": f"Bearer {key}"}
    async with serving(app) as base, httpx.AsyncClient(base_url=base, timeout=60) as client:
        async with client.stream("GET", "/v1/feed", headers=auth) as response:
            assert response.status_code == 200
            got: list[Message] = []
            reader = asyncio.create_task(_drain(response, got))
            await rotate_key(
                pool, platform.partner_code, grace=timedelta(seconds=2), clock=SystemClock()
            )
            rotated_at = time.monotonic()
            await asyncio.sleep(0.5)
            assert not reader.done()  # still within the grace period
            await asyncio.wait_for(reader, timeout=15)
            lived = time.monotonic() - rotated_at
        # A new stream with the expired key is refused at once, although the API's short
        # authentication cache still holds the old verdict: opening checks the registry.
        async with client.stream("GET", "/v1/feed", headers=auth) as response:
            await asyncio.wait_for(response.aread(), timeout=5)
            assert response.status_code == 401
    assert 1.5 < lived < 6.0


async def test_a_stream_ends_at_its_maximum_lifetime_and_resumes_without_gap(
    pool: asyncpg.Pool, database_settings: DatabaseSettings, make_partner
) -> None:
    platform, key = await make_partner(Role.PLATFORM)
    settings = FeedSettings(heartbeat_seconds=0.3, sse_max_lifetime_seconds=1.5)
    app = make_app(database_settings, settings)
    auth = {"Authorization": f"Bearer {key}"}
    start = await _head(pool)
    seqs = await append_to_ledger(
        pool, [order_event(platform.partner_code, f"LIFE{n:03d}") for n in range(3)]
    )
    async with serving(app) as base, httpx.AsyncClient(base_url=base, timeout=60) as client:
        got: list[Message] = []
        opened = time.monotonic()
        async with client.stream(
            "GET", "/v1/feed", headers=auth, params={"after": str(start)}
        ) as response:
            await asyncio.wait_for(_drain(response, got), timeout=10)
        lived = time.monotonic() - opened
        last_id = [m.id for m in got if m.id is not None][-1]
        more = await append_to_ledger(pool, [order_event(platform.partner_code, "LIFE999")])
        resumed: list[Message] = []
        async with client.stream(
            "GET", "/v1/feed", headers={**auth, "Last-Event-ID": last_id}
        ) as response:
            await asyncio.wait_for(_drain(response, resumed), timeout=10)
    assert 1.2 < lived < 5.0
    received = [m.data["seq"] for m in got + resumed if m.data is not None]
    assert received == seqs + more


async def test_a_partner_holds_at_most_the_cap_of_open_streams(
    pool: asyncpg.Pool, database_settings: DatabaseSettings, make_partner
) -> None:
    _, key = await make_partner(Role.PLATFORM)
    _, other_key = await make_partner(Role.PLATFORM)
    app = make_app(database_settings, FeedSettings(heartbeat_seconds=5, sse_streams_per_partner=2))
    auth = {"Authorization": f"Bearer {key}"}
    async with serving(app) as base, httpx.AsyncClient(base_url=base, timeout=30) as client:
        first = await client.send(
            client.build_request("GET", "/v1/feed", headers=auth), stream=True
        )
        second = await client.send(
            client.build_request("GET", "/v1/feed", headers=auth), stream=True
        )
        assert (first.status_code, second.status_code) == (200, 200)
        third = await client.send(
            client.build_request("GET", "/v1/feed", headers=auth), stream=True
        )
        await asyncio.wait_for(third.aread(), timeout=10)  # a refusal has a finite body
        assert third.status_code == 429
        assert third.headers["content-type"].startswith("application/problem+json")
        assert third.json()["code"] == "too_many_streams"
        assert int(third.headers["retry-after"]) >= 1
        other = await client.send(
            client.build_request(
                "GET", "/v1/feed", headers={"Authorization": f"Bearer {other_key}"}
            ),
            stream=True,
        )
        assert other.status_code == 200  # another partner is not affected
        await other.aclose()
        await first.aclose()

        async def slot_freed() -> bool:
            again = await client.send(
                client.build_request("GET", "/v1/feed", headers=auth), stream=True
            )
            if again.status_code == 200:
                await again.aclose()
                return True
            await again.aclose()
            return False

        await wait_until(slot_freed, within=10)
        await second.aclose()


async def test_a_new_stream_of_a_just_disabled_partner_is_refused_at_once(
    pool: asyncpg.Pool, database_settings: DatabaseSettings, make_partner
) -> None:
    """The API's authentication cache still holds the partner's key as valid (a request a
    moment before warmed it): opening a stream checks the key afresh, so it is a 401, not
    a 200 stream that ends at its first step."""
    platform, key = await make_partner(Role.PLATFORM)
    app = make_app(database_settings, FeedSettings(heartbeat_seconds=0.5))
    auth = {"Authorization": f"Bearer {key}"}
    async with serving(app) as base, httpx.AsyncClient(base_url=base, timeout=30) as client:
        assert (await client.get("/v1/subscriptions", headers=auth)).status_code == 200
        await disable_partner(pool, platform.partner_code)
        async with client.stream("GET", "/v1/feed", headers=auth) as response:
            await asyncio.wait_for(response.aread(), timeout=5)  # a refusal has an end
        cached = await client.get("/v1/subscriptions", headers=auth)
    assert response.status_code == 401
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["code"] == "unauthenticated"
    assert cached.status_code == 200  # a read within the cache's lifetime (documented)


async def test_a_revoked_key_cannot_change_subscriptions_within_the_auth_cache(
    pool: asyncpg.Pool, database_settings: DatabaseSettings, make_partner
) -> None:
    """A stolen key revoked by its operator must not create a subscription to its own URL
    (which would go on receiving the partner's events), nor delete, resume or replay one,
    in the seconds the API still caches its verdict."""
    platform, key = await make_partner(Role.PLATFORM)
    _, keep_key = await make_partner(Role.PLATFORM)
    app = make_app(database_settings, FeedSettings())
    auth = {"Authorization": f"Bearer {key}"}
    async with serving(app) as base, httpx.AsyncClient(base_url=base, timeout=30) as client:
        made = await client.post(
            "/v1/subscriptions", headers=auth, json={"url": "http://127.0.0.1:9/hook"}
        )
        assert made.status_code == 201
        sub = made.json()["id"]
        async with pool.acquire() as conn:
            await conn.execute(
                "UPDATE api_keys SET revoked = true WHERE partner_code = $1",
                platform.partner_code,
            )
        answers = [
            (
                await client.post(
                    "/v1/subscriptions", headers=auth, json={"url": "http://127.0.0.1:9/evil"}
                )
            ).status_code,
            (await client.post(f"/v1/subscriptions/{sub}/resume", headers=auth)).status_code,
            (
                await client.post(
                    f"/v1/subscriptions/{sub}/replay", headers=auth, json={"from_seq": 1}
                )
            ).status_code,
            (await client.delete(f"/v1/subscriptions/{sub}", headers=auth)).status_code,
        ]
        other = await client.post(
            "/v1/subscriptions",
            headers={"Authorization": f"Bearer {keep_key}"},
            json={"url": "http://127.0.0.1:9/hook"},
        )
    assert answers == [401, 401, 401, 401]
    assert other.status_code == 201
    async with pool.acquire() as conn:
        held = await conn.fetchval(
            "SELECT count(*) FROM feed_subscriptions WHERE partner_code = $1 "
            "AND status <> 'deleted'",
            platform.partner_code,
        )
    assert held == 1
