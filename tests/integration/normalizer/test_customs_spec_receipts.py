"""Raw topic → normalizer → canonical topic → ledger: customs receipts the spec keys by the
payment transaction (CEB412) and by the waybill (CEB512), carrying neither copNo nor
orderNo, land on the declaration they answer, whichever arrives first."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta, timezone

import asyncpg
import pytest
from normalizer_kafka import Flow, ledger_rows

from quanhub.canonical.v1 import canonical_pb2 as cpb
from quanhub.common.topics import EventKind
from quanhub.ingest.v1 import ingest_pb2 as ipb

pytestmark = pytest.mark.integration

CST = timezone(timedelta(hours=8))


def _receipt() -> dict[str, str]:
    """Accepted by customs now (returnTime is China Standard Time, 17 digits)."""
    at = datetime.now(CST)
    stamp = f"{at:%Y%m%d%H%M%S}{at.microsecond // 1000:03d}"
    return {"return_status": "120", "return_info": "海关入库", "return_time": stamp}


def _envelope(partner: str, event_id: str, customs: ipb.CustomsEvent) -> bytes:
    now = datetime.now(UTC)
    env = cpb.RawEnvelope(partner_code=partner, partner_role="customs_agent", ingress="gateway")
    env.received_at.FromDatetime(now)
    env.event.event_id = event_id
    env.event.occurred_at.FromDatetime(now - timedelta(minutes=1))
    env.event.customs.CopyFrom(customs)
    return env.SerializeToString()


async def test_payment_and_waybill_receipts_land_on_their_declarations(flow: Flow) -> None:
    partner = f"ceb{uuid.uuid4().hex[:8]}"
    pay = {"pay_code": "312226T001", "pay_transaction_id": "PT20261128000001"}
    waybill = {"logistics_code": "SF", "logistics_no": "SF1000000001"}
    common = {"trade_mode": "1210", "ie_flag": "I"}
    events = [  # receipts first: arrival order must not matter
        ("pr", ipb.CustomsEvent(message_type="CEB412", **pay, **_receipt())),
        ("wr", ipb.CustomsEvent(message_type="CEB512", **waybill, **_receipt())),
        ("p", ipb.CustomsEvent(message_type="CEB411", order_no="O1", **pay, **common)),
        ("w", ipb.CustomsEvent(message_type="CEB511", order_no="O1", **waybill, **common)),
    ]
    for event_id, customs in events:
        value = _envelope(partner, event_id, customs)
        await flow.producer.send_and_wait(flow.topics.raw(EventKind.CUSTOMS), value)
    await flow.start()

    assert len(await flow.canonical(partner, 4)) == 4  # none dead-lettered
    rows = await ledger_rows(flow.kafka, flow.database, partner, count=4)
    by_id = {r["source_event_id"]: r for r in rows}
    assert set(by_id) == {"pr", "wr", "p", "w"}
    assert by_id["pr"]["declaration_id"] == by_id["p"]["declaration_id"]
    assert by_id["wr"]["declaration_id"] == by_id["w"]["declaration_id"]
    assert by_id["p"]["declaration_id"] != by_id["w"]["declaration_id"]
    assert await _declarations(flow, partner) == {
        ("PAYMENT", "PT20261128000001", "O1", 1, 2, "ACCEPTED"),
        ("WAYBILL", "SF1000000001", "O1", 1, 2, "ACCEPTED"),
    }


async def _declarations(flow: Flow, partner: str) -> set[tuple[object, ...]]:
    conn = await asyncpg.connect(flow.database.url)
    try:
        found = await conn.fetch(
            "SELECT document, cop_no, order_no, receipt_count, event_count, status"
            " FROM declarations WHERE declarant = $1",
            partner,
        )
    finally:
        await conn.close()
    return {tuple(r) for r in found}
