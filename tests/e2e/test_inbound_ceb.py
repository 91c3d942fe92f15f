"""CEB XML through every service: declarations and their receipts posted to the gateway
as the single window's messages show their status in the ledger's customs API."""

from __future__ import annotations

import asyncio
import time
import uuid
from typing import Any

import httpx
import pytest
from ceb_samples import batch

from quanhub.stack.servicegroup import RunningServices

pytestmark = pytest.mark.e2e


async def _declarations(
    client: httpx.AsyncClient, services: RunningServices, key: str, wanted: dict[str, str]
) -> dict[str, dict[str, Any]]:
    """Poll until each wanted cop_no shows its wanted status (bounded: 60 s)."""
    deadline = time.monotonic() + 60
    found: dict[str, dict[str, Any]] = {}
    while time.monotonic() < deadline:
        r = await client.get(
            f"{services.ledger_url}/v1/customs/declarations",
            params={"limit": 500},
            headers={"authorization": f"Bearer {key}"},
        )
        assert r.status_code == 200, r.text
        found = {d["cop_no"]: d for d in r.json()["items"] if d["cop_no"] in wanted}
        if {cop: d["status"] for cop, d in found.items()} == wanted:
            return found
        await asyncio.sleep(0.5)
    shown = {cop: d["status"] for cop, d in found.items()}
    pytest.fail(f"the declarations did not reach {wanted} in 60 s: {shown}")


async def test_declarations_and_receipts_in_ceb_xml_show_their_status(
    services: RunningServices,
) -> None:
    run = uuid.uuid4().hex[:12].upper()
    key = services.demo_keys["JNAGENT"]
    headers = {"authorization": f"Bearer {key}", "content-type": "application/xml"}
    declarations = ("CEB311.xml", "CEB411.xml", "CEB511.xml", "CEB621.xml")
    receipts = ("CEB312.xml", "CEB412.xml", "CEB512.xml", "CEB622.xml")
    async with httpx.AsyncClient(timeout=30) as client:
        for names in (declarations, receipts):
            body = batch(names, run)
            r = await client.post(
                f"{services.gateway_url}/v1/inbound/ceb", content=body, headers=headers
            )
            assert r.status_code == 202, r.text
            assert r.json()["rejected"] == 0
        # Receipts without copNo (CEB412 by payTransactionId, CEB512 by logisticsNo)
        # land on their declarations; the inventory is released (120, then 800).
        wanted = {
            f"ORD{run}": "ACCEPTED",
            f"PAY{run}": "ACCEPTED",
            f"YT7{run}": "ACCEPTED",
            f"COP{run}": "RELEASED",
        }
        found = await _declarations(client, services, key, wanted)
        inventory = found[f"COP{run}"]
        assert inventory["receipt_count"] == 2
        assert inventory["invt_no"] == "43012026I000000001"
        assert inventory["released_at"] is not None
        assert {d["declarant"] for d in found.values()} == {"JNAGENT"}
        one = await client.get(
            f"{services.ledger_url}/v1/customs/declarations/{inventory['id']}",
            headers={"authorization": f"Bearer {key}"},
        )
        assert one.status_code == 200, one.text
        assert "110101199003071234" not in one.text
        assert "13800138000" not in one.text
