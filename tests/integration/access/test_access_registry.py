"""The partner registry and key authentication against the real PostgreSQL."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import asyncpg
import pytest

from quanhub.common.access import (
    AuthenticationFailed,
    Authenticator,
    InvalidPartner,
    PartnerExists,
    PartnerNotFound,
    Role,
    create_partner,
    disable_partner,
    find_by_customs_code,
    hash_key,
    list_partners,
    rotate_key,
)
from quanhub.common.access.demo import DEMO_PARTNERS, ensure_demo_partners
from quanhub.common.access.model import PARTNER_CODE
from quanhub.common.carriers import CARRIERS
from quanhub.common.clock import FixedClock
from quanhub.common.errors import ConfigurationError
from quanhub.common.settings import PiiSettings, Profile

pytestmark = pytest.mark.integration


def _code(prefix: str) -> str:
    return f"{prefix}{uuid.uuid4().hex[:8].upper()}"


async def test_created_key_authenticates_and_only_its_hash_is_stored(
    fresh_pool: asyncpg.Pool,
) -> None:
    registry_pool = fresh_pool  # a carrier is registered once per registry
    clock = FixedClock(datetime(2026, 11, 28, 8, 0, tzinfo=UTC))
    code, customs = "SF", _code("CC")
    partner, issued = await create_partner(
        registry_pool,
        code=code,
        role=Role.CARRIER,
        name="Carrier",
        customs_code=customs,
        clock=clock,
    )
    assert partner.role is Role.CARRIER
    principal = await Authenticator(registry_pool, clock).authenticate(issued.api_key)
    assert (principal.partner_code, principal.role, principal.customs_code) == (
        code,
        Role.CARRIER,
        customs,
    )
    row = await registry_pool.fetchrow("SELECT * FROM api_keys WHERE partner_code = $1", code)
    assert row is not None
    assert bytes(row["key_hash"]) == hash_key(issued.api_key)
    secret = issued.api_key.split("_", 2)[2]
    assert all(secret not in str(value) for value in row.values())
    assert (await find_by_customs_code(registry_pool, customs)) == partner
    assert partner in await list_partners(registry_pool)


async def test_duplicates_and_bad_codes_are_refused(registry_pool: asyncpg.Pool) -> None:
    clock = FixedClock(datetime(2026, 11, 28, tzinfo=UTC))
    code = _code("P")
    await create_partner(registry_pool, code=code, role=Role.PLATFORM, name="P", clock=clock)
    with pytest.raises(PartnerExists):
        await create_partner(registry_pool, code=code, role=Role.PLATFORM, name="P", clock=clock)
    with pytest.raises(InvalidPartner):
        await create_partner(registry_pool, code="sf", role=Role.CARRIER, name="x", clock=clock)
    with pytest.raises(PartnerNotFound):
        await disable_partner(registry_pool, _code("NOPE"))


@pytest.mark.parametrize(
    ("code", "carrier"),
    [
        ("ZHONGTONG", "ZTO"),
        ("SHUNFENG", "SF"),
        ("YD", "YUNDA"),
        ("JTSD", "JT"),
        ("YOUZHENGGUONEI", "CHINAPOST"),
        ("DBL", "DEPPON"),
        ("DEBANGKUAIDI", "DEPPON"),
    ],
)
async def test_a_carrier_alias_is_no_carrier_partner_code(
    code: str, carrier: str, fresh_pool: asyncpg.Pool
) -> None:
    # The alias would publish that carrier's parcels (the gateway resolves it) but read none.
    clock = FixedClock(datetime(2026, 11, 28, tzinfo=UTC))
    with pytest.raises(InvalidPartner, match=f"hub code '{carrier}'"):
        await create_partner(fresh_pool, code=code, role=Role.CARRIER, name="x", clock=clock)
    assert await list_partners(fresh_pool) == []


@pytest.mark.parametrize("code", ["BESTX", "ZTO2", "SF_EXPRESS", "CARRIER"])
async def test_an_unknown_carrier_gets_a_clear_error_not_a_key(
    code: str, fresh_pool: asyncpg.Pool
) -> None:
    clock = FixedClock(datetime(2026, 11, 28, tzinfo=UTC))
    with pytest.raises(InvalidPartner, match="no carrier the hub knows") as refused:
        await create_partner(fresh_pool, code=code, role=Role.CARRIER, name="x", clock=clock)
    assert "ZTO" in refused.value.message  # it lists the carriers that may be registered
    assert await fresh_pool.fetchval("SELECT count(*) FROM api_keys") == 0


async def test_each_carrier_has_one_partner_identity(fresh_pool: asyncpg.Pool) -> None:
    clock = FixedClock(datetime(2026, 11, 28, tzinfo=UTC))
    for carrier in CARRIERS:
        await create_partner(fresh_pool, code=carrier, role=Role.CARRIER, name=carrier, clock=clock)
    for carrier in CARRIERS.values():
        for alias in carrier.codes():
            code = alias.upper()
            if not PARTNER_CODE.fullmatch(code):
                continue  # `J&T`: no partner code at all
            with pytest.raises((PartnerExists, InvalidPartner)):
                await create_partner(
                    fresh_pool, code=code, role=Role.CARRIER, name="again", clock=clock
                )
    carriers = [p.code for p in await list_partners(fresh_pool) if p.role is Role.CARRIER]
    assert sorted(carriers) == sorted(CARRIERS)


async def test_codes_collide_whatever_their_case(fresh_pool: asyncpg.Pool) -> None:
    clock = FixedClock(datetime(2026, 11, 28, tzinfo=UTC))
    await create_partner(
        fresh_pool,
        code="TMALL",
        role=Role.PLATFORM,
        name="T",
        customs_code="3701PT00a1",
        clock=clock,
    )
    # Partner codes are upper-case only, so `tmall` cannot be a second TMALL.
    with pytest.raises(InvalidPartner):
        await create_partner(fresh_pool, code="tmall", role=Role.PLATFORM, name="t", clock=clock)
    for customs_code in ("3701PT00A1", "3701pt00a1", "3701Pt00A1"):
        with pytest.raises(PartnerExists):
            await create_partner(
                fresh_pool,
                code="TMALL2",
                role=Role.PLATFORM,
                name="t",
                customs_code=customs_code,
                clock=clock,
            )
    assert [p.code for p in await list_partners(fresh_pool)] == ["TMALL"]


async def test_disabled_partner_stops_within_cache_ttl(registry_pool: asyncpg.Pool) -> None:
    clock = FixedClock(datetime(2026, 11, 28, 8, 0, tzinfo=UTC))
    code = _code("D")
    _, issued = await create_partner(
        registry_pool, code=code, role=Role.PLATFORM, name="D", clock=clock
    )
    auth = Authenticator(registry_pool, clock, ttl=timedelta(seconds=10))
    await auth.authenticate(issued.api_key)
    await disable_partner(registry_pool, code)
    await auth.authenticate(issued.api_key)  # still cached: allowed for at most the TTL
    clock.advance(timedelta(seconds=11))
    with pytest.raises(AuthenticationFailed):
        await auth.authenticate(issued.api_key)


async def test_rotated_key_works_for_the_grace_period_only(registry_pool: asyncpg.Pool) -> None:
    start = datetime.now(UTC)
    clock = FixedClock(start)
    code = _code("R")
    _, old = await create_partner(
        registry_pool, code=code, role=Role.PLATFORM, name="R", clock=clock
    )
    new = await rotate_key(registry_pool, code, grace=timedelta(hours=1), clock=clock)
    assert new.api_key != old.api_key
    auth = Authenticator(registry_pool, clock, ttl=timedelta(seconds=5))
    assert (await auth.authenticate(old.api_key)).partner_code == code
    clock.advance(timedelta(minutes=59, seconds=59))
    auth.forget()
    assert (await auth.authenticate(old.api_key)).partner_code == code
    clock.advance(timedelta(seconds=2))
    with pytest.raises(AuthenticationFailed):
        await auth.authenticate(old.api_key)
    assert (await auth.authenticate(new.api_key)).partner_code == code
    with pytest.raises(PartnerNotFound):
        await rotate_key(registry_pool, _code("NOPE"), grace=timedelta(0), clock=clock)


async def test_wrong_secret_for_a_real_key_id_is_refused(registry_pool: asyncpg.Pool) -> None:
    clock = FixedClock(datetime.now(UTC))
    _, issued = await create_partner(
        registry_pool, code=_code("W"), role=Role.ANALYST, name="W", clock=clock
    )
    forged = issued.api_key[:-4] + ("AAAA" if not issued.api_key.endswith("AAAA") else "BBBB")
    auth = Authenticator(registry_pool, clock)
    with pytest.raises(AuthenticationFailed):
        await auth.authenticate(forged)
    with pytest.raises(AuthenticationFailed):
        await auth.authenticate("not-a-key")


async def test_demo_partners_are_stable_and_local_only(registry_pool: asyncpg.Pool) -> None:
    pii = PiiSettings(profile=Profile.LOCAL)
    first = await ensure_demo_partners(registry_pool, pii)
    second = await ensure_demo_partners(registry_pool, pii)
    assert first == second
    assert set(first) == {p.code for p in DEMO_PARTNERS}
    local = Authenticator(registry_pool, FixedClock(datetime.now(UTC)), allow_demo_keys=True)
    assert (await local.authenticate(first["SF"])).role is Role.CARRIER
    # Outside the local profile (the default) a demo key is refused.
    with pytest.raises(AuthenticationFailed):
        await Authenticator(registry_pool, FixedClock(datetime.now(UTC))).authenticate(first["SF"])
    production = PiiSettings(profile=Profile.PRODUCTION, secret="x" * 40)
    with pytest.raises(ConfigurationError):
        await ensure_demo_partners(registry_pool, production)
