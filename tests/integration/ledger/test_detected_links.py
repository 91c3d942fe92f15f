"""An order naming its waybill without the carrier (issue 18, item 5), over the real
PostgreSQL: the normalizer's detected carrier links the order to that carrier's parcel once
the carrier names the order itself, and never shows the order to a carrier that did not."""

from __future__ import annotations

import functools
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg
import pytest
from ledger_scenarios import detected_order
from ledger_support import Api, append_and_project

from quanhub.bench.synthetic import parcel_event
from quanhub.canonical.v1 import canonical_pb2 as cpb
from quanhub.ledger.store.rebuild import rebuild

pytestmark = pytest.mark.integration

T0 = datetime(2026, 11, 21, 2, tzinfo=UTC)
NOW = datetime(2026, 11, 28, 12, tzinfo=UTC)
_append = functools.partial(append_and_project, now=NOW)
ZTO_SHAPED = "73610555582883"  # 14 digits from 73-76 or 78: ZTO, 0.7
SHARED = "118461988807"  # 12 digits: an older SF or ZTO number, 0.5 each


def _order(no: str, waybill_no: str) -> cpb.CanonicalEvent:
    return detected_order(f"o-{no}", no, waybill_no, occurred_at=T0, actual_paid="555.55")


def _scan(waybill_no: str, *, names: str = "") -> cpb.CanonicalEvent:
    """ZTO's scan of `waybill_no`, naming TMALL's order `names` if given."""
    return parcel_event(
        f"p-{waybill_no}",
        carrier_id="ZTO",
        waybill_no=waybill_no,
        status="IN_TRANSIT",
        occurred_at=T0 + timedelta(hours=1),
        location=f"LOC-{waybill_no}",
        platform_code="TMALL" if names else "",
        order_no=names,
    )


async def _view(api: Api, path: str, reader: str) -> dict[str, Any]:
    response = await api.get(path, reader)
    assert response.status_code == 200, (path, reader, response.text)
    body: dict[str, Any] = response.json()
    return body


async def test_the_detected_carrier_links_once_it_names_the_order(
    ledger_pool: asyncpg.Pool, ledger_api: Api
) -> None:
    await _append(ledger_pool, [_order("DL-1", ZTO_SHAPED)])
    assert (await ledger_api.get("/v1/orders/TMALL/DL-1", "ZTO")).status_code == 404
    await _append(ledger_pool, [_scan(ZTO_SHAPED, names="DL-1")])
    view = await _view(ledger_api, "/v1/orders/TMALL/DL-1", "TMALL")
    assert [(p["carrier_id"], p["waybill_no"], p["confirmed"]) for p in view["parcels"]] == [
        ("ZTO", ZTO_SHAPED, True)
    ]
    assert {e["kind"] for e in view["timeline"]} == {"order", "parcel"}
    await _view(ledger_api, "/v1/orders/TMALL/DL-1", "ZTO")  # now shared with ZTO
    parcel = await _view(ledger_api, f"/v1/parcels/ZTO/{ZTO_SHAPED}", "ZTO")
    assert [(o["order_no"], o["confirmed"]) for o in parcel["orders"]] == [("DL-1", True)]


async def test_the_carriers_claim_first_and_the_order_later_links_too(
    ledger_pool: asyncpg.Pool, ledger_api: Api
) -> None:
    await _append(ledger_pool, [_scan(ZTO_SHAPED, names="DL-2")])
    await _append(ledger_pool, [_order("DL-2", ZTO_SHAPED)])
    parcel = await _view(ledger_api, f"/v1/parcels/ZTO/{ZTO_SHAPED}", "ZTO")
    assert [(o["order_no"], o["confirmed"]) for o in parcel["orders"]] == [("DL-2", True)]


async def test_detection_alone_never_shows_the_order_to_the_carrier(
    ledger_pool: asyncpg.Pool, ledger_api: Api
) -> None:
    await _append(ledger_pool, [_order("DL-3", ZTO_SHAPED), _scan(ZTO_SHAPED)])
    assert (await ledger_api.get("/v1/orders/TMALL/DL-3", "ZTO")).status_code == 404
    view = await _view(ledger_api, "/v1/orders/TMALL/DL-3", "TMALL")
    assert view["parcels"] == []
    assert view["links"] == []


async def test_a_number_several_carriers_print_stays_unconfirmed(
    ledger_pool: asyncpg.Pool, ledger_api: Api
) -> None:
    await _append(ledger_pool, [_order("DL-4", SHARED), _scan(SHARED, names="DL-4")])
    assert (await ledger_api.get("/v1/orders/TMALL/DL-4", "ZTO")).status_code == 404
    view = await _view(ledger_api, "/v1/orders/TMALL/DL-4", "TMALL")
    assert [(p["waybill_no"], p["confirmed"]) for p in view["parcels"]] == [(SHARED, False)]


async def test_a_rebuild_confirms_the_same_links(
    ledger_pool: asyncpg.Pool, ledger_api: Api
) -> None:
    await _append(ledger_pool, [_order("DL-5", ZTO_SHAPED)])
    await _append(ledger_pool, [_scan(ZTO_SHAPED, names="DL-5")])
    query = "SELECT order_no, from_order, from_parcel FROM order_parcels ORDER BY order_no"
    before = [tuple(r) for r in await ledger_pool.fetch(query)]
    assert before == [("DL-5", True, True)]
    async with ledger_pool.acquire() as conn:
        await rebuild(conn)
    assert [tuple(r) for r in await ledger_pool.fetch(query)] == before
