"""The feeds are mounted in the real ledger API app (create_app), not only in test apps."""

from __future__ import annotations

import asyncio
import time

import asyncpg
import httpx
import pytest

from quanhub.common.access import Role, disable_partner
from quanhub.common.settings import DatabaseSettings
from quanhub.ledger.api.app import create_app
from quanhub.ledger.settings import LedgerApiSettings

from .api_app import serving
from .support import append_to_ledger, parcel_event, wait_until
from .test_sse import _head, messages

pytestmark = pytest.mark.integration


async def test_ledger_api_serves_feed_and_subscriptions(
    pool: asyncpg.Pool, database_settings: DatabaseSettings, make_partner
) -> None:
    carrier, key = await make_partner(Role.CARRIER)
    auth = {"Authorization": f"Bearer {key}"}
    start = await _head(pool)
    (seq,) = await append_to_ledger(pool, [parcel_event(carrier.partner_code, "M000111", 1)])
    app = create_app(LedgerApiSettings(database=database_settings))
    async with serving(app) as base, httpx.AsyncClient(base_url=base, timeout=10) as client:
        created = await client.post(
            "/v1/subscriptions", json={"url": "http://127.0.0.1:9/hook"}, headers=auth
        )
        assert created.status_code == 201, created.text
        async with client.stream(
            "GET", "/v1/feed", params={"after": str(start)}, headers=auth
        ) as response:
            async for message in messages(response):
                if message.data is not None:
                    assert message.data["seq"] == seq
                    break
        openapi = (await client.get("/openapi.json")).json()
        assert "/v1/feed" in openapi["paths"]
        assert "/v1/subscriptions/{subscription_id}/replay" in openapi["paths"]


async def _access_listeners(pool: asyncpg.Pool) -> set[int]:
    """Backends of this database whose last statement is LISTEN on `quanhub_access` (the
    AccessListener's pings replace it after a few seconds; a listener that never pings
    keeps it)."""
    rows = await pool.fetch(
        "SELECT pid FROM pg_stat_activity WHERE datname = current_database()"
        " AND query = 'LISTEN \"quanhub_access\"'"
    )
    return {int(row["pid"]) for row in rows}


async def test_ledger_api_streams_reauthorise_through_its_one_access_listener(
    pool: asyncpg.Pool, database_settings: DatabaseSettings, make_partner
) -> None:
    """The API process holds one LISTEN on `quanhub_access`, the authenticator's; the open
    streams are woken by it: disabling the partner ends its stream at once."""
    platform, key = await make_partner(Role.PLATFORM)
    auth = {"Authorization": f"Bearer {key}"}
    app = create_app(LedgerApiSettings(database=database_settings))
    async with serving(app) as base, httpx.AsyncClient(base_url=base, timeout=30) as client:
        listener_pid = app.state.context.access_listener.backend_pid
        assert listener_pid is not None
        assert await _access_listeners(pool) <= {listener_pid}
        async with client.stream(
            "GET", "/v1/feed", params={"after": str(await _head(pool))}, headers=auth
        ) as response:
            assert response.status_code == 200
            got: list[object] = []

            async def drain() -> None:
                async for message in messages(response):
                    got.append(message)

            reader = asyncio.create_task(drain())

            async def streaming() -> bool:
                return bool(got)

            await wait_until(streaming, within=10)  # the stream is past its first step
            await disable_partner(pool, platform.partner_code)
            disabled_at = time.monotonic()
            await asyncio.wait_for(reader, timeout=10)
    # Far below the 30 s periodic re-check: the change was heard.
    assert time.monotonic() - disabled_at < 5.0
