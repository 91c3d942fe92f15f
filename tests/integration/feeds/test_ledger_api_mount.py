"""The feeds are mounted in the real ledger API app (create_app), not only in test apps."""

from __future__ import annotations

import asyncpg
import httpx
import pytest

from quanhub.common.access import Role
from quanhub.common.settings import DatabaseSettings
from quanhub.ledger.api.app import create_app
from quanhub.ledger.settings import LedgerApiSettings

from .api_app import serving
from .support import append_to_ledger, parcel_event
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
