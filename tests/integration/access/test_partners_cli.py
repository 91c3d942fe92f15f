"""`quanhub partners …` against the session's PostgreSQL database."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import uuid
from pathlib import Path

import asyncpg
import pytest

from quanhub.common.access import AuthenticationFailed, Authenticator, Role
from quanhub.common.clock import SystemClock
from quanhub.common.settings import DatabaseSettings

pytestmark = pytest.mark.integration


def _quanhub(database: DatabaseSettings, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "QUANHUB_DATABASE_URL": database.url, "COLUMNS": "200"}
    return subprocess.run(
        [str(Path(sys.executable).parent / "quanhub"), "partners", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


async def test_create_list_rotate_disable(
    fresh_database: DatabaseSettings, fresh_pool: asyncpg.Pool
) -> None:
    # A registry of its own: each carrier may be registered once.
    database_settings, registry_pool = fresh_database, fresh_pool
    code = "ZTO"
    created = _quanhub(
        database_settings,
        "create",
        "--role",
        "carrier",
        "--code",
        code.lower(),
        "--name",
        "CLI carrier",
        "--customs-code",
        f"{uuid.uuid4().hex[:8]}CC",
        "--json",
    )
    assert created.returncode == 0, created.stderr
    out = json.loads(created.stdout)
    assert (out["code"], out["role"]) == (code, "carrier")
    auth = Authenticator(registry_pool, SystemClock())
    assert (await auth.authenticate(out["api_key"])).role is Role.CARRIER

    listed = json.loads(_quanhub(database_settings, "list", "--json").stdout)
    assert any(p["code"] == code and not p["disabled"] for p in listed)
    assert out["api_key"] not in json.dumps(listed)

    again = _quanhub(
        database_settings, "create", "--role", "carrier", "--code", code, "--name", "dup"
    )
    assert again.returncode == 1
    assert "partner_exists" in again.stderr
    bad_role = _quanhub(
        database_settings, "create", "--role", "king", "--code", "X1", "--name", "x"
    )
    assert bad_role.returncode == 2

    rotated = _quanhub(database_settings, "rotate-key", code, "--grace-hours", "0", "--json")
    new_key = json.loads(rotated.stdout)["api_key"]
    auth.forget()
    with pytest.raises(AuthenticationFailed):
        await auth.authenticate(out["api_key"])
    assert (await auth.authenticate(new_key)).partner_code == code

    assert _quanhub(database_settings, "disable", code).returncode == 0
    auth.forget()
    with pytest.raises(AuthenticationFailed):
        await auth.authenticate(new_key)


@pytest.mark.parametrize(
    ("code", "says"),
    [
        ("ZHONGTONG", "another name of the carrier ZTO"),  # ZTO's Kuaidi100 code
        ("zhongtong", "another name of the carrier ZTO"),
        ("SHUNFENG", "another name of the carrier SF"),
        ("BESTX", "no carrier the hub knows"),
    ],
)
async def test_a_carrier_is_created_under_its_hub_code_only(
    code: str, says: str, fresh_database: DatabaseSettings, fresh_pool: asyncpg.Pool
) -> None:
    refused = _quanhub(
        fresh_database, "create", "--role", "carrier", "--code", code, "--name", "x", "--json"
    )
    assert refused.returncode == 1, refused.stdout
    assert "invalid_partner" in refused.stderr
    assert says in " ".join(refused.stderr.split())  # rich may wrap the line
    assert "qh_" not in refused.stdout + refused.stderr  # no key was issued
    assert await fresh_pool.fetchval("SELECT count(*) FROM partners") == 0


async def test_one_partner_per_carrier_and_per_customs_code_whatever_the_case(
    fresh_database: DatabaseSettings,
) -> None:
    first = _quanhub(
        fresh_database,
        "create",
        "--role",
        "carrier",
        "--code",
        "zto",
        "--name",
        "ZTO",
        "--customs-code",
        "3701LG0002",
    )
    assert first.returncode == 0, first.stderr
    for args in (
        ("--role", "carrier", "--code", "ZTO", "--customs-code", "3701LG0099"),
        ("--role", "carrier", "--code", "Zto"),
        ("--role", "platform", "--code", "zto"),
        ("--role", "platform", "--code", "ZTOMALL", "--customs-code", "3701lg0002"),
    ):
        again = _quanhub(fresh_database, "create", *args, "--name", "again")
        assert again.returncode == 1, args
        assert "partner_exists" in again.stderr, (args, again.stderr)
