"""POST /v1/inbound/kdniao/{partner} with fakes: answers in Kdniao's format, and a push
that is not verified publishes nothing."""

from __future__ import annotations

import base64
import hashlib
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import httpx
import orjson
import pytest
from gateway_fakes import PRINCIPALS, FakePublisher
from push_fakes import FORM, YTO, FakePushChannels, derived_secret

from quanhub.common.access import Principal, Role
from quanhub.common.clock import FixedClock
from quanhub.common.topics import EventKind, Topics
from quanhub.gateway.inbound.shared import CHINA
from quanhub.gateway.settings import GatewaySettings

CORPUS = Path(__file__).parents[3] / "corpus" / "inbound" / "kdniao"
TMALL = Principal("TMALL", Role.PLATFORM, "Tmall", None)
ANSWER_KEYS = {"EBusinessID", "UpdateTime", "Success", "Reason"}


@pytest.fixture
def push_channels() -> FakePushChannels:
    """YTO's, SF's and (against the CLI's rule) TMALL's kdniao channels."""
    return FakePushChannels("kdniao", {"YTO": YTO, "SF": PRINCIPALS["key-sf"], "TMALL": TMALL})


def app_key(settings: GatewaySettings, code: str = "YTO") -> str:
    return derived_secret(settings, "kdniao", code)


def body(request: dict[str, Any] | str, key: str, request_type: str = "101") -> str:
    text = request if isinstance(request, str) else orjson.dumps(request).decode()
    digest = hashlib.md5((text + key).encode(), usedforsecurity=False).hexdigest()
    sign = base64.b64encode(digest.encode()).decode()
    return urlencode({"RequestData": text, "DataSign": sign, "RequestType": request_type})


def push(name: str = "push_101.json") -> dict[str, Any]:
    value: dict[str, Any] = orjson.loads((CORPUS / name).read_bytes())
    return value


def assert_kdniao_answer(r: httpx.Response, status: int, success: bool) -> dict[str, Any]:
    assert r.status_code == status, r.text
    answer: dict[str, Any] = r.json()
    assert set(answer) == ANSWER_KEYS
    assert answer["Success"] is success
    assert len(answer["UpdateTime"]) == len("yyyy-MM-dd HH:mm:ss")
    return answer


async def test_a_signed_push_publishes_its_traces_as_the_carrier(
    client: httpx.AsyncClient,
    publisher: FakePublisher,
    settings: GatewaySettings,
    clock: FixedClock,
) -> None:
    r = await client.post(
        "/v1/inbound/kdniao/YTO", content=body(push(), app_key(settings)), headers=FORM
    )
    answer = assert_kdniao_answer(r, 200, True)
    assert answer["EBusinessID"] == "1237100"
    assert answer["Reason"] == ""
    assert answer["UpdateTime"] == clock.now().astimezone(CHINA).strftime("%Y-%m-%d %H:%M:%S")
    assert len(publisher.records) == 4
    assert {rec.topic for rec in publisher.records} == {
        Topics(settings.kafka).raw(EventKind.PARCEL)
    }
    assert all(("partner", b"YTO") in rec.headers for rec in publisher.records)


async def test_the_corpus_form_is_read_as_kdniao_sends_it(
    client: httpx.AsyncClient, publisher: FakePublisher, settings: GatewaySettings
) -> None:
    """The corpus form, re-signed with the channel's AppKey: values URL-encoded once."""
    text = (CORPUS / "push_101.json").read_text(encoding="utf-8")
    r = await client.post(
        "/v1/inbound/kdniao/YTO", content=body(text, app_key(settings)), headers=FORM
    )
    assert_kdniao_answer(r, 200, True)
    assert len(publisher.records) == 4


async def test_a_repush_publishes_the_same_event_ids(
    client: httpx.AsyncClient, publisher: FakePublisher, settings: GatewaySettings
) -> None:
    for _ in range(2):
        r = await client.post(
            "/v1/inbound/kdniao/yto", content=body(push(), app_key(settings)), headers=FORM
        )
        assert r.status_code == 200
    ids = [dict(rec.headers)["event_id"] for rec in publisher.records]
    assert ids[:4] == ids[4:]


@pytest.mark.parametrize(
    ("partner", "key_of"), [("YTO", "not-the-key"), ("YTO", "SF"), ("ZTO", "ZTO"), ("X" * 40, "")]
)
async def test_a_bad_signature_or_unknown_channel_publishes_nothing(
    client: httpx.AsyncClient,
    publisher: FakePublisher,
    settings: GatewaySettings,
    partner: str,
    key_of: str,
) -> None:
    key = key_of if key_of in {"not-the-key", ""} else app_key(settings, key_of)
    r = await client.post(f"/v1/inbound/kdniao/{partner}", content=body(push(), key), headers=FORM)
    answer = assert_kdniao_answer(r, 401, False)
    assert answer["Reason"]
    assert publisher.records == []


async def test_a_kuaidi100_secret_does_not_sign_kdniao_pushes(
    client: httpx.AsyncClient, publisher: FakePublisher, settings: GatewaySettings
) -> None:
    salt = derived_secret(settings, "kuaidi100")
    r = await client.post("/v1/inbound/kdniao/YTO", content=body(push(), salt), headers=FORM)
    assert_kdniao_answer(r, 401, False)
    assert publisher.records == []


async def test_a_carrier_cannot_push_another_carriers_parcels(
    client: httpx.AsyncClient, publisher: FakePublisher, settings: GatewaySettings
) -> None:
    """SF's channel pushing a YTO track: every trace fails check_publish."""
    r = await client.post(
        "/v1/inbound/kdniao/SF", content=body(push(), app_key(settings, "SF")), headers=FORM
    )
    answer = assert_kdniao_answer(r, 422, False)
    assert "partner_code_mismatch" in answer["Reason"]
    assert publisher.records == []


async def test_a_platform_channel_publishes_no_parcels(
    client: httpx.AsyncClient, publisher: FakePublisher, settings: GatewaySettings
) -> None:
    r = await client.post(
        "/v1/inbound/kdniao/TMALL", content=body(push(), app_key(settings, "TMALL")), headers=FORM
    )
    assert "kind_not_allowed" in assert_kdniao_answer(r, 422, False)["Reason"]
    assert publisher.records == []


async def test_an_unknown_shipper_code_refuses_its_waybill_and_the_rest_is_taken(
    client: httpx.AsyncClient, publisher: FakePublisher, settings: GatewaySettings
) -> None:
    request = push()
    request["Data"].append({**request["Data"][0], "ShipperCode": "NOSUCH"})
    r = await client.post(
        "/v1/inbound/kdniao/YTO", content=body(request, app_key(settings)), headers=FORM
    )
    answer = assert_kdniao_answer(r, 200, True)
    assert "NOSUCH" in answer["Reason"]
    assert len(publisher.records) == 4


async def test_only_unreadable_waybills_is_refused(
    client: httpx.AsyncClient, publisher: FakePublisher, settings: GatewaySettings
) -> None:
    request = push()
    request["Data"][0]["ShipperCode"] = "NOSUCH"
    r = await client.post(
        "/v1/inbound/kdniao/YTO", content=body(request, app_key(settings)), headers=FORM
    )
    assert "unknown_carrier" in assert_kdniao_answer(r, 422, False)["Reason"]
    assert publisher.records == []


@pytest.mark.parametrize(
    ("content", "headers", "status"),
    [
        ("RequestData=%7B%7D&RequestType=101", FORM, 400),  # no DataSign
        ("%%%", FORM, 400),
        ("RequestData=%FF%FE&DataSign=x&RequestType=101", FORM, 400),  # not UTF-8
        ('{"RequestData": "{}"}', {"content-type": "application/json"}, 415),
        ("RequestData=x", {"content-type": "text/plain"}, 415),
    ],
)
async def test_malformed_pushes_get_a_kdniao_answer(
    client: httpx.AsyncClient,
    publisher: FakePublisher,
    content: str,
    headers: dict[str, str],
    status: int,
) -> None:
    r = await client.post("/v1/inbound/kdniao/YTO", content=content, headers=headers)
    assert_kdniao_answer(r, status, False)
    assert publisher.records == []


async def test_malformed_json_and_a_wrong_request_type_are_refused(
    client: httpx.AsyncClient, publisher: FakePublisher, settings: GatewaySettings
) -> None:
    key = app_key(settings)
    for content in (body("{not json", key), body(push(), key, request_type="1002")):
        r = await client.post("/v1/inbound/kdniao/YTO", content=content, headers=FORM)
        assert_kdniao_answer(r, 400, False)
    assert publisher.records == []


async def test_an_oversized_push_is_refused_unread(
    client: httpx.AsyncClient, publisher: FakePublisher, settings: GatewaySettings
) -> None:
    big = "x" * (settings.max_json_body_bytes + 1)
    content = f"RequestData={big}&DataSign=0&RequestType=101"
    r = await client.post("/v1/inbound/kdniao/YTO", content=content, headers=FORM)
    assert_kdniao_answer(r, 413, False)
    assert publisher.records == []


async def test_too_many_waybills_are_refused(
    client: httpx.AsyncClient, publisher: FakePublisher, settings: GatewaySettings
) -> None:
    request = push()
    request["Data"] = request["Data"] * (settings.max_events_per_request + 1)
    r = await client.post(
        "/v1/inbound/kdniao/YTO", content=body(request, app_key(settings)), headers=FORM
    )
    assert "waybills" in assert_kdniao_answer(r, 413, False)["Reason"]
    assert publisher.records == []


async def test_kafka_unavailable_asks_kdniao_to_push_again(
    client: httpx.AsyncClient, publisher: FakePublisher, settings: GatewaySettings
) -> None:
    publisher.available = False
    r = await client.post(
        "/v1/inbound/kdniao/YTO", content=body(push(), app_key(settings)), headers=FORM
    )
    assert_kdniao_answer(r, 503, False)
