"""A 1210 import consignment posted to the canonical topic scrambled and with duplicates
reads back from the query API as one consistent consignment with the right statuses."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import asyncpg
import pytest
from ledger_scenarios import ORDER_NO, WAYBILL, import_1210_consignment, keyed, scrambled
from ledger_support import VISIBLE_EVENTS, Api, consumer_settings, wait_for
from prometheus_client import generate_latest

from quanhub.common.clock import SystemClock
from quanhub.common.kafka import make_producer
from quanhub.common.settings import DatabaseSettings, KafkaSettings
from quanhub.common.topics import Topics
from quanhub.ledger.consumer.metrics import ConsumerMetrics
from quanhub.ledger.consumer.service import LedgerConsumer
from quanhub.ledger.store.rebuild import verify

pytestmark = pytest.mark.integration


@pytest.fixture
def consumer_metrics() -> ConsumerMetrics:
    return ConsumerMetrics()


@pytest.fixture
async def consumer(
    ledger_kafka: KafkaSettings,
    ledger_database: DatabaseSettings,
    ledger_pool: asyncpg.Pool,
    consumer_metrics: ConsumerMetrics,
) -> AsyncIterator[LedgerConsumer]:
    """The ledger consumer running in this event loop, small batches to spread the events."""
    settings = consumer_settings(ledger_kafka, ledger_database, batch_max_records=4)
    service = LedgerConsumer(settings, ledger_pool, clock=SystemClock(), metrics=consumer_metrics)
    stop = asyncio.Event()
    task = asyncio.create_task(service.run(stop))
    yield service
    stop.set()
    await asyncio.wait_for(task, timeout=30)


async def _produce(settings: KafkaSettings, events: list) -> None:
    producer = make_producer(settings, client_id="ledger-test")
    await producer.start()
    try:
        topic = Topics(settings).canonical
        for event in events:
            key, value = keyed(event)
            await producer.send(topic, value, key=key)
        await producer.flush()
    finally:
        await producer.stop()


async def test_scrambled_1210_consignment_reads_back_consistent(
    ledger_kafka: KafkaSettings,
    ledger_pool: asyncpg.Pool,
    ledger_api: Api,
    consumer: LedgerConsumer,
    consumer_metrics: ConsumerMetrics,
) -> None:
    events = import_1210_consignment()
    sent = scrambled(events, seed=1210, duplicates=9)
    assert len(sent) == len(events) + 9
    await _produce(ledger_kafka, sent)

    async def all_written() -> bool:
        return await ledger_pool.fetchval(VISIBLE_EVENTS) == len(events)

    await wait_for(all_written, what="every distinct event in the ledger, projected")
    # The stale scan was the last record; once written, the projections are final.
    offsets = await ledger_pool.fetchval("SELECT sum(next_offset) FROM consumer_offsets")
    assert offsets == len(sent)
    assert await ledger_pool.fetchval("SELECT max(seq) FROM ledger_events") == len(events)

    async def counted() -> bool:  # metrics follow each commit by a moment
        exported = generate_latest(consumer_metrics.registry).decode()
        return f"quanhub_ledger_records_total {float(len(sent))}" in exported

    await wait_for(counted, timeout=10, what="the consumer's metrics")
    exported = generate_latest(consumer_metrics.registry).decode()
    assert f"quanhub_ledger_events_appended_total {float(len(events))}" in exported
    assert 'quanhub_ledger_lag_records{partition="' in exported

    response = await ledger_api.get(f"/v1/orders/TMALL/{ORDER_NO}", "TMALL")
    assert response.status_code == 200, response.text
    order = response.json()
    assert order["status"] == "COMPLETED"
    assert order["trade_mode"] == "1210"
    assert order["actual_paid"] == "499.00"
    assert [(p["waybill_no"], p["status"]) for p in order["parcels"]] == [(WAYBILL, "DELIVERED")]
    parcel = order["parcels"][0]
    assert parcel["delivery_point"] == "SMART_LOCKER"
    statuses = {d["document"]: d["status"] for d in order["declarations"]}
    assert statuses == {
        "ORDER": "ACCEPTED",
        "PAYMENT": "ACCEPTED",
        "WAYBILL": "ACCEPTED",
        "INVENTORY": "RELEASED",
    }
    consignment = order["consignment"]
    assert consignment["complete"] is True
    assert consignment["parcel_statuses"] == {f"SF/{WAYBILL}": "DELIVERED"}
    # One merged timeline: every distinct event once, in event-time order.
    timeline = order["timeline"]
    assert sorted(e["event_id"] for e in timeline) == sorted(e.event_id for e in events)
    assert [e["at"] for e in timeline] == sorted(e["at"] for e in timeline)
    # The person is masked; no token or clear value is served.
    assert order["buyer"]["name_masked"] == "张*"
    assert "token" not in response.text

    # The late, stale scan took its place in the timeline and did not move DELIVERED back.
    response = await ledger_api.get(f"/v1/parcels/shunfeng/{WAYBILL.lower()}", "SF")
    assert response.status_code == 200, response.text
    view = response.json()
    assert view["status"] == "DELIVERED"
    assert [e["status"] for e in view["timeline"]] == [
        "PICKED_UP",
        "IN_TRANSIT",
        "IN_TRANSIT",
        "OUT_FOR_DELIVERY",
        "DELIVERED",
    ]
    assert [o["order_no"] for o in view["orders"]] == [ORDER_NO]
    assert {d["document"]: d["status"] for d in view["customs"]} == {
        "WAYBILL": "ACCEPTED",
        "INVENTORY": "RELEASED",
    }

    async with ledger_pool.acquire() as conn:
        diffs = await verify(conn)
    assert all(d.equal for d in diffs), diffs


async def test_declaration_view_orders_receipts_and_matches_documents(
    ledger_kafka: KafkaSettings,
    ledger_pool: asyncpg.Pool,
    ledger_api: Api,
    consumer: LedgerConsumer,
) -> None:
    events = import_1210_consignment()
    await _produce(ledger_kafka, scrambled(events, seed=7, duplicates=5))

    async def all_written() -> bool:
        return await ledger_pool.fetchval(VISIBLE_EVENTS) == len(events)

    await wait_for(all_written, what="every distinct event in the ledger, projected")
    page = await ledger_api.get("/v1/customs/declarations?document=INVENTORY", "QCCUSTOMS")
    assert page.status_code == 200, page.text
    [inventory] = page.json()["items"]
    assert inventory["status"] == "RELEASED"

    response = await ledger_api.get(f"/v1/customs/declarations/{inventory['id']}", "QCCUSTOMS")
    assert response.status_code == 200, response.text
    view = response.json()
    assert [r["return_status"] for r in view["receipts"]] == ["2", "120", "399", "800"]
    assert view["order"]["order_no"] == ORDER_NO
    assert [p["waybill_no"] for p in view["parcels"]] == [WAYBILL]
    check = view["three_documents"]
    assert check["missing"] == []
    assert {c["rule"]: c["result"] for c in check["checks"]} == {
        "amount": "agree",
        "buyer_payer": "agree",
        "consignee": "agree",
        "lines": "agree",
        "all_accepted": "agree",
    }
    assert check["matched"] is True
    limits = view["limits"]
    assert limits["applies"] is True
    assert limits["order_amount"] == "499.00"
    assert limits["exceeds_order_limit"] is False
    assert limits["buyer_year_total"] == "499.00"
    assert limits["exceeds_annual_limit"] is False


async def test_visibility_hides_other_partners_objects(
    ledger_kafka: KafkaSettings,
    ledger_pool: asyncpg.Pool,
    ledger_api: Api,
    consumer: LedgerConsumer,
) -> None:
    events = import_1210_consignment()
    await _produce(ledger_kafka, events)

    async def all_written() -> bool:
        return await ledger_pool.fetchval(VISIBLE_EVENTS) == len(events)

    await wait_for(all_written, what="every event in the ledger")
    order = f"/v1/orders/TMALL/{ORDER_NO}"
    parcel = f"/v1/parcels/SF/{WAYBILL}"
    expected = {
        (order, "TMALL"): 200,
        (order, "SF"): 200,  # shipped with it
        (order, "QCCUSTOMS"): 200,  # has a declaration
        (order, "JD"): 404,  # another platform's order looks absent
        (order, "ZTO"): 404,
        (order, "JNCOMMERCE"): 403,  # analysts read indicators only
        (parcel, "SF"): 200,
        (parcel, "TMALL"): 200,
        (parcel, "ZTO"): 404,
        (parcel, "JD"): 404,
        ("/v1/parcels/SF/NOSUCHWAYBILL", "SF"): 404,
        ("/v1/kpis?from=2026-11-01&to=2026-11-30", "JNCOMMERCE"): 200,
        ("/v1/kpis?from=2026-11-01&to=2026-11-30", "TMALL"): 403,
    }
    got = {key: (await ledger_api.get(*key)).status_code for key in expected}
    assert got == expected
    listed = await ledger_api.get("/v1/customs/declarations", "JD")
    assert listed.json()["items"] == []
    listed = await ledger_api.get("/v1/customs/declarations", "TMALL")
    assert {d["document"] for d in listed.json()["items"]} == {
        "ORDER",
        "PAYMENT",
        "WAYBILL",
        "INVENTORY",
    }
    unauthenticated = await ledger_api.client.get(order)
    assert unauthenticated.status_code == 401
    assert unauthenticated.headers["content-type"] == "application/problem+json"
    metrics = (await ledger_api.client.get("/metrics")).text
    assert (
        'quanhub_ledger_api_requests_total{route="/v1/orders/{platform_code}/{order_no}",'
        'status="404"} 2.0'
    ) in metrics


async def test_platform_code_in_the_path_is_read_in_any_case(
    ledger_kafka: KafkaSettings,
    ledger_pool: asyncpg.Pool,
    ledger_api: Api,
    consumer: LedgerConsumer,
) -> None:
    """`/v1/orders/tmall/...` is `/v1/orders/TMALL/...`, as carrier codes are read in any
    case; the case changes which order is named, never who may see it."""
    events = import_1210_consignment()
    await _produce(ledger_kafka, events)

    async def all_written() -> bool:
        return await ledger_pool.fetchval(VISIBLE_EVENTS) == len(events)

    await wait_for(all_written, what="every event in the ledger")
    exact = await ledger_api.get(f"/v1/orders/TMALL/{ORDER_NO}", "TMALL")
    assert exact.status_code == 200
    for spelling in ("tmall", "Tmall", " tmall "):
        path = f"/v1/orders/{spelling}/{ORDER_NO}"
        got = await ledger_api.get(path, "TMALL")
        assert got.status_code == 200, spelling
        assert got.json() == exact.json()
        assert (await ledger_api.get(path, "SF")).status_code == 200  # shipped with it
        assert (await ledger_api.get(path, "JD")).status_code == 404  # another platform
        assert (await ledger_api.get(path, "JNCOMMERCE")).status_code == 403
