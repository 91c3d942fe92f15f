"""GET /v1/carriers/detect on the query API over the real PostgreSQL: any authenticated
partner asks which carriers a waybill number is probably from; it is rate-limited like
every partner route, and a number that is no waybill is refused."""

from __future__ import annotations

import pytest
from ledger_support import Api

from quanhub.common.http import PROBLEM_JSON

pytestmark = pytest.mark.integration

DETECT = "/v1/carriers/detect"


async def test_a_platform_learns_the_carrier_of_a_lettered_number(ledger_api: Api) -> None:
    answer = await ledger_api.get(f"{DETECT}?waybill=sf1385628716739", "TMALL")
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["waybill_no"] == "SF1385628716739"
    (first,) = body["candidates"]
    assert first == {
        "carrier_id": "SF",
        "name_zh": "顺丰速运",
        "name_en": "SF Express",
        "kuaidi100": "shunfeng",
        "kdniao": "SF",
        "confidence": 0.95,
        "shape": "SF + 13 digits",
    }
    assert "x-ratelimit-limit" in answer.headers


async def test_a_shared_shape_lists_each_fitting_carrier_best_first(ledger_api: Api) -> None:
    body = (await ledger_api.get(f"{DETECT}?waybill=1207119765021", "JD")).json()
    ids = [c["carrier_id"] for c in body["candidates"]]
    assert ids == ["EMS", "YUNDA", "CHINAPOST"]
    confidences = [c["confidence"] for c in body["candidates"]]
    assert confidences == sorted(confidences, reverse=True)
    assert sum(confidences) <= 1.0


@pytest.mark.parametrize("partner", ["SF", "JNAGENT", "QCCUSTOMS", "JNCOMMERCE", "ADMIN"])
async def test_every_role_may_ask_and_nothing_fits_gives_an_empty_list(
    ledger_api: Api, partner: str
) -> None:
    answer = await ledger_api.get(f"{DETECT}?waybill=5685685685685685", partner)
    assert answer.status_code == 200, answer.text
    assert answer.json() == {"waybill_no": "5685685685685685", "candidates": []}


async def test_without_a_key_it_is_401(ledger_api: Api) -> None:
    answer = await ledger_api.client.get(f"{DETECT}?waybill=SF1385628716739")
    assert answer.status_code == 401
    assert answer.headers["content-type"].startswith(PROBLEM_JSON)


@pytest.mark.parametrize("query", ["", "?waybill=", "?waybill=SF12", "?waybill=SF%201385628716739"])
async def test_a_number_that_is_no_waybill_is_422(ledger_api: Api, query: str) -> None:
    answer = await ledger_api.get(f"{DETECT}{query}", "TMALL")
    assert answer.status_code == 422, answer.text
    assert answer.headers["content-type"].startswith(PROBLEM_JSON)


async def test_it_is_rate_limited_like_every_partner_route(ledger_api: Api) -> None:
    statuses: list[int] = []
    headers = {"Authorization": f"Bearer {ledger_api.keys['ZTO']}"}
    for _ in range(400):
        answer = await ledger_api.client.get(f"{DETECT}?waybill=73610555582883", headers=headers)
        statuses.append(answer.status_code)
        if answer.status_code == 429:
            assert answer.json()["code"] == "rate_limited"
            break
    assert statuses[-1] == 429, "no 429 within 400 requests"
