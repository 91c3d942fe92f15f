"""A partner disabled, or a key revoked or rotated away, stops publishing at once.

The gateway caches key verdicts for 15 s (its default); each gateway process listens on
`quanhub_access` and drops them when the registry changes, so the next publish answers 401
within a second or two, in every process, not after the cache's lifetime.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
import uuid
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import asyncpg
import httpx
import pytest
from gateway_stack import gateway_settings, serve

from quanhub.common.access import Role, create_partner, disable_partner, rotate_key
from quanhub.common.clock import SystemClock
from quanhub.common.settings import DatabaseSettings, KafkaSettings
from quanhub.common.topics import Topics

pytestmark = pytest.mark.integration

#: Seconds within which a change must show: well under the 15 s cache, room for a slow CI.
PROMPT = 2.5


@contextlib.asynccontextmanager
async def _gateways(
    kafka: KafkaSettings, database: DatabaseSettings, count: int
) -> AsyncIterator[list[httpx.AsyncClient]]:
    """`count` gateway apps, as `count` worker processes would run: each its own cache."""
    settings = gateway_settings(kafka, database, auth_cache_seconds=15)
    async with contextlib.AsyncExitStack() as stack:
        clients = [
            await stack.enter_async_context(contextlib.asynccontextmanager(serve)(settings))
            for _ in range(count)
        ]
        yield clients


def _order(platform: str) -> dict[str, Any]:
    order_no = uuid.uuid4().hex[:12].upper()
    return {
        "events": [
            {
                "event_id": f"{platform}-{order_no}",
                "occurred_at": "2026-11-28T08:00:00Z",
                "order": {
                    "platform_code": platform,
                    "order_no": order_no,
                    "code_system": "quanhub",
                    "code": "PAID",
                    "currency": "CNY",
                    "actual_paid": "19.00",
                },
            }
        ]
    }


async def _publish(gateway: httpx.AsyncClient, platform: str, key: str) -> int:
    response = await gateway.post(
        "/v1/events", json=_order(platform), headers={"Authorization": f"Bearer {key}"}
    )
    return response.status_code


async def _until_refused(gateway: httpx.AsyncClient, platform: str, key: str) -> None:
    start = time.monotonic()
    while time.monotonic() - start < PROMPT:
        if (status := await _publish(gateway, platform, key)) == 401:
            return
        assert status == 202
        await asyncio.sleep(0.05)
    pytest.fail(f"the gateway still accepted the key {PROMPT} s after the change")


async def _platform(database: DatabaseSettings) -> tuple[str, str, asyncpg.Pool]:
    pool = await asyncpg.create_pool(database.url, min_size=1, max_size=2)
    assert pool is not None
    code = f"P{uuid.uuid4().hex[:8].upper()}"
    _, issued = await create_partner(
        pool, code=code, role=Role.PLATFORM, name="P", clock=SystemClock()
    )
    return code, issued.api_key, pool


async def _revoke(pool: asyncpg.Pool, code: str) -> None:
    """Revoke every key of the partner (by hand: the CLI has no revoke command)."""
    await pool.execute("UPDATE api_keys SET revoked = true WHERE partner_code = $1", code)


@pytest.mark.parametrize("change", ["disable", "revoke", "rotate"])
async def test_every_gateway_process_refuses_a_changed_key_within_seconds(
    kafka_settings: KafkaSettings,
    database_settings: DatabaseSettings,
    raw_topics: Topics,
    change: str,
) -> None:
    code, api_key, pool = await _platform(database_settings)
    try:
        async with _gateways(kafka_settings, database_settings, 2) as gateways:
            for gateway in gateways:
                assert await _publish(gateway, code, api_key) == 202
                assert await _publish(gateway, code, api_key) == 202  # now cached
            new_key = None
            if change == "disable":
                await disable_partner(pool, code)
            elif change == "revoke":
                await _revoke(pool, code)
            else:
                issued = await rotate_key(pool, code, grace=timedelta(0), clock=SystemClock())
                new_key = issued.api_key
            for gateway in gateways:
                await _until_refused(gateway, code, api_key)
                if new_key is not None:
                    assert await _publish(gateway, code, new_key) == 202
    finally:
        await pool.close()
