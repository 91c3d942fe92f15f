"""A platform names an order's waybill without its carrier (issue 18, item 5): through the
gateway, the normalizer (which detects ZTO from the number's shape), the ledger and the
query API, the order links to ZTO's parcel once ZTO names the order, and not before."""

from __future__ import annotations

import asyncio
import random
import time
import uuid
from typing import Any

import httpx
import pytest

from quanhub.stack.servicegroup import RunningServices

pytestmark = pytest.mark.e2e


def _bearer(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


async def _post(
    client: httpx.AsyncClient, services: RunningServices, partner: str, event: Any
) -> None:
    posted = await client.post(
        f"{services.gateway_url}/v1/events",
        json={"events": [event]},
        headers=_bearer(services.demo_keys[partner]),
    )
    assert posted.status_code == 202, posted.text
    assert posted.json()["accepted"] == 1, posted.text


async def _until(
    client: httpx.AsyncClient, url: str, key: str, done: Any, *, seconds: float = 60
) -> Any:
    deadline = time.monotonic() + seconds
    while True:
        found = await client.get(url, headers=_bearer(key))
        body = found.json() if found.status_code == 200 else None
        if (body is not None and done(body)) or time.monotonic() > deadline:
            assert body is not None, found.text
            return body
        await asyncio.sleep(0.2)


async def test_an_order_without_carrier_links_to_the_detected_carriers_parcel(
    services: RunningServices,
) -> None:
    run = uuid.uuid4().hex[:10]
    order_no = f"DC{run}"
    waybill = f"75{random.randrange(10**12):012d}"  # ZTO: 14 digits from 75
    order = {
        "event_id": f"dc-o-{run}",
        "occurred_at": "2026-11-28T09:00:00Z",
        "order": {
            "platform_code": "TMALL",
            "order_no": order_no,
            "code_system": "taobao",
            "code": "WAIT_BUYER_CONFIRM_GOODS",
            "waybill_no": waybill,
        },
    }
    scan = {
        "event_id": f"dc-p-{run}",
        "occurred_at": "2026-11-28T10:00:00Z",
        "parcel": {
            "carrier_code": "ZTO",
            "waybill_no": waybill,
            "code_system": "quanhub",
            "code": "IN_TRANSIT",
            "platform_code": "TMALL",
            "order_no": order_no,
        },
    }
    tmall, zto = services.demo_keys["TMALL"], services.demo_keys["ZTO"]
    order_url = f"{services.ledger_url}/v1/orders/TMALL/{order_no}"
    async with httpx.AsyncClient(timeout=30) as client:
        await _post(client, services, "TMALL", order)
        await _until(client, order_url, tmall, lambda body: True)
        # Detection alone shares nothing: ZTO has not named the order.
        assert (await client.get(order_url, headers=_bearer(zto))).status_code == 404
        await _post(client, services, "ZTO", scan)
        view = await _until(client, order_url, tmall, lambda body: body["parcels"] != [])
        assert [(p["carrier_id"], p["waybill_no"], p["confirmed"]) for p in view["parcels"]] == [
            ("ZTO", waybill, True)
        ]
        assert {e["kind"] for e in view["timeline"]} == {"order", "parcel"}
        shared = await client.get(order_url, headers=_bearer(zto))
        assert shared.status_code == 200, shared.text
