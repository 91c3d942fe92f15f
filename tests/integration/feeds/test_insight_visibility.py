"""Who receives the hub's insights: exactly who may see their object (a parcel, a
declaration), a carrier's incidents that carrier and the city; read through the source SSE
and webhooks use, only by those who ask for the `insight` kind."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import asyncpg
import pytest

from quanhub.canonical.v1 import canonical_pb2 as cpb
from quanhub.common.access import Principal, Role
from quanhub.ledger.alerts.model import Alert, AlertKind
from quanhub.ledger.feeds.source import DEFAULT_KINDS, LedgerEventSource
from quanhub.ledger.feeds.store import create_subscription
from quanhub.ledger.incidents.detect import Incident
from quanhub.ledger.watcher.decide import alert_changes, canonical_event, incident_changes

from .support import append_to_ledger, customs_receipt, order_event, parcel_event

pytestmark = pytest.mark.integration

AT = datetime(2026, 11, 28, 12, tzinfo=UTC)


async def _feed(
    pool: asyncpg.Pool, principal: Principal, after: int, kinds: tuple[str, ...] = ("insight",)
) -> list[int]:
    async with pool.acquire() as conn:
        source = LedgerEventSource()
        events = await source.fetch(
            conn,
            principal,
            kinds=kinds,
            after_seq=after,
            upto_seq=await source.head(conn),
            limit=1000,
        )
    return [e.seq for e in events]


def _stalled(carrier: str, waybill: str) -> Alert:
    return Alert(
        key=f"P|{carrier}|{waybill}",
        kind=AlertKind.STALLED,
        object="parcel",
        carrier=carrier,
        waybill_no=waybill,
        status="IN_TRANSIT",
        district="370112",
        since=AT - timedelta(days=8),
        silent_hours=192.0,
        threshold_hours=168.0,
        norm="",
    )


def _stuck(declarant: str, cop_no: str) -> Alert:
    return Alert(
        key=f"C|{declarant}|{cop_no}",
        kind=AlertKind.CUSTOMS_STUCK,
        object="declaration",
        carrier="",
        declarant=declarant,
        cop_no=cop_no,
        status="SENT_TO_CUSTOMS",
        district="370112",
        since=AT - timedelta(days=3),
        silent_hours=72.0,
        threshold_hours=48.0,
        norm="",
    )


def _incident(carrier: str) -> Incident:
    return Incident(carrier=carrier, district="370112", start=AT, detected_at=AT)


def _insights(alerts: list[Alert], incidents: list[Incident]) -> list[cpb.CanonicalEvent]:
    drafts = alert_changes({}, alerts, AT) + incident_changes(set(), incidents, AT)
    return [canonical_event(d, AT) for d in drafts]


async def test_an_insight_reaches_whom_its_object_reaches(pool: asyncpg.Pool, make_partner) -> None:
    carrier, _ = await make_partner(Role.CARRIER, customs_code="LOG" + uuid.uuid4().hex[:8])
    rival, _ = await make_partner(Role.CARRIER)
    platform, _ = await make_partner(Role.PLATFORM, customs_code="EBP" + uuid.uuid4().hex[:8])
    other_platform, _ = await make_partner(Role.PLATFORM)
    agent, _ = await make_partner(Role.CUSTOMS_AGENT)
    liaison, _ = await make_partner(Role.CUSTOMS_LIAISON)
    analyst, _ = await make_partner(Role.ANALYST)
    admin = Principal("ADMINX", Role.ADMIN, "admin")
    c, r, p = carrier.partner_code, rival.partner_code, platform.partner_code
    cop_no = f"COP-{uuid.uuid4().hex[:6]}"
    waybill, rival_waybill = f"SF{uuid.uuid4().hex[:9]}", f"ZT{uuid.uuid4().hex[:9]}"
    scan = parcel_event(c, waybill, 1)
    scan.parcel.platform_code, scan.parcel.order_no = p, "ORD-1"  # the carrier names it
    rival_scan = parcel_event(r, rival_waybill, 1)
    await append_to_ledger(
        pool,
        [
            order_event(p, "ORD-1", carrier=c, waybill=waybill),
            scan,
            customs_receipt(
                agent.partner_code,
                cop_no,
                order_no="ORD-1",
                ebp_code=platform.customs_code or "",
                logistics_code=carrier.customs_code or "",
                waybill=waybill,
            ),
            rival_scan,
        ],
    )
    async with pool.acquire() as conn:
        start = await LedgerEventSource().head(conn)

    insights = [
        *_insights([_stalled(c, waybill)], []),
        *_insights([_stalled(r, rival_waybill)], []),
        *_insights([_stuck(agent.partner_code, cop_no)], []),
        *_insights([], [_incident(c)]),
        *_insights([], [_incident(r)]),
    ]
    stalled, rival_stalled, stuck, incident, rival_incident = [
        (await append_to_ledger(pool, [event]))[0] for event in insights
    ]

    assert await _feed(pool, carrier, start) == [stalled, stuck, incident]
    assert await _feed(pool, rival, start) == [rival_stalled, rival_incident]
    assert await _feed(pool, platform, start) == [stalled, stuck]
    assert await _feed(pool, other_platform, start) == []
    assert await _feed(pool, agent, start) == [stuck]
    assert await _feed(pool, liaison, start) == [stuck, incident, rival_incident]
    assert await _feed(pool, analyst, start) == []
    everything = [stalled, rival_stalled, stuck, incident, rival_incident]
    assert await _feed(pool, admin, start) == everything
    # Insights are asked for by name: the default kinds carry none.
    assert await _feed(pool, admin, start, DEFAULT_KINDS) == []


async def test_a_subscription_may_ask_for_insights(pool: asyncpg.Pool, make_partner) -> None:
    carrier, _ = await make_partner(Role.CARRIER)
    async with pool.acquire() as conn:
        sub = await create_subscription(
            conn,
            partner_code=carrier.partner_code,
            url="https://hooks.example.com/q",
            kinds=["order", "parcel", "customs", "insight"],
            description="",
            secret="s" * 40,
            cursor_seq=0,
            now=AT,
        )
    assert sub.kinds == ("order", "parcel", "customs", "insight")
