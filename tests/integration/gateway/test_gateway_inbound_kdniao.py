"""A Kdniao push on the real stack: the registry's push channel, the gateway, Kafka; and a
rotated push secret refused at once although the gateway caches channels."""

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
from kafka_reading import read_all

from quanhub.canonical.v1 import canonical_pb2
from quanhub.common.access.push import issue_push_nonce, push_secret
from quanhub.common.clock import SystemClock
from quanhub.common.settings import DatabaseSettings, KafkaSettings, PiiSettings
from quanhub.common.topics import EventKind, Topics
from quanhub.gateway.app import create_app
from quanhub.gateway.inbound.channels import CachedPushChannels

pytestmark = pytest.mark.integration

CORPUS = Path(__file__).parents[2] / "corpus" / "inbound" / "kdniao"
FORM = {"content-type": "application/x-www-form-urlencoded"}
#: Seconds within which a rotation must show: well under the 15 s cache.
PROMPT = 2.5


async def _issue(database_settings: DatabaseSettings, code: str) -> str:
    """Issue (or rotate) the partner's kdniao AppKey, as `quanhub partners push-secret` does."""
    pool = await asyncpg.create_pool(database_settings.url, min_size=1, max_size=1)
    try:
        nonce = await issue_push_nonce(pool, code, "kdniao", SystemClock())
    finally:
        await pool.close()
    master = PiiSettings().secret.get_secret_value().encode()
    return push_secret(master, code, "kdniao", nonce)


def _form(request: dict[str, Any], app_key: str) -> str:
    text = orjson.dumps(request).decode()
    digest = hashlib.md5((text + app_key).encode(), usedforsecurity=False).hexdigest()
    sign = base64.b64encode(digest.encode()).decode()
    return urlencode({"RequestData": text, "DataSign": sign, "RequestType": "101"})


def _push(waybill: str) -> dict[str, Any]:
    request: dict[str, Any] = orjson.loads((CORPUS / "push_101.json").read_bytes())
    request["Data"][0]["LogisticCode"] = waybill
    return request


async def _envelopes(
    kafka: KafkaSettings, topics: Topics, waybill: str
) -> list[tuple[Any, canonical_pb2.RawEnvelope]]:
    records = [
        (record, canonical_pb2.RawEnvelope.FromString(record.value))
        for record in await read_all(kafka, [topics.raw(EventKind.PARCEL)])
    ]
    return [(r, e) for r, e in records if e.event.parcel.waybill_no == waybill]


@pytest.fixture
async def cached_gateway(
    kafka_settings: KafkaSettings,
    database_settings: DatabaseSettings,
    raw_topics: Topics,
    demo_keys: dict[str, str],
) -> AsyncIterator[tuple[httpx.AsyncClient, CachedPushChannels]]:
    """A gateway on the real stack whose channel cache lives 15 s, as in production."""
    app = create_app(gateway_settings(kafka_settings, database_settings, auth_cache_seconds=15))
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://gw") as c,
    ):
        channels = app.state.context.push_channels
        assert isinstance(channels, CachedPushChannels)
        yield c, channels


async def test_a_signed_kdniao_push_lands_and_a_bad_one_publishes_nothing(
    cached_gateway: tuple[httpx.AsyncClient, CachedPushChannels],
    kafka_settings: KafkaSettings,
    database_settings: DatabaseSettings,
    raw_topics: Topics,
) -> None:
    gateway, _ = cached_gateway
    app_key = await _issue(database_settings, "YTO")
    waybill, refused = (f"YT{uuid.uuid4().int % 10**13:013d}" for _ in range(2))

    bad = await gateway.post(
        "/v1/inbound/kdniao/YTO", content=_form(_push(refused), "not-the-key"), headers=FORM
    )
    assert (bad.status_code, bad.json()["Success"]) == (401, False)
    for _ in range(2):  # Kdniao pushes the whole track again: the same events
        r = await gateway.post(
            "/v1/inbound/kdniao/YTO", content=_form(_push(waybill), app_key), headers=FORM
        )
        assert r.status_code == 200, r.text
        assert (r.json()["Success"], r.json()["EBusinessID"]) == (True, "1237100")

    ours = await _envelopes(kafka_settings, raw_topics, waybill)
    assert len(ours) == 8  # four traces, pushed twice (the normalizer counts each once)
    assert len({e.event.event_id for _, e in ours}) == 4
    for record, envelope in ours:
        assert envelope.partner_code == "YTO"
        assert envelope.event.parcel.code_system == "kdniao"
        assert envelope.event.parcel.carrier_code == "YTO"
        assert ("partner", b"YTO") in record.headers
    assert sorted(e.event.parcel.code for _, e in ours[:4]) == ["1", "2", "202", "301"]
    assert await _envelopes(kafka_settings, raw_topics, refused) == []


async def test_a_rotated_app_key_stops_verifying_at_once_and_pushes_skip_the_registry(
    cached_gateway: tuple[httpx.AsyncClient, CachedPushChannels],
    database_settings: DatabaseSettings,
) -> None:
    gateway, channels = cached_gateway
    first = await _issue(database_settings, "YTO")
    lookups = None
    for _ in range(4):
        waybill = f"YT{uuid.uuid4().int % 10**13:013d}"
        r = await gateway.post(
            "/v1/inbound/kdniao/YTO", content=_form(_push(waybill), first), headers=FORM
        )
        assert r.status_code == 200, r.text
        # The issue's own announcement may still drop the first lookup; after it, none.
        lookups = channels.lookups if lookups is None else lookups
    assert channels.lookups == lookups  # three pushes, and the registry was not read

    rotated = await _issue(database_settings, "YTO")
    start, status = time.monotonic(), 200
    while time.monotonic() - start < PROMPT:
        waybill = f"YT{uuid.uuid4().int % 10**13:013d}"
        old = await gateway.post(
            "/v1/inbound/kdniao/YTO", content=_form(_push(waybill), first), headers=FORM
        )
        if (status := old.status_code) == 401:
            break
    assert status == 401, "the old AppKey still verified after the rotation"
    new = await gateway.post(
        "/v1/inbound/kdniao/YTO", content=_form(_push(waybill), rotated), headers=FORM
    )
    assert (new.status_code, new.json()["Success"]) == (200, True)


async def test_the_cli_issues_a_kdniao_app_key_that_verifies(
    cached_gateway: tuple[httpx.AsyncClient, CachedPushChannels],
    database_settings: DatabaseSettings,
) -> None:
    env = {**os.environ, "QUANHUB_DATABASE_URL": database_settings.url, "COLUMNS": "200"}
    cli = Path(sys.executable).parent / "quanhub"
    issued = subprocess.run(
        [str(cli), "partners", "push-secret", "yto", "--format", "kdniao", "--json"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert issued.returncode == 0, issued.stderr
    answer = json.loads(issued.stdout)
    assert (answer["format"], answer["path"]) == ("kdniao", "/v1/inbound/kdniao/YTO")
    gateway, _ = cached_gateway
    waybill = f"YT{uuid.uuid4().int % 10**13:013d}"
    start, status = time.monotonic(), 0
    while time.monotonic() - start < PROMPT:  # until the issue's announcement is heard
        r = await gateway.post(
            answer["path"], content=_form(_push(waybill), answer["secret"]), headers=FORM
        )
        if (status := r.status_code) == 200:
            break
    assert status == 200
