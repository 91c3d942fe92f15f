"""A Kuaidi100 push on the real stack: the registry's push channel, the gateway, Kafka."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import uuid
from pathlib import Path
from urllib.parse import urlencode

import asyncpg
import httpx
import orjson
import pytest
from kafka_reading import read_all

from quanhub.canonical.v1 import canonical_pb2
from quanhub.common.access.push import issue_push_nonce, push_secret
from quanhub.common.clock import SystemClock
from quanhub.common.settings import DatabaseSettings, KafkaSettings, PiiSettings
from quanhub.common.topics import EventKind, Topics

pytestmark = pytest.mark.integration

GOLDEN = Path(__file__).parents[2] / "unit" / "gateway" / "inbound" / "golden"
FORM = {"content-type": "application/x-www-form-urlencoded"}


async def _channel_secret(database_settings: DatabaseSettings, code: str) -> str:
    """Issue the partner's kuaidi100 push secret, as `quanhub partners push-secret` does."""
    pool = await asyncpg.create_pool(database_settings.url, min_size=1, max_size=1)
    try:
        nonce = await issue_push_nonce(pool, code, "kuaidi100", SystemClock())
    finally:
        await pool.close()
    master = PiiSettings().secret.get_secret_value().encode()
    return push_secret(master, code, "kuaidi100", nonce)


def _form(param: str, salt: str) -> str:
    sign = hashlib.md5((param + salt).encode(), usedforsecurity=False).hexdigest().upper()
    return urlencode({"param": param, "sign": sign})


async def test_a_kuaidi100_push_lands_as_parcel_events_on_the_raw_topic(
    gateway: httpx.AsyncClient,
    kafka_settings: KafkaSettings,
    database_settings: DatabaseSettings,
    raw_topics: Topics,
) -> None:
    salt = await _channel_secret(database_settings, "YTO")
    push = orjson.loads((GOLDEN / "kuaidi100_push.json").read_bytes())
    waybill = "YT" + uuid.uuid4().hex[:12].upper()
    push["lastResult"]["nu"] = waybill
    param = orjson.dumps(push).decode()

    bad = await gateway.post("/v1/inbound/kuaidi100/YTO", content=_form(param, "x"), headers=FORM)
    assert (bad.status_code, bad.json()["result"]) == (401, False)
    for _ in range(2):  # Kuaidi100 pushes the whole track again: the same events
        r = await gateway.post(
            "/v1/inbound/kuaidi100/YTO", content=_form(param, salt), headers=FORM
        )
        assert r.status_code == 200, r.text
        assert r.json() == {"result": True, "returnCode": "200", "message": "成功"}

    records = [
        (record, canonical_pb2.RawEnvelope.FromString(record.value))
        for record in await read_all(kafka_settings, [raw_topics.raw(EventKind.PARCEL)])
    ]
    ours = [(r, e) for r, e in records if e.event.parcel.waybill_no == waybill]
    assert len(ours) == 6  # three scans, pushed twice (the normalizer counts each once)
    assert len({e.event.event_id for _, e in ours}) == 3
    for record, envelope in ours:
        assert envelope.partner_code == "YTO"
        assert envelope.event.parcel.code_system == "kuaidi100"
        assert envelope.event.parcel.carrier_code == "yuantong"
        assert ("partner", b"YTO") in record.headers
    codes = sorted(e.event.parcel.code for _, e in ours[:3])
    assert codes == ["1", "1002", "5"]


def _push_secret_cli(database: DatabaseSettings, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "QUANHUB_DATABASE_URL": database.url, "COLUMNS": "200"}
    return subprocess.run(
        [str(Path(sys.executable).parent / "quanhub"), "partners", "push-secret", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


async def test_the_cli_secret_verifies_and_a_rotation_retires_the_old_one(
    gateway: httpx.AsyncClient, database_settings: DatabaseSettings
) -> None:
    push = orjson.loads((GOLDEN / "kuaidi100_push.json").read_bytes())
    push["lastResult"]["nu"] = "YT" + uuid.uuid4().hex[:12].upper()
    param = orjson.dumps(push).decode()
    issued = _push_secret_cli(database_settings, "yto", "--format", "kuaidi100", "--json")
    assert issued.returncode == 0, issued.stderr
    first = json.loads(issued.stdout)
    assert first["path"] == "/v1/inbound/kuaidi100/YTO"
    r = await gateway.post(first["path"], content=_form(param, first["secret"]), headers=FORM)
    assert r.status_code == 200, r.text

    rotated = json.loads(_push_secret_cli(database_settings, "YTO", "--json").stdout)
    assert rotated["secret"] != first["secret"]
    old = await gateway.post(first["path"], content=_form(param, first["secret"]), headers=FORM)
    assert (old.status_code, old.json()["result"]) == (401, False)
    new = await gateway.post(first["path"], content=_form(param, rotated["secret"]), headers=FORM)
    assert new.status_code == 200

    platform = _push_secret_cli(database_settings, "TMALL")
    assert platform.returncode == 1
    assert "not an enabled carrier" in platform.stderr
    unknown = _push_secret_cli(database_settings, "YTO", "--format", "nosuch")
    assert unknown.returncode == 1
