"""Who receives what: each role's feed, read through the same source SSE and webhooks use."""

from __future__ import annotations

import uuid

import asyncpg
import pytest

from quanhub.canonical.v1 import canonical_pb2 as cpb
from quanhub.common.access import Principal, Role
from quanhub.ledger.feeds.source import KINDS, LedgerEventSource

from .support import append_to_ledger, customs_receipt, order_event, parcel_event

pytestmark = pytest.mark.integration


async def _feed(pool: asyncpg.Pool, principal: Principal, after: int, upto: int) -> list[int]:
    async with pool.acquire() as conn:
        events = await LedgerEventSource().fetch(
            conn, principal, kinds=KINDS, after_seq=after, upto_seq=upto, limit=1000
        )
    return [e.seq for e in events]


async def test_each_role_receives_what_concerns_it(pool: asyncpg.Pool, make_partner) -> None:
    carrier, _ = await make_partner(Role.CARRIER, customs_code="LOG" + uuid.uuid4().hex[:8])
    rival, _ = await make_partner(Role.CARRIER)
    platform, _ = await make_partner(Role.PLATFORM, customs_code="EBP" + uuid.uuid4().hex[:8])
    other_platform, _ = await make_partner(Role.PLATFORM)
    agent, _ = await make_partner(Role.CUSTOMS_AGENT)
    liaison, _ = await make_partner(Role.CUSTOMS_LIAISON)
    analyst, _ = await make_partner(Role.ANALYST)
    admin = Principal("ADMINX", Role.ADMIN, "admin")
    async with pool.acquire() as conn:
        start = await LedgerEventSource().head(conn)

    p, c = platform.partner_code, carrier.partner_code
    other = other_platform.partner_code
    shipped, scan, receipt, rival_scan, other_order = await append_to_ledger(
        pool,
        [
            order_event(p, "ORD-1", carrier=c, waybill="SF100200300"),
            # The carrier confirms the link (names the order): each side shares its object.
            _naming(parcel_event(c, "SF100200300", 1), p, "ORD-1"),
            customs_receipt(
                agent.partner_code,
                "COP-1",
                order_no="ORD-1",
                ebp_code=platform.customs_code or "",
                logistics_code=carrier.customs_code or "",
                waybill="SF100200300",
            ),
            # A one-sided claim: the rival names another platform's order, which names no
            # parcel. It shares the rival's parcel with that platform, and nothing back.
            _naming(parcel_event(rival.partner_code, "ZT900800700", 1), other, "ORD-9"),
            order_event(other, "ORD-9"),
        ],
    )
    end = other_order

    assert await _feed(pool, carrier, start, end) == [shipped, scan, receipt]
    assert await _feed(pool, rival, start, end) == [rival_scan]
    assert await _feed(pool, platform, start, end) == [shipped, scan, receipt]
    assert await _feed(pool, other_platform, start, end) == [rival_scan, other_order]
    # The agent's receipt names the order and the parcel; neither owner named the agent.
    assert await _feed(pool, agent, start, end) == [receipt]
    assert await _feed(pool, liaison, start, end) == [receipt]
    assert await _feed(pool, analyst, start, end) == []
    assert await _feed(pool, admin, start, end) == [shipped, scan, receipt, rival_scan, other_order]


def _naming(scan: cpb.CanonicalEvent, platform: str, order_no: str) -> cpb.CanonicalEvent:
    """The carrier's scan, naming the order it says it ships."""
    scan.parcel.platform_code = platform
    scan.parcel.order_no = order_no
    return scan


async def test_feed_documents_hold_masked_forms_only(pool: asyncpg.Pool, make_partner) -> None:
    platform, _ = await make_partner(Role.PLATFORM)
    async with pool.acquire() as conn:
        start = await LedgerEventSource().head(conn)
    (seq,) = await append_to_ledger(pool, [order_event(platform.partner_code, "ORD-PII")])
    async with pool.acquire() as conn:
        (event,) = await LedgerEventSource().fetch(
            conn, platform, kinds=KINDS, after_seq=start, upto_seq=seq, limit=10
        )
    text = event.to_json().decode()
    assert "张*" in text
    assert "tok-secret-name" not in text
    assert "_token" not in text
