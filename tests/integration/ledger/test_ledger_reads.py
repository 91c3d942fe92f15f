"""The query API's reads against PostgreSQL: each view is one statement over read-only
sessions, declarations find their siblings by whichever key they have, and the import
limits follow the buyer the documents name (quanhub.ledger.read.documents.buyer_token)."""

from __future__ import annotations

import functools
from datetime import UTC, datetime, timedelta

import asyncpg
import pytest
from ledger_scenarios import ORDER_NO, T0, import_1210_consignment
from ledger_support import Api, append_and_project

from quanhub.bench.synthetic import customs_event, order_event
from quanhub.common.settings import DatabaseSettings
from quanhub.ledger.api.app import POINT_SESSION, READ_SESSION, create_read_pool

pytestmark = pytest.mark.integration

NOW = datetime(2026, 11, 28, 12, tzinfo=UTC)
_append = functools.partial(append_and_project, now=NOW)


async def _declaration(api: Api, partner: str, document: str) -> dict:
    page = await api.get(f"/v1/customs/declarations?document={document}", partner)
    assert page.status_code == 200, page.text
    [item] = page.json()["items"]
    response = await api.get(f"/v1/customs/declarations/{item['id']}", partner)
    assert response.status_code == 200, response.text
    return response.json()


async def test_api_sessions_are_read_only_without_jit(ledger_database: DatabaseSettings) -> None:
    for session, plans in ((READ_SESSION, "auto"), (POINT_SESSION, "force_generic_plan")):
        pool = await create_read_pool(ledger_database, session)
        try:
            async with pool.acquire() as conn:
                assert await conn.fetchval("SHOW jit") == "off"
                assert await conn.fetchval("SHOW plan_cache_mode") == plans
                with pytest.raises(asyncpg.ReadOnlySQLTransactionError):
                    await conn.execute("DELETE FROM ledger_events")
            # A connection goes back without a reset round trip and keeps its session.
            async with pool.acquire() as conn:
                assert await conn.fetchval("SHOW default_transaction_read_only") == "on"
        finally:
            await pool.close()


async def test_a_document_without_logistics_number_finds_its_siblings_by_order(
    ledger_pool: asyncpg.Pool, ledger_api: Api
) -> None:
    await _append(ledger_pool, import_1210_consignment())
    # The platform's ORDER declaration names no logistics number: its payment, waybill and
    # inventory siblings are found through order_no + ebp_code alone.
    view = await _declaration(ledger_api, "QCCUSTOMS", "ORDER")
    assert view["logistics_no"] == ""
    check = view["three_documents"]
    assert check["missing"] == []
    assert {d["document"]: d["source"] for d in check["documents"]} == {
        "order": "customs",
        "payment": "customs",
        "waybill": "customs",
        "inventory": "customs",
    }
    assert check["matched"] is True
    assert view["order"]["order_no"] == ORDER_NO
    assert view["limits"]["buyer_year_total"] == "499.00"
    assert view["limits"]["buyer_year_orders"] == 1


async def test_limits_follow_the_inventory_buyer_when_no_order_is_known(
    ledger_pool: asyncpg.Pool, ledger_api: Api
) -> None:
    order = {"platform_code": "TMALL", "trade_mode": "1210", "ie_flag": "I"}
    events = [
        # Two import orders of the same buyer this year, one of another buyer, and one of
        # the same buyer the year before (CST): only the first two count.
        order_event(
            "o1",
            status="PAID",
            occurred_at=T0,
            order_no="TM-L-1",
            buyer="b-777",
            actual_paid="14000.00",
            **order,
        ),
        order_event(
            "o2",
            status="PAID",
            occurred_at=T0 + timedelta(days=1),
            order_no="TM-L-2",
            buyer="b-777",
            actual_paid="11000.00",
            **order,
        ),
        order_event(
            "o3",
            status="PAID",
            occurred_at=T0,
            order_no="TM-L-3",
            buyer="b-888",
            actual_paid="900.00",
            **order,
        ),
        order_event(
            "o4",
            status="PAID",
            occurred_at=datetime(2025, 12, 31, 15, 59, tzinfo=UTC),
            order_no="TM-L-4",
            buyer="b-777",
            actual_paid="800.00",
            **order,
        ),
        # An inventory for an order the hub never saw: the buyer comes from the inventory.
        customs_event(
            "inv",
            declarant="JNAGENT",
            message_type="CEB621",
            cop_no="INV-L-1",
            occurred_at=T0 + timedelta(days=2),
            order_no="TM-UNKNOWN",
            ebp_code="3701PT0001",
            buyer="b-777",
            actual_paid="1500.00",
        ),
    ]
    await _append(ledger_pool, events)
    view = await _declaration(ledger_api, "QCCUSTOMS", "INVENTORY")
    assert view["order"] is None
    limits = view["limits"]
    assert limits["applies"] is True
    assert limits["year"] == 2026
    assert limits["order_amount"] == "1500.00"
    assert limits["buyer_year_orders"] == 2
    assert limits["buyer_year_total"] == "25000.00"
    assert limits["exceeds_annual_limit"] is False
    assert limits["exceeds_order_limit"] is False
    # The declarant agent sees its own document's figures, not the buyer's year.
    own = (await _declaration(ledger_api, "JNAGENT", "INVENTORY"))["limits"]
    assert own == {
        **limits,
        "buyer_year_total": None,
        "buyer_year_orders": None,
        "buyer_year_unreadable": None,
        "exceeds_annual_limit": None,
    }
