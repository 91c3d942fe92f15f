"""Fixtures for feed tests: a pool on the session's database, partners to subscribe as."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator

import asyncpg
import pytest

from quanhub.common.access import Principal, Role, create_partner, generate_key, hash_key
from quanhub.common.clock import SystemClock
from quanhub.common.settings import DatabaseSettings


@pytest.fixture(scope="session")
async def pool(database_settings: DatabaseSettings) -> AsyncIterator[asyncpg.Pool]:
    """A pool on the session's migrated database."""
    created = await asyncpg.create_pool(database_settings.url, min_size=1, max_size=10)
    assert created is not None
    yield created
    await created.close()


async def _test_carrier(
    pool: asyncpg.Pool, code: str, customs_code: str | None
) -> tuple[Principal, str]:
    """A carrier of this test alone, written to the registry's tables directly: feed tests
    need more carriers than the hub knows, each new, and the registry registers only known
    carriers, once each (tests/integration/access covers that rule). Feeds read a carrier's
    identity from these rows, as they would from a registered one."""
    key_id, api_key = generate_key()
    async with pool.acquire() as conn, conn.transaction():
        await conn.execute(
            "INSERT INTO partners (code, role, name, customs_code) VALUES ($1, $2, $3, $4)",
            code,
            Role.CARRIER.value,
            f"test {code}",
            customs_code,
        )
        await conn.execute(
            "INSERT INTO api_keys (id, partner_code, key_hash) VALUES ($1, $2, $3)",
            key_id,
            code,
            hash_key(api_key),
        )
    return Principal(code, Role.CARRIER, f"test {code}", customs_code), api_key


@pytest.fixture
def make_partner(pool: asyncpg.Pool):  # type: ignore[no-untyped-def]
    """Register a partner with a unique code; returns (principal, api_key)."""

    async def make(role: Role, customs_code: str | None = None) -> tuple[Principal, str]:
        code = f"{role.value[:3].upper()}{uuid.uuid4().hex[:8].upper()}"
        if role is Role.CARRIER:
            return await _test_carrier(pool, code, customs_code)
        partner, key = await create_partner(
            pool,
            code=code,
            role=role,
            name=f"test {code}",
            customs_code=customs_code,
            clock=SystemClock(),
        )
        return partner.principal(), key.api_key

    return make
