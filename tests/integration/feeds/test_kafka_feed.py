"""Kafka transport: a partner's filtered feed topic receives its events, keyed, in order."""

from __future__ import annotations

from collections import defaultdict

import asyncpg
import orjson
import pytest

from quanhub.common.access import Role
from quanhub.common.kafka import make_consumer
from quanhub.common.settings import DatabaseSettings, KafkaSettings
from quanhub.common.tracecontext import parse_traceparent
from quanhub.common.traceids import is_safe_trace_id
from quanhub.ledger.feeds.kafka_feed import KAFKA_URL, feed_topic

from .support import append_to_ledger, parcel_event, wait_until
from .test_dispatcher import _settings, _subscribe, dispatching

pytestmark = pytest.mark.integration


async def test_kafka_subscription_fills_the_partners_topic(
    pool: asyncpg.Pool,
    database_settings: DatabaseSettings,
    kafka_settings: KafkaSettings,
    make_partner,
) -> None:
    carrier, _ = await make_partner(Role.CARRIER)
    other, _ = await make_partner(Role.CARRIER)
    await _subscribe(pool, carrier.partner_code, KAFKA_URL, ["parcel"])
    events = [parcel_event(carrier.partner_code, f"K{n % 4}00{n % 4}", n) for n in range(40)]
    noise = [parcel_event(other.partner_code, f"N{n:05d}", n) for n in range(10)]
    seqs = await append_to_ledger(pool, events + noise)
    mine = seqs[:40]
    topic = feed_topic(kafka_settings, carrier.partner_code)
    received: list[tuple[bytes, dict[str, object], dict[str, bytes]]] = []
    settings = _settings(database_settings, kafka=kafka_settings, batch_size=15)
    async with dispatching(settings):

        async def topic_exists() -> bool:
            return await _exists(kafka_settings, topic)

        await wait_until(topic_exists, within=30)
        consumer = make_consumer(kafka_settings, topic, group_id=None, client_id="feeds-test")
        await consumer.start()
        try:

            async def all_consumed() -> bool:
                batch = await consumer.getmany(timeout_ms=200)
                for records in batch.values():
                    for r in records:
                        received.append((r.key, orjson.loads(r.value), dict(r.headers)))
                return len(received) >= len(mine)

            await wait_until(all_consumed, within=60)
        finally:
            await consumer.stop()

    assert sorted(int(v["seq"]) for _, v, _ in received) == mine  # each once, none foreign
    by_key: defaultdict[bytes, list[int]] = defaultdict(list)
    for key, value, headers in received:
        assert headers["seq"] == str(value["seq"]).encode()
        assert headers["event_id"] == str(value["event_id"]).encode()
        # traceparent continues the event's trace (absent for one the hub may not keep).
        trace = value["event"].get("trace_id", "")
        parent = parse_traceparent(headers.get("traceparent"))
        assert (parent.trace_id if parent else "") == (trace if is_safe_trace_id(trace) else "")
        assert key == f"P|{carrier.partner_code}|{value['waybill_no']}".encode()
        by_key[key].append(int(value["seq"]))
    assert len(by_key) == 4
    assert all(s == sorted(s) for s in by_key.values())  # one object's events in order


async def _exists(settings: KafkaSettings, topic: str) -> bool:
    from aiokafka.admin import AIOKafkaAdminClient

    admin = AIOKafkaAdminClient(bootstrap_servers=settings.bootstrap)
    await admin.start()
    try:
        return topic in await admin.list_topics()
    finally:
        await admin.close()
