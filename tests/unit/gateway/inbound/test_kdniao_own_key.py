"""A Kdniao channel that carries the partner's own AppKey: the push Kdniao signs with it
is taken, the hub's derived secret no longer verifies, and another account is refused.

The sample's DataSign is computed outside Python, as Kdniao's demos do it, by
    printf '%s' "$REQUEST_DATA$APP_KEY" | md5sum | cut -c1-32 | tr -d '\\n' | base64
so the route is checked against an independent implementation, not the project's own.
"""

from __future__ import annotations

import base64
import hashlib
from urllib.parse import urlencode

import httpx
import pytest
from gateway_fakes import FakePublisher
from push_fakes import FORM, NONCE, derived_secret

from quanhub.common.access import Principal, Role
from quanhub.common.access.push import PushChannel
from quanhub.common.access.push_keys import seal_push_key
from quanhub.gateway.settings import GatewaySettings

APP_KEY = "56da2cf8-c8a2-44b2-b6fa-476cd7d1ba17"
REQUEST_DATA = (
    '{"EBusinessID":"1237100","PushTime":"2024-05-18 10:30:00","Count":"1","Data":'
    '[{"EBusinessID":"1237100","ShipperCode":"YTO","LogisticCode":"YT7452213596841",'
    '"Success":true,"State":"2","StateEx":"202","Traces":[{"AcceptTime":'
    '"2024-05-17 21:34:19","AcceptStation":"【济南转运中心】已发出","Action":"2"}]}]}'
)
DATA_SIGN = "NjkwYmIzMWM1M2M3NzNhZGU2MjU2MGFlNWU4ZmZmMTM="  # by md5sum and base64


class OwnKeyChannels:
    """YTO's kdniao channel, sealed with APP_KEY for `account` under the gateway's secret;
    ZTO's sealed under another hub's secret."""

    def __init__(self, master: bytes, account: str | None) -> None:
        self.master = master
        self.account = account

    async def find(self, partner_code: str, fmt: str) -> PushChannel | None:
        if fmt != "kdniao" or partner_code not in {"YTO", "ZTO"}:
            return None
        master = self.master if partner_code == "YTO" else b"another-hub-secret-0123456789ab"
        principal = Principal(partner_code, Role.CARRIER, partner_code, None)
        sealed = seal_push_key(master, partner_code, fmt, self.account, APP_KEY)
        return PushChannel(principal, NONCE, sealed, self.account)


def _form(sign: str = DATA_SIGN, request_data: str = REQUEST_DATA) -> str:
    return urlencode({"RequestData": request_data, "DataSign": sign, "RequestType": "101"})


@pytest.fixture(params=[None, "1237100"], ids=["no-account", "account"])
def account(request: pytest.FixtureRequest) -> str | None:
    """The Kdniao account YTO's AppKey is sealed for (none: any account)."""
    account: str | None = request.param
    return account


@pytest.fixture
def push_channels(settings: GatewaySettings, account: str | None) -> OwnKeyChannels:
    return OwnKeyChannels(settings.pii.secret.get_secret_value().encode(), account)


async def test_a_push_kdniao_signed_with_the_partners_app_key_is_taken(
    client: httpx.AsyncClient, publisher: FakePublisher
) -> None:
    r = await client.post("/v1/inbound/kdniao/YTO", content=_form(), headers=FORM)
    assert r.status_code == 200, r.text
    assert (r.json()["Success"], r.json()["EBusinessID"]) == (True, "1237100")
    assert len(publisher.records) == 1
    assert ("partner", b"YTO") in publisher.records[0].headers


async def test_the_derived_secret_does_not_verify_while_an_app_key_is_set(
    client: httpx.AsyncClient, publisher: FakePublisher, settings: GatewaySettings
) -> None:
    derived = derived_secret(settings, "kdniao")
    digest = hashlib.md5((REQUEST_DATA + derived).encode(), usedforsecurity=False).hexdigest()
    sign = base64.b64encode(digest.encode()).decode()
    r = await client.post("/v1/inbound/kdniao/YTO", content=_form(sign), headers=FORM)
    assert (r.status_code, r.json()["Success"]) == (401, False)
    assert publisher.records == []


async def test_an_app_key_sealed_under_another_hub_secret_verifies_nothing(
    client: httpx.AsyncClient, publisher: FakePublisher
) -> None:
    r = await client.post("/v1/inbound/kdniao/ZTO", content=_form(), headers=FORM)
    assert (r.status_code, r.json()["Success"]) == (401, False)
    assert r.json()["Reason"] == "no push channel, or a bad signature"  # says nothing more
    assert publisher.records == []


@pytest.mark.parametrize("account", ["7654321"])
async def test_a_push_of_another_account_is_refused_when_the_account_is_set(
    client: httpx.AsyncClient, publisher: FakePublisher
) -> None:
    """EBusinessID 1237100 in the push; the channel's AppKey is account 7654321's."""
    r = await client.post("/v1/inbound/kdniao/YTO", content=_form(), headers=FORM)
    assert (r.status_code, r.json()["Success"]) == (401, False)
    assert "EBusinessID" in r.json()["Reason"]
    assert publisher.records == []
