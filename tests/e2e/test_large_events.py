"""An order event just under the gateway's size limit (512 KiB) goes the whole way: raw
topic, normalizer, canonical topic, ledger, and the order API."""

from __future__ import annotations

import asyncio
import time
import uuid

import httpx
import pytest

from quanhub.stack.servicegroup import RunningServices

pytestmark = pytest.mark.e2e


async def test_an_order_near_the_size_limit_reaches_the_order_api(
    services: RunningServices,
) -> None:
    order_no = f"BIG{uuid.uuid4().hex[:10].upper()}"
    line = {"item_name": "商品" * 120, "quantity": 1, "unit_price": "1.00", "total_price": "1.00"}
    event = {
        "event_id": f"big-{order_no}",
        "occurred_at": "2026-11-28T08:00:00Z",
        "order": {
            "platform_code": "TMALL",
            "order_no": order_no,
            "code_system": "quanhub",
            "code": "PAID",
            "currency": "CNY",
            "actual_paid": "680.00",
            "lines": [{**line, "gnum": i + 1} for i in range(680)],
        },
    }
    key = {"Authorization": f"Bearer {services.demo_keys['TMALL']}"}
    async with httpx.AsyncClient(timeout=30) as client:
        posted = await client.post(
            f"{services.gateway_url}/v1/events", json={"events": [event]}, headers=key
        )
        assert posted.status_code == 202, posted.text
        assert posted.json() == {"accepted": 1, "rejected": []}
        deadline = time.monotonic() + 60
        while True:
            found = await client.get(
                f"{services.ledger_url}/v1/orders/TMALL/{order_no}", headers=key
            )
            if found.status_code == 200 or time.monotonic() > deadline:
                break
            await asyncio.sleep(0.2)
    assert found.status_code == 200, found.text
    order = found.json()
    assert order["status"] == "PAID"
    assert len(order["lines"]) == 680
    assert order["lines"][679]["item_name"] == "商品" * 120
