"""The partner's own Kdniao AppKey on the real stack: stored through the CLI, a push Kdniao
signs with it lands; the registry holds it only sealed; clearing it brings the hub's
derived secret back and refuses the AppKey, at once although the gateway caches channels.

Pushes are signed here with hashlib written inline, as Kdniao's demos sign them (Base64
of the lower-case hex MD5 of RequestData + AppKey), not with the project's own function.
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import subprocess
import sys
import time
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import asyncpg
import httpx
import orjson
import pytest
from gateway_stack import gateway_settings

from quanhub.common.settings import DatabaseSettings, KafkaSettings
from quanhub.common.topics import Topics
from quanhub.gateway.app import create_app

pytestmark = pytest.mark.integration

CORPUS = Path(__file__).parents[2] / "corpus" / "inbound" / "kdniao"
FORM = {"content-type": "application/x-www-form-urlencoded"}
CODE = "ZTO"  # a carrier no other inbound test pushes as
ACCOUNT = "1237100"  # the corpus push's EBusinessID
#: Seconds within which a change must show: well under the 15 s cache.
PROMPT = 2.5


def _form(request: dict[str, Any], app_key: str) -> str:
    text = orjson.dumps(request).decode()
    digest = hashlib.md5((text + app_key).encode(), usedforsecurity=False).hexdigest()
    sign = base64.b64encode(digest.encode()).decode()
    return urlencode({"RequestData": text, "DataSign": sign, "RequestType": "101"})


def _push(account: str = ACCOUNT) -> dict[str, Any]:
    request: dict[str, Any] = orjson.loads((CORPUS / "push_101.json").read_bytes())
    request["EBusinessID"] = account
    for item in request["Data"]:
        item["EBusinessID"] = account
        item["ShipperCode"] = "ZTO"
        item["LogisticCode"] = f"75{uuid.uuid4().int % 10**12:012d}"
    return request


def _cli(database: DatabaseSettings, *args: str, stdin: str = "") -> tuple[dict[str, Any], str]:
    """The command's JSON answer, and its stderr with whitespace made single spaces."""
    env = {**os.environ, "QUANHUB_DATABASE_URL": database.url, "COLUMNS": "200"}
    cli = Path(sys.executable).parent / "quanhub"
    done = subprocess.run(
        [str(cli), "partners", "push-secret", CODE.lower(), "--format", "kdniao", *args, "--json"],
        input=stdin,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    answer: dict[str, Any] = json.loads(done.stdout)
    return answer, " ".join(done.stderr.split())


async def _until(gateway: httpx.AsyncClient, form: str, status: int) -> int:
    """Push until the answer is `status` (an announcement heard) or PROMPT has passed."""
    start, seen = time.monotonic(), 0
    while time.monotonic() - start < PROMPT:
        r = await gateway.post(f"/v1/inbound/kdniao/{CODE}", content=form, headers=FORM)
        if (seen := r.status_code) == status:
            break
    return seen


@pytest.fixture
async def gateway(
    kafka_settings: KafkaSettings,
    database_settings: DatabaseSettings,
    raw_topics: Topics,
    demo_keys: dict[str, str],
) -> AsyncIterator[httpx.AsyncClient]:
    """A gateway whose channel cache lives 15 s, as in production; ZTO's key cleared after."""
    app = create_app(gateway_settings(kafka_settings, database_settings, auth_cache_seconds=15))
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://gw") as c,
    ):
        yield c
    _cli(database_settings, "--clear-key")


async def test_the_partners_own_app_key_verifies_is_sealed_and_clears(
    gateway: httpx.AsyncClient, database_settings: DatabaseSettings
) -> None:
    derived = _cli(database_settings)[0]["secret"]  # the hub's secret, before any own key
    assert await _until(gateway, _form(_push(), derived), 200) == 200

    app_key = f"{uuid.uuid4()}"  # the shape of the AppKey Kdniao assigns an account
    stored, _ = _cli(database_settings, "--set-key", "--ebusiness-id", ACCOUNT, stdin=app_key)
    assert (stored["own_key"], stored["account"]) == (True, ACCOUNT)
    assert await _until(gateway, _form(_push(), app_key), 200) == 200
    reissued, note = _cli(database_settings)  # rotating the hub's secret keeps the AppKey
    assert "own kdniao AppKey is stored and alone verifies" in note
    derived = reissued["secret"]
    assert await _until(gateway, _form(_push(), app_key), 200) == 200
    r = await gateway.post(
        f"/v1/inbound/kdniao/{CODE}", content=_form(_push(), derived), headers=FORM
    )
    assert (r.status_code, r.json()["Success"]) == (401, False)  # the own key alone verifies
    other = await gateway.post(
        f"/v1/inbound/kdniao/{CODE}", content=_form(_push("7654321"), app_key), headers=FORM
    )
    assert (other.status_code, other.json()["Success"]) == (401, False)
    assert "EBusinessID" in other.json()["Reason"]

    conn = await asyncpg.connect(database_settings.url)
    try:
        row = await conn.fetchrow(
            "SELECT s.*, s::text AS whole FROM partner_push_secrets s "
            "WHERE partner_code = $1 AND format = 'kdniao'",
            CODE,
        )
    finally:
        await conn.close()
    assert row is not None
    sealed: bytes = row["partner_key"]
    assert app_key.encode() not in sealed
    assert app_key not in row["whole"]
    assert app_key.replace("-", "") not in row["whole"]  # nor as the bytea's hex
    assert row["partner_account"] == ACCOUNT

    cleared, _ = _cli(database_settings, "--clear-key")
    assert cleared["own_key"] is False
    assert await _until(gateway, _form(_push(), app_key), 401) == 401
    assert await _until(gateway, _form(_push(), derived), 200) == 200
