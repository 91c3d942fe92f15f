"""`quanhub ledger links-backfill`: links projected on two PostgreSQL instances before the
link exchange (each one-sided where its side's events were projected) are routed through
the outboxes once, and the running consumer's relays and applier make every crossing link
hold both sides' assertions on both instances, one-sided claims still one-sided; a second
run routes nothing and changes nothing."""

from __future__ import annotations

import uuid
from datetime import timedelta
from pathlib import Path

import asyncpg
import pytest
from consumer_process import start_sharded_consumer
from ledger_scenarios import T0
from ledger_support import partitioned_kafka, total, wait_for
from sharded_support import SpreadWriter

from quanhub.bench.synthetic import order_event, parcel_event
from quanhub.canonical.v1 import canonical_pb2 as cpb
from quanhub.common.canonical import order_key, parcel_key
from quanhub.common.kafka import partition_of
from quanhub.common.settings import DatabaseSettings, KafkaSettings
from quanhub.ledger.store.link_backfill import backfill_links
from quanhub.ledger.store.rebuild import verify
from quanhub.ledger.store.shard_map import ShardMap

pytestmark = pytest.mark.integration

SHARDS, PARTITIONS = 2, 4
LINKS = 400

Link = tuple[str, str, str, str]
Flags = tuple[bool, bool]


def _traffic() -> tuple[list[cpb.CanonicalEvent], dict[Link, Flags]]:
    """Orders and scans, and the flags every link must end with: n % 3 == 0 mutual, 1 the
    order's claim only, 2 the carrier's claim only (the order names no waybill)."""
    events: list[cpb.CanonicalEvent] = []
    expected: dict[Link, Flags] = {}
    for n in range(LINKS):
        kind = n % 3
        platform, order_no = ("JD" if n % 2 else "TMALL"), f"BO{n:06d}"
        carrier, waybill = ("SF" if n % 5 else "ZTO"), f"BW{n:06d}"
        at = T0 + timedelta(minutes=n)
        events.append(
            order_event(
                f"bo-{n}",
                platform_code=platform,
                order_no=order_no,
                status="SHIPPED",
                occurred_at=at,
                carrier_id=carrier if kind != 2 else "",
                waybill_no=waybill if kind != 2 else "",
            )
        )
        events.append(
            parcel_event(
                f"bp-{n}",
                carrier_id=carrier,
                waybill_no=waybill,
                status="IN_TRANSIT",
                occurred_at=at + timedelta(hours=1),
                platform_code=platform if kind != 1 else "",
                order_no=order_no if kind != 1 else "",
            )
        )
        expected[platform, order_no, carrier, waybill] = (kind != 2, kind != 1)
    return events, expected


def _instance(key: bytes) -> int:
    return partition_of(key, range(PARTITIONS)) % SHARDS % 2


def _held(expected: dict[Link, Flags], instance: int) -> dict[Link, Flags]:
    """The links instance `instance` must hold: those with a side on it."""
    return {
        link: flags
        for link, flags in expected.items()
        if instance in (_instance(order_key(*link[:2])), _instance(parcel_key(*link[2:])))
    }


def _covers(fact: Flags | None, flags: Flags) -> bool:
    """Whether a fact from the other instance holds at least these flags (what the
    backfill skips a link for)."""
    return fact is not None and all(f or not g for f, g in zip(fact, flags, strict=True))


async def _table(conn: asyncpg.Connection, table: str) -> dict[Link, Flags]:
    columns = "platform_code, order_no, carrier_id, waybill_no, from_order, from_parcel"
    rows = await conn.fetch(f"SELECT {columns} FROM {table}")  # noqa: S608 - our own names
    return {(r[0], r[1], r[2], r[3]): (r[4], r[5]) for r in rows}


@pytest.mark.timeout(300)
async def test_links_projected_before_the_exchange_are_backfilled_once(
    ledger_kafka: KafkaSettings,
    ledger_database: DatabaseSettings,
    second_database: DatabaseSettings,
    tmp_path: Path,
) -> None:
    kafka = await partitioned_kafka(ledger_kafka, "b", PARTITIONS)
    instances = [ledger_database, second_database]
    conns = [await asyncpg.connect(d.url) for d in instances]
    pools = [await asyncpg.create_pool(d.url, min_size=1, max_size=2) for d in instances]
    consumer = None
    try:
        writer = SpreadWriter(
            conns,
            ShardMap.of(ledger_database.url, [second_database.url]),
            shards=SHARDS,
            partitions=PARTITIONS,
        )
        await writer.prepare()
        events, expected = _traffic()
        await writer.append(events, recorded_at=T0)
        await writer.project([0, 1])  # as before migration 0042: no outbox
        crossing = set(_held(expected, 0)) & set(_held(expected, 1))
        assert len(crossing) > LINKS // 3, "most links join the two instances"
        before = [await _table(conn, "order_parcels") for conn in conns]
        for instance, links in enumerate(before):
            # Each holds its own side's claims only: crossing links one-sided or missing.
            held = _held(expected, instance)
            assert set(links) <= set(held)
            assert links != held

        consumer = start_sharded_consumer(
            kafka,
            instances,
            f"ledger-backfill-{uuid.uuid4().hex[:8]}",
            tmp_path / "log",
            shards=SHARDS,
            batch_max_records=500,
        )
        routed = [await backfill_links(c, writer.router(i)) for i, c in enumerate(conns)]
        assert all(routed), routed
        assert sum(routed) <= 2 * len(crossing)

        async def converged() -> bool:
            if await total(pools, "SELECT count(*) FROM ledger_link_outbox"):
                return False
            for instance, conn in enumerate(conns):
                links = await _table(conn, "order_parcels")
                if links != _held(expected, instance):
                    return False
                # The other side's answers applied too (they may still be on the links
                # topic when the outboxes are empty and the links already whole).
                facts = await _table(conn, "ledger_link_facts")
                if not all(_covers(facts.get(link), links[link]) for link in crossing):
                    return False
            return True

        await wait_for(converged, timeout=120, what="every instance's links as expected")
        facts = [await _table(conn, "ledger_link_facts") for conn in conns]
        assert set(facts[0]) | set(facts[1]) == crossing

        # Again: every crossing link came back confirmed, so nothing is routed.
        assert [await backfill_links(c, writer.router(i)) for i, c in enumerate(conns)] == [0, 0]
        assert await total(pools, "SELECT count(*) FROM ledger_link_outbox") == 0
        assert [await _table(conn, "ledger_link_facts") for conn in conns] == facts
        for instance, conn in enumerate(conns):
            assert await _table(conn, "order_parcels") == _held(expected, instance)
            assert all(d.equal for d in await verify(conn, publish=instance == 0))
    finally:
        if consumer is not None:
            consumer.terminate()
            assert consumer.wait(timeout=30) == 0, (tmp_path / "log").read_text()[-3000:]
        for pool in pools:
            await pool.close()
        for conn in conns:
            await conn.close()
