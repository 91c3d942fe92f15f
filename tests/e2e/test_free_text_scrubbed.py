# ruff: noqa: RUF001 - full-width digits and punctuation are the data under test
"""Phone and ID numbers quoted in a parcel's free text, in the spellings people use, come
back masked from the parcel API: posted as protobuf (the gateway's native path) and as JSON
(Python), through the raw topic, the normalizer, the ledger and the query API."""

from __future__ import annotations

import asyncio
import json
import time
import unicodedata
import uuid
from typing import Any

import httpx
import pytest
from google.protobuf import json_format

from quanhub.ingest.v1 import ingest_pb2
from quanhub.stack.servicegroup import RunningServices

pytestmark = pytest.mark.e2e

#: (description, location) pairs: every spelling of issue 16's defect 5, and others.
TEXTS = [
    ("电话 138 1234 5678 已签收", "济南 138-1234-5678"),
    ("收件人电话１３８１２３４５６７８", "tel:8613812345678"),
    ("身份证 370102 19900101 1234", "旧证 370102900101123"),
    ("ID370102199001011234X", "幺三八 幺二三四 五六七八"),
    ("+86 138.1234.5678\n座机 0531-8888 1234", "138\u200b1234\u00a05678"),
]
#: What must not be readable in any of them, digits compared after NFKC.
CLEAR = ("12345678", "19900101", "900101", "88881234")


def _digits(text: str) -> str:
    chinese = {c: str(i) for i, c in enumerate("〇一二三四五六七八九")} | {"幺": "1"}
    nfkc = "".join(chinese.get(c, c) for c in unicodedata.normalize("NFKC", text))
    return "".join(c for c in nfkc if c.isdecimal())


def _event(event_id: str, waybill: str, description: str, location: str) -> dict[str, Any]:
    return {
        "event_id": event_id,
        "occurred_at": "2026-11-28T09:00:00Z",
        "parcel": {
            "carrier_code": "shunfeng",
            "waybill_no": waybill,
            "code_system": "quanhub",
            "code": "DELIVERED",
            "description": description,
            "location": location,
        },
    }


async def _parcel(client: httpx.AsyncClient, ledger: str, waybill: str, key: str) -> Any:
    deadline = time.monotonic() + 60
    while True:
        found = await client.get(f"{ledger}/v1/parcels/SF/{waybill}", headers=_bearer(key))
        if found.status_code == 200 or time.monotonic() > deadline:
            assert found.status_code == 200, found.text
            return found.json()
        await asyncio.sleep(0.2)


def _bearer(key: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {key}"}


@pytest.mark.parametrize("content", ["protobuf", "json"])
async def test_numbers_in_a_parcel_s_free_text_come_back_masked(
    services: RunningServices, content: str
) -> None:
    run = uuid.uuid4().hex[:10].upper()
    key = services.demo_keys["SF"]
    events = [_event(f"ft-{run}-{i}", f"SF{run}{i}", d, loc) for i, (d, loc) in enumerate(TEXTS)]
    async with httpx.AsyncClient(timeout=30) as client:
        if content == "json":
            posted = await client.post(
                f"{services.gateway_url}/v1/events",
                json={"events": events},
                headers=_bearer(key),
            )
        else:
            request = ingest_pb2.PublishRequest()
            for event in events:
                json_format.ParseDict(event, request.events.add())
            posted = await client.post(
                f"{services.gateway_url}/v1/events",
                content=request.SerializeToString(),
                headers={**_bearer(key), "Content-Type": "application/x-protobuf"},
            )
        assert posted.status_code == 202, posted.text
        assert posted.json() == {"accepted": len(TEXTS), "rejected": []}
        views = [
            await _parcel(client, services.ledger_url, f"SF{run}{i}", key)
            for i in range(len(TEXTS))
        ]
    for view in views:
        texts = [view["location"]] + [
            t for entry in view["timeline"] for t in (entry["raw_text"], entry["location"])
        ]
        assert any("*" in t for t in texts), texts
        for text in texts:
            for clear in CLEAR:
                assert clear not in _digits(text), (clear, text)
        whole = json.dumps(view, ensure_ascii=False)
        assert "1234 5678" not in whole
        assert "１３８１２３４５６７８" not in whole
