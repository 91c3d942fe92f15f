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
        env=env, capture_output=True, text=True, timeout=60, check=False,
    )  # fmt: skip


async def test_create_list_rotate_disable(
    database_settings: DatabaseSettings, registry_pool: asyncpg.Pool
) -> None:
    code = f"CLI{uuid.uuid4().hex[:6].upper()}"
    created = _quanhub(
        database_settings, "create", "--role", "carrier", "--code", code.lower(),
        "--name", "CLI carrier", "--customs-code", f"{code}CC", "--json",
    )  # fmt: skip
    assert created.returncode == 0, created.stderr
    out = json.loads(created.stdout)
    assert (out["code"], out["role"]) == (code, "carrier")
    auth = Authenticator(registry_pool, SystemClock())
    assert (await auth.authenticate(out["api_key"])).role is Role.CARRIER

    listed = json.loads(_quanhub(database_settings, "list", "--json").stdout)
    assert any(p["code"] == code and not p["disabled"] for p in listed)
    assert out["api_key"] not in json.dumps(listed)

    again = _quanhub(database_settings, "create", "--role", "carrier", "--code", code,
                     "--name", "dup")  # fmt: skip
    assert again.returncode == 1
    assert "partner_exists" in again.stderr
    bad_role = _quanhub(database_settings, "create", "--role", "king", "--code", "X1",
                        "--name", "x")  # fmt: skip
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
