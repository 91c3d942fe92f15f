"""POST /v1/inbound/kuaidi100/{partner} with fakes: answers in Kuaidi100's format, and a
push that is not verified publishes nothing."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import httpx
import pytest
from gateway_fakes import PRINCIPALS, FakePublisher
from push_fakes import FORM, YTO, FakePushChannels, derived_secret

from quanhub.common.topics import EventKind, Topics
from quanhub.gateway.settings import GatewaySettings

GOLDEN = Path(__file__).parent / "golden"


@pytest.fixture
def push_channels() -> FakePushChannels:
    """YTO's and SF's kuaidi100 channels."""
    return FakePushChannels("kuaidi100", {"YTO": YTO, "SF": PRINCIPALS["key-sf"]})


def salt(settings: GatewaySettings, code: str = "YTO") -> str:
    return derived_secret(settings, "kuaidi100", code)


def body(param: bytes, secret: str) -> str:
    text = param.decode()
    sign = hashlib.md5((text + secret).encode(), usedforsecurity=False).hexdigest().upper()
    return urlencode({"param": text, "sign": sign})


PARAM = (GOLDEN / "kuaidi100_push.json").read_bytes()


def assert_kuaidi100_answer(r: httpx.Response, status: int) -> dict[str, Any]:
    """Kuaidi100's answer: its three keys, `result` true on 200 only, the status as text."""
    assert r.status_code == status, r.text
    answer: dict[str, Any] = r.json()
    assert set(answer) == {"result", "returnCode", "message"}
    assert answer["result"] is (status == 200)
    assert answer["returnCode"] == str(status)
    return answer


async def test_a_signed_push_publishes_its_scans_as_the_carrier(
    client: httpx.AsyncClient, publisher: FakePublisher, settings: GatewaySettings
) -> None:
    r = await client.post(
        "/v1/inbound/kuaidi100/YTO", content=body(PARAM, salt(settings)), headers=FORM
    )
    assert assert_kuaidi100_answer(r, 200)["message"] == "成功"
    assert len(publisher.records) == 3
    assert {rec.topic for rec in publisher.records} == {
        Topics(settings.kafka).raw(EventKind.PARCEL)
    }
    assert all(("partner", b"YTO") in rec.headers for rec in publisher.records)


async def test_a_repush_publishes_the_same_event_ids(
    client: httpx.AsyncClient, publisher: FakePublisher, settings: GatewaySettings
) -> None:
    for _ in range(2):
        r = await client.post(
            "/v1/inbound/kuaidi100/yto", content=body(PARAM, salt(settings)), headers=FORM
        )
        assert r.status_code == 200
    ids = [dict(rec.headers)["event_id"] for rec in publisher.records]
    assert ids[:3] == ids[3:]


async def test_a_bad_signature_publishes_nothing(
    client: httpx.AsyncClient, publisher: FakePublisher, settings: GatewaySettings
) -> None:
    r = await client.post(
        "/v1/inbound/kuaidi100/YTO", content=body(PARAM, "not-the-salt"), headers=FORM
    )
    assert_kuaidi100_answer(r, 401)
    assert publisher.records == []


async def test_another_partners_secret_does_not_verify(
    client: httpx.AsyncClient, publisher: FakePublisher, settings: GatewaySettings
) -> None:
    r = await client.post(
        "/v1/inbound/kuaidi100/YTO", content=body(PARAM, salt(settings, "SF")), headers=FORM
    )
    assert_kuaidi100_answer(r, 401)
    assert publisher.records == []


async def test_an_unknown_channel_is_refused_like_a_bad_signature(
    client: httpx.AsyncClient, publisher: FakePublisher, settings: GatewaySettings
) -> None:
    r = await client.post(
        "/v1/inbound/kuaidi100/ZTO", content=body(PARAM, salt(settings, "ZTO")), headers=FORM
    )
    assert_kuaidi100_answer(r, 401)
    assert publisher.records == []


@pytest.mark.parametrize("partner", ["ZTO", "X" * 40, "no%20such"])
async def test_unknown_or_impossible_partners_get_a_kuaidi100_answer(
    client: httpx.AsyncClient, publisher: FakePublisher, settings: GatewaySettings, partner: str
) -> None:
    r = await client.post(
        f"/v1/inbound/kuaidi100/{partner}", content=body(PARAM, salt(settings)), headers=FORM
    )
    assert_kuaidi100_answer(r, 401)
    assert publisher.records == []


async def test_a_carrier_cannot_push_another_carriers_parcels(
    client: httpx.AsyncClient, publisher: FakePublisher, settings: GatewaySettings
) -> None:
    """SF's channel pushing a YTO track: every scan fails check_publish, nothing is published."""
    r = await client.post(
        "/v1/inbound/kuaidi100/SF", content=body(PARAM, salt(settings, "SF")), headers=FORM
    )
    assert "partner_code_mismatch" in assert_kuaidi100_answer(r, 422)["message"]
    assert publisher.records == []


@pytest.mark.parametrize(
    ("content", "headers", "status"),
    [
        ("param=%7B%7D", FORM, 400),  # no sign
        ("%%%", FORM, 400),
        ('{"param": "{}"}', {"content-type": "application/json"}, 415),
    ],
)
async def test_malformed_pushes_get_a_kuaidi100_answer(
    client: httpx.AsyncClient,
    publisher: FakePublisher,
    content: str,
    headers: dict[str, str],
    status: int,
) -> None:
    r = await client.post("/v1/inbound/kuaidi100/YTO", content=content, headers=headers)
    assert_kuaidi100_answer(r, status)
    assert publisher.records == []


async def test_an_oversized_push_is_refused_unread(
    client: httpx.AsyncClient, publisher: FakePublisher, settings: GatewaySettings
) -> None:
    big = "x" * (settings.max_json_body_bytes + 1)
    r = await client.post("/v1/inbound/kuaidi100/YTO", content=f"param={big}&sign=0", headers=FORM)
    assert_kuaidi100_answer(r, 413)
    assert publisher.records == []


async def test_kafka_unavailable_asks_kuaidi100_to_push_again(
    client: httpx.AsyncClient, publisher: FakePublisher, settings: GatewaySettings
) -> None:
    publisher.available = False
    r = await client.post(
        "/v1/inbound/kuaidi100/YTO", content=body(PARAM, salt(settings)), headers=FORM
    )
    assert_kuaidi100_answer(r, 503)


async def test_pushes_spend_the_partners_event_budget(
    client: httpx.AsyncClient, publisher: FakePublisher, settings: GatewaySettings
) -> None:
    """The burst is 20 events: seven pushes of three scans, and the seventh is refused."""
    answers = []
    for _ in range(7):
        r = await client.post(
            "/v1/inbound/kuaidi100/YTO", content=body(PARAM, salt(settings)), headers=FORM
        )
        answers.append(r.status_code)
    assert answers == [200] * 6 + [429]
    assert len(publisher.records) == 18
    assert_kuaidi100_answer(r, 429)
