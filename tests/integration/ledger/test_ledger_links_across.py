"""Order <-> parcel links whose order and parcel live on different PostgreSQL instances
travel through the links topic: with two shards on two instances, a platform's order on
one naming a parcel on the other and the carrier's scan naming the order back end as the
mutual link on both, one-sided claims stay one-sided on both, the consumer SIGKILLed while
facts wait in an outbox loses and duplicates nothing, and each instance's links equal a
rebuild of that instance. With one instance no fact is written and the links topic is
never created."""

from __future__ import annotations

import subprocess
import uuid
from datetime import timedelta
from pathlib import Path

import asyncpg
import pytest
from aiokafka.admin import AIOKafkaAdminClient
from consumer_process import produce, start_sharded_consumer, wait_offsets_at_end
from ledger_scenarios import T0, detected_order
from ledger_support import partitioned_kafka, total, wait_for

from quanhub.bench.synthetic import order_event, parcel_event
from quanhub.canonical.v1 import canonical_pb2 as cpb
from quanhub.common.canonical import order_key, parcel_key
from quanhub.common.kafka import partition_of
from quanhub.common.settings import DatabaseSettings, KafkaSettings
from quanhub.common.topics import Topics
from quanhub.ledger.store.rebuild import verify

pytestmark = [pytest.mark.integration, pytest.mark.chaos]

SHARDS = 2
#: Canonical partitions: p belongs to shard p mod 2, shard k to instance k mod 2.
PARTITIONS = 4
#: Link scenarios (each an order and up to two scans); most join the two instances.
LINKS = 1_200
#: Orders naming a ZTO-shaped waybill without the carrier (detection confirms the link once
#: ZTO's scan names the order: store/waybill_links.py).
DETECTED = 12

Link = tuple[str, str, str, str]


@pytest.fixture
async def links_kafka(ledger_kafka: KafkaSettings) -> KafkaSettings:
    """Kafka settings whose canonical topic (new, created here) has PARTITIONS partitions."""
    return await partitioned_kafka(ledger_kafka, "x", PARTITIONS)


def _instance(key: bytes, instances: int) -> int:
    """The instance of a key's shard, as the normalizer's producer partitions it."""
    return (partition_of(key, list(range(PARTITIONS))) % SHARDS) % instances


def _traffic() -> tuple[list[cpb.CanonicalEvent], dict[Link, tuple[bool, bool]]]:
    """Orders and scans, and the flags every link must end with: n % 4 == 0 and 1 mutual,
    2 the order's claim only, 3 the carrier's claim only (the order names no waybill)."""
    events: list[cpb.CanonicalEvent] = []
    expected: dict[Link, tuple[bool, bool]] = {}
    for n in range(LINKS):
        kind = n % 4
        platform, order_no = ("JD" if n % 3 else "TMALL"), f"XO{n:06d}"
        carrier, waybill = ("SF" if n % 2 else "ZTO"), f"XW{n:06d}"
        at = T0 + timedelta(minutes=n)
        names_parcel = kind != 3
        events.append(
            order_event(
                f"xo-{n}",
                platform_code=platform,
                order_no=order_no,
                status="SHIPPED",
                occurred_at=at,
                carrier_id=carrier if names_parcel else "",
                waybill_no=waybill if names_parcel else "",
            )
        )
        for step, status in enumerate(("PICKED_UP", "IN_TRANSIT")):
            names_order = kind in (0, 1, 3) and step == 1
            events.append(
                parcel_event(
                    f"xp-{n}-{step}",
                    carrier_id=carrier,
                    waybill_no=waybill,
                    status=status,
                    occurred_at=at + timedelta(hours=step + 1),
                    platform_code=platform if names_order else "",
                    order_no=order_no if names_order else "",
                )
            )
        expected[platform, order_no, carrier, waybill.upper()] = (kind != 3, kind != 2)
    for m in range(DETECTED):
        waybill, order_no = f"7361{m:010d}", f"DX{m:04d}"  # 14 digits from 73: ZTO, 0.7
        events += [_detected_order(order_no, waybill), _named_by_zto(order_no, waybill)]
        expected["TMALL", order_no, "ZTO", waybill] = (True, True)
    return events, expected


def _detected_order(order_no: str, waybill_no: str) -> cpb.CanonicalEvent:
    event = detected_order(f"dx-{order_no}", order_no, waybill_no, occurred_at=T0)
    assert event.order.detected_carrier_id == "ZTO"
    assert not event.order.carrier_id
    return event


def _named_by_zto(order_no: str, waybill_no: str) -> cpb.CanonicalEvent:
    return parcel_event(
        f"dz-{order_no}",
        carrier_id="ZTO",
        waybill_no=waybill_no,
        status="IN_TRANSIT",
        occurred_at=T0 + timedelta(hours=1),
        platform_code="TMALL",
        order_no=order_no,
    )


async def _links(pool: asyncpg.Pool) -> dict[Link, tuple[bool, bool]]:
    rows = await pool.fetch(
        "SELECT platform_code, order_no, carrier_id, waybill_no, from_order, from_parcel "
        "FROM order_parcels"
    )
    return {(r[0], r[1], r[2], r[3]): (r[4], r[5]) for r in rows}


def _held(expected: dict[Link, tuple[bool, bool]], instance: int, instances: int) -> dict:
    """The links instance `instance` must hold: those with a side on it."""
    return {
        link: flags
        for link, flags in expected.items()
        if instance
        in (
            _instance(order_key(link[0], link[1]), instances),
            _instance(parcel_key(link[2], link[3]), instances),
        )
    }


async def _kill_with_facts_in_flight(
    pools: list[asyncpg.Pool], consumer: subprocess.Popen[bytes]
) -> None:
    """SIGKILL the consumer while some instance's outbox holds facts not yet applied."""
    try:

        async def facts_waiting() -> bool:
            return await total(pools, "SELECT count(*) FROM ledger_link_outbox") > 0

        await wait_for(facts_waiting, timeout=120, what="facts in an outbox", max_delay=0.005)
        consumer.kill()
        assert consumer.wait(timeout=10) < 0
    finally:
        if consumer.poll() is None:
            consumer.kill()


async def _topic_exists(kafka: KafkaSettings, topic: str) -> bool:
    admin = AIOKafkaAdminClient(bootstrap_servers=kafka.bootstrap)
    await admin.start()
    try:
        return topic in await admin.list_topics()
    finally:
        await admin.close()


@pytest.mark.timeout(600)
async def test_links_across_instances_end_mutual_on_both_through_a_sigkill(
    links_kafka: KafkaSettings,
    instance_pools: list[tuple[DatabaseSettings, asyncpg.Pool]],
    tmp_path: Path,
) -> None:
    instances = [database for database, _ in instance_pools]
    pools = [pool for _, pool in instance_pools]
    events, expected = _traffic()
    crossing = [
        link
        for link in expected
        if _instance(order_key(link[0], link[1]), 2) != _instance(parcel_key(link[2], link[3]), 2)
    ]
    assert len(crossing) > LINKS // 3, "most links join the two instances"
    await produce(links_kafka, events)

    group = f"ledger-links-{uuid.uuid4().hex[:8]}"
    log = tmp_path / "consumer.log"

    def start() -> subprocess.Popen[bytes]:
        return start_sharded_consumer(
            links_kafka, instances, group, log, shards=SHARDS, batch_max_records=200
        )

    first = start()
    if len(pools) == 2:
        await _kill_with_facts_in_flight(pools, first)
        applied = await total(pools, "SELECT count(*) FROM ledger_link_facts")
        assert applied < len(crossing), "the kill came after every fact was applied"
        second = start()
    else:
        second = first
    try:
        await wait_offsets_at_end(pools[0], links_kafka, group, *pools[1:])

        async def converged() -> bool:
            if await total(pools, "SELECT count(*) FROM ledger_link_outbox"):
                return False
            for instance, pool in enumerate(pools):
                if await _links(pool) != _held(expected, instance, len(pools)):
                    return False
            return True

        await wait_for(converged, timeout=120, what="every instance's links as expected")
    finally:
        second.terminate()
        assert second.wait(timeout=30) == 0, log.read_text()[-3000:]

    assert await total(pools, "SELECT count(*) FROM ledger_events") == len(events)
    links_topic = Topics(links_kafka).ledger_links
    if len(pools) == 1:
        # One instance: today's SQL; no outbox row, no fact, no links topic.
        assert await total(pools, "SELECT count(*) FROM ledger_link_facts") == 0
        assert not await _topic_exists(links_kafka, links_topic)
        assert await _links(pools[0]) == expected
    else:
        home, other = [await _links(pool) for pool in pools]
        both = set(home) & set(other)
        assert both == set(crossing), "a crossing link is on both instances, no other"
        mutual = [link for link in crossing if expected[link] == (True, True)]
        one_sided = [link for link in crossing if expected[link] != (True, True)]
        assert mutual
        assert one_sided
        assert any(link[1].startswith("DX") for link in mutual), "a detected link crosses"
        assert all(home[link] == other[link] == (True, True) for link in mutual)
        assert all(home[link] == other[link] == expected[link] for link in one_sided)
        # The applier's offsets (in PostgreSQL, with the facts) reached the topic's end.
        stored = await total(
            pools,
            f"SELECT count(*) FROM consumer_offsets WHERE group_id = '{group}.links'",  # noqa: S608
        )
        assert stored > 0
    for pool in pools:
        async with pool.acquire() as conn:
            diffs = await verify(conn)
        assert all(d.equal for d in diffs), diffs
