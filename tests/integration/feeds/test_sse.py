"""GET /v1/feed over real HTTP: resumable without gap or duplicate, live, filtered, private."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from dataclasses import dataclass

import asyncpg
import httpx
import orjson
import pytest

from quanhub.common.access import Role
from quanhub.common.settings import DatabaseSettings
from quanhub.ledger.feeds.runtime import FeedSettings
from quanhub.ledger.feeds.source import LedgerEventSource

from .api_app import make_app, serving
from .support import append_to_ledger, parcel_event, wait_until

pytestmark = pytest.mark.integration


@dataclass
class Message:
    id: str | None
    event: str | None
    data: dict[str, object] | None


async def messages(response: httpx.Response) -> AsyncIterator[Message]:
    """Parse an SSE stream per the spec (comments ignored; id-only blocks carry no data)."""
    fields: dict[str, str] = {}
    async for line in response.aiter_lines():
        if line == "":
            if fields:
                data = fields.get("data")
                yield Message(
                    fields.get("id"), fields.get("event"), orjson.loads(data) if data else None
                )
            fields = {}
        elif not line.startswith(":"):
            name, _, value = line.partition(":")
            fields[name] = value.removeprefix(" ")


async def _head(pool: asyncpg.Pool) -> int:
    async with pool.acquire() as conn:
        return await LedgerEventSource().head(conn)


async def read_until(
    client: httpx.AsyncClient, headers: dict[str, str], params: dict[str, str], count: int
) -> tuple[list[dict[str, object]], str | None]:
    """Events received until `count` of them (then disconnect), and the last event id."""
    got: list[dict[str, object]] = []
    last_id: str | None = None
    async with client.stream("GET", "/v1/feed", headers=headers, params=params) as response:
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/event-stream")
        async for message in messages(response):
            if message.id is not None:
                last_id = message.id
            if message.data is not None:
                got.append(message.data)
            if len(got) >= count:
                break
    return got, last_id


async def test_reconnect_with_last_event_id_misses_nothing_and_repeats_nothing(
    pool: asyncpg.Pool, database_settings: DatabaseSettings, make_partner
) -> None:
    carrier, key = await make_partner(Role.CARRIER)
    other, _ = await make_partner(Role.CARRIER)
    start = await _head(pool)
    app = make_app(database_settings, FeedSettings(sse_page_size=7, heartbeat_seconds=30))
    mine: list[int] = []

    async def append(n: int, tag: str) -> None:
        for i in range(n):
            seqs = await append_to_ledger(
                pool,
                [
                    parcel_event(carrier.partner_code, f"{tag}A{i:04d}", i),
                    parcel_event(other.partner_code, f"{tag}B{i:04d}", i),
                ],
            )
            mine.append(seqs[0])

    await append(30, "x")
    auth = {"Authorization": f"Bearer {key}"}
    async with serving(app) as base, httpx.AsyncClient(base_url=base, timeout=10) as client:
        first, last_id = await read_until(client, auth, {"after": str(start)}, 20)
        await append(25, "y")  # committed while the client is away
        assert last_id is not None
        resumed, _ = await read_until(client, {**auth, "Last-Event-ID": last_id}, {}, 35)
        assert [e["seq"] for e in first + resumed] == mine
        assert {e["source_partner"] for e in first + resumed} == {carrier.partner_code}

        # Live: an event committed while connected arrives on the notification, well before
        # the 30 s heartbeat would have prompted another look.
        tail_id = str(mine[-1])
        async with client.stream(
            "GET", "/v1/feed", headers={**auth, "Last-Event-ID": tail_id}
        ) as response:
            stream = messages(response)
            sent_at = time.monotonic()
            await append(1, "z")
            async for message in stream:
                if message.data is not None:
                    break
            assert message.data is not None
            assert message.data["seq"] == mine[-1]
            assert time.monotonic() - sent_at < 3
            assert message.event == "parcel"
            assert "_token" not in orjson.dumps(message.data).decode()

        # Every stream above was closed by the client: each one ended on the server, and
        # no connection stays checked out.
        runtime = app.state.feeds

        async def all_released() -> bool:
            idle = runtime.pool.get_idle_size() == runtime.pool.get_size()
            return idle and runtime.open_streams == 0

        await wait_until(all_released, within=10)


async def test_kinds_filter_and_role_rules(
    pool: asyncpg.Pool, database_settings: DatabaseSettings, make_partner
) -> None:
    carrier, key = await make_partner(Role.CARRIER)
    _, analyst_key = await make_partner(Role.ANALYST)
    start = await _head(pool)
    await append_to_ledger(pool, [parcel_event(carrier.partner_code, "K0001", 1)])
    app = make_app(database_settings, FeedSettings(heartbeat_seconds=0.2))
    async with serving(app) as base, httpx.AsyncClient(base_url=base, timeout=10) as client:
        response = await client.get("/v1/feed", headers={"Authorization": f"Bearer {analyst_key}"})
        assert response.status_code == 403
        response = await client.get("/v1/feed")
        assert response.status_code == 401
        response = await client.get(
            "/v1/feed", params={"kinds": "parcel,bogus"}, headers={"Authorization": f"Bearer {key}"}
        )
        assert response.status_code == 422
        # Only customs wanted: the parcel event is skipped, and a heartbeat's id-only block
        # moves the cursor past it without dispatching anything.
        ids: list[str] = []
        async with client.stream(
            "GET",
            "/v1/feed",
            params={"after": str(start), "kinds": "customs"},
            headers={"Authorization": f"Bearer {key}"},
        ) as response:
            async for message in messages(response):
                assert message.data is None
                if message.id is not None:
                    ids.append(message.id)
                    break
        assert int(ids[0]) >= start + 1
