"""The partner registry in PostgreSQL: create, list, find, rotate keys, disable."""

from __future__ import annotations

from datetime import timedelta

import asyncpg
from asyncpg import Record

from quanhub.common.access.keys import generate_key, hash_key
from quanhub.common.access.model import (
    CUSTOMS_CODE,
    PARTNER_CODE,
    InvalidPartner,
    IssuedKey,
    Partner,
    PartnerExists,
    PartnerNotFound,
    Role,
)
from quanhub.common.carriers import CARRIERS, resolve_carrier
from quanhub.common.clock import Clock

# Each statement returns the columns _partner reads: code, role, name, customs_code,
# disabled, created_at.
_INSERT_PARTNER = (
    "INSERT INTO partners (code, role, name, customs_code, created_at) "
    "VALUES ($1, $2, $3, $4, $5) RETURNING code, role, name, customs_code, disabled, created_at"
)
_INSERT_KEY = (
    "INSERT INTO api_keys (id, partner_code, key_hash, created_at) VALUES ($1, $2, $3, $4)"
)
_LIST_PARTNERS = (
    "SELECT code, role, name, customs_code, disabled, created_at FROM partners ORDER BY code"
)
_PARTNER_BY_CODE = (
    "SELECT code, role, name, customs_code, disabled, created_at FROM partners WHERE code = $1"
)
_PARTNER_BY_CUSTOMS_CODE = (
    "SELECT code, role, name, customs_code, disabled, created_at FROM partners "
    "WHERE customs_code = $1"
)
_LOCK_PARTNER = "SELECT 1 FROM partners WHERE code = $1 FOR UPDATE"
_EXPIRE_KEYS = """UPDATE api_keys SET expires_at = LEAST(COALESCE(expires_at, 'infinity'), $2)
               WHERE partner_code = $1 AND NOT revoked"""
_DISABLE_PARTNER = (
    "UPDATE partners SET disabled = true WHERE code = $1 "
    "RETURNING code, role, name, customs_code, disabled, created_at"
)


def _partner(row: Record) -> Partner:
    return Partner(
        code=row["code"],
        role=Role(row["role"]),
        name=row["name"],
        customs_code=row["customs_code"],
        disabled=row["disabled"],
        created_at=row["created_at"],
    )


def _check(code: str, role: Role, name: str, customs_code: str | None) -> None:
    if not PARTNER_CODE.fullmatch(code):
        msg = f"partner code {code!r} must be 2-32 characters of A-Z, 0-9 and _"
        raise InvalidPartner(msg)
    if role is Role.CARRIER:
        _check_carrier(code)
    if not name.strip() or len(name) > 200:
        msg = "partner name must be 1-200 characters"
        raise InvalidPartner(msg)
    if customs_code is not None and not CUSTOMS_CODE.fullmatch(customs_code):
        msg = f"customs code {customs_code!r} must be 1-32 letters or digits"
        raise InvalidPartner(msg)


def _check_carrier(code: str) -> None:
    """A carrier partner's code is a hub carrier id: what publishing and visibility compare
    parcels' carriers with. An alias (`ZHONGTONG`, ZTO's Kuaidi100 code) would publish that
    carrier's parcels but read none; an unknown code could publish nothing. With the code
    the primary key, each carrier has at most one partner identity."""
    carrier_id = resolve_carrier(code)
    if carrier_id is None:
        known = ", ".join(CARRIERS)
        msg = (
            f"{code!r} is no carrier the hub knows; a carrier partner's code is one of {known} "
            "(add a new carrier to quanhub.common.carriers first)"
        )
        raise InvalidPartner(msg)
    if carrier_id != code:
        msg = (
            f"{code!r} is another name of the carrier {carrier_id}; register the carrier "
            f"under its hub code {carrier_id!r}"
        )
        raise InvalidPartner(msg)


async def create_partner(
    pool: asyncpg.Pool,
    *,
    code: str,
    role: Role,
    name: str,
    customs_code: str | None = None,
    clock: Clock,
) -> tuple[Partner, IssuedKey]:
    """Register a partner and issue its first API key (the clear key is returned only here)."""
    _check(code, role, name, customs_code)
    now = clock.now()
    key_id, api_key = generate_key()
    async with pool.acquire() as conn, conn.transaction():
        try:
            row = await conn.fetchrow(
                _INSERT_PARTNER,
                code,
                role.value,
                name,
                customs_code,
                now,
            )
        except asyncpg.UniqueViolationError as exc:
            # Customs codes are unique whatever their case (partners_customs_code_ci).
            msg = f"a partner with code {code!r} or customs code {customs_code!r} exists"
            raise PartnerExists(msg) from exc
        await conn.execute(
            _INSERT_KEY,
            key_id,
            code,
            hash_key(api_key),
            now,
        )
    assert row is not None  # noqa: S101 - INSERT ... RETURNING always returns the row
    return _partner(row), IssuedKey(code, key_id, api_key)


async def list_partners(pool: asyncpg.Pool) -> list[Partner]:
    """Every partner, by code."""
    rows = await pool.fetch(_LIST_PARTNERS)
    return [_partner(r) for r in rows]


async def get_partner(pool: asyncpg.Pool, code: str) -> Partner:
    """The partner with that code; PartnerNotFound otherwise."""
    row = await pool.fetchrow(_PARTNER_BY_CODE, code)
    if row is None:
        msg = f"no partner with code {code!r}"
        raise PartnerNotFound(msg)
    return _partner(row)


async def find_by_customs_code(pool: asyncpg.Pool, customs_code: str) -> Partner | None:
    """The partner registered under a customs code (ebp_code, logistics_code, agent_code)."""
    row = await pool.fetchrow(
        _PARTNER_BY_CUSTOMS_CODE,
        customs_code,
    )
    return None if row is None else _partner(row)


async def rotate_key(pool: asyncpg.Pool, code: str, *, grace: timedelta, clock: Clock) -> IssuedKey:
    """Issue a new key; the partner's current keys keep working for `grace`, then expire."""
    now = clock.now()
    key_id, api_key = generate_key()
    async with pool.acquire() as conn, conn.transaction():
        exists = await conn.fetchval(_LOCK_PARTNER, code)
        if exists is None:
            msg = f"no partner with code {code!r}"
            raise PartnerNotFound(msg)
        await conn.execute(
            _EXPIRE_KEYS,
            code,
            now + grace,
        )
        await conn.execute(
            _INSERT_KEY,
            key_id,
            code,
            hash_key(api_key),
            now,
        )
    return IssuedKey(code, key_id, api_key)


async def disable_partner(pool: asyncpg.Pool, code: str) -> Partner:
    """Stop every key of the partner: at once in every process whose key cache listens
    for registry changes (quanhub.common.access.listener), within its short fallback
    lifetime in one whose listener is down."""
    row = await pool.fetchrow(
        _DISABLE_PARTNER,
        code,
    )
    if row is None:
        msg = f"no partner with code {code!r}"
        raise PartnerNotFound(msg)
    return _partner(row)
