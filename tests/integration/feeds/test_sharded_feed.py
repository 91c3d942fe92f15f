"""Four ledger shards on one PostgreSQL, and on two (shards 1 and 3 on the second, their
steps published by the sequencer), their projectors stepping side by side: partners still
read one gap-free global sequence, and SSE (resumed by Last-Event-ID), webhooks and the
Kafka feed carry the same events under the same seqs, in the same order; a carrier's feed
carries its parcels wherever their shard lives."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import asyncpg
import httpx
import orjson
import pytest

from quanhub.canonical.v1 import canonical_pb2 as cpb
from quanhub.common.access import Role, create_partner
from quanhub.common.canonical import canonical_business_key
from quanhub.common.clock import SystemClock
from quanhub.common.db import create_database, drop_database
from quanhub.common.kafka import make_consumer, partition_of
from quanhub.common.settings import DatabaseSettings, KafkaSettings
from quanhub.ledger.decode import decode
from quanhub.ledger.feeds import store
from quanhub.ledger.feeds.kafka_feed import KAFKA_URL, feed_topic
from quanhub.ledger.feeds.runtime import FeedSettings
from quanhub.ledger.settings import ShardMapSettings
from quanhub.ledger.store.projector import project_all
from quanhub.ledger.store.rebuild import verify
from quanhub.ledger.store.sequencer import sequence
from quanhub.ledger.store.shard_map import ShardMap
from quanhub.ledger.store.shards import ensure_shards, shard_of
from quanhub.ledger.store.writer import Position, prepare, write_batch

from .api_app import make_app, serving
from .support import Receiver, order_event, parcel_event, running_receiver, wait_until
from .test_dispatcher import SECRET, _settings, dispatching
from .test_sse import read_until

pytestmark = pytest.mark.integration

SHARDS = 4
PARTITIONS = 8
TOPIC = "test.canonical"
ROUNDS = 6
PER_ROUND = 40

_RANGES = "SELECT global_first, shard, first_seq, events FROM ledger_global_ranges"
_EVENTS = "SELECT seq, shard, kind, event_id::text AS event_id FROM ledger_events"


async def _global_order(pools: list[asyncpg.Pool]) -> list[tuple[int, str, str]]:
    """Each event's (global seq, event id, kind), through the range of home's (pools[0])
    that holds it, whichever instance holds the event."""
    ranges = await pools[0].fetch(_RANGES)
    out = []
    for pool in pools:
        for e in await pool.fetch(_EVENTS):
            (r,) = [
                r
                for r in ranges
                if r["shard"] == e["shard"]
                and r["first_seq"] <= e["seq"] < r["first_seq"] + r["events"]
            ]
            out.append((r["global_first"] + e["seq"] - r["first_seq"], e["event_id"], e["kind"]))
    return sorted(out)


@pytest.fixture(params=[1, 2], ids=["one-instance", "two-instances"])
async def sharded_databases(
    request: pytest.FixtureRequest, base_database_settings: DatabaseSettings
) -> AsyncIterator[list[DatabaseSettings]]:
    """Migrated databases of this test's own (the session's holds one shard's seqs): the
    home one, and with two instances one on the second PostgreSQL."""
    name = f"quanhub_feeds_shards_{uuid.uuid4().hex[:10]}"
    servers = [base_database_settings]
    if request.param == 2:
        servers.append(request.getfixturevalue("second_base_database_settings"))
    made = []
    try:
        for server in servers:
            made.append(await create_database(server, name, pool_max=8))
        yield made
    finally:
        for server in servers:
            await drop_database(server, name)


def _events(round_no: int) -> list[cpb.CanonicalEvent]:
    """Parcels and the orders naming them: keys of both kinds, so of every shard."""
    out: list[cpb.CanonicalEvent] = []
    for n in range(PER_ROUND):
        waybill = f"SH{n % 25:04d}"
        if n % 5 == 0:
            out.append(order_event("JD", f"JD{n:04d}-{round_no}", carrier="SF", waybill=waybill))
        else:
            out.append(parcel_event("SF", waybill, round_no * PER_ROUND + n, platform="JD"))
    return out


async def _fill(shard_map: ShardMap) -> int:
    """Write ROUNDS rounds of events, each shard's part by its own writer on its instance,
    then step the four projectors and the sequencer concurrently (and the sequencer once
    more); returns the events written."""
    conns = [await asyncpg.connect(shard_map.url_of(s)) for s in range(SHARDS)]
    instances = [await asyncpg.connect(url) for url in shard_map.urls]
    remote = {s: instances[shard_map.instance_of(s)] for s in shard_map.remote_shards(SHARDS)}
    offsets = dict.fromkeys(range(PARTITIONS), 0)
    written = 0
    try:
        for conn in instances:
            await ensure_shards(conn, range(SHARDS))
        for conn in conns:
            await prepare(conn)
        now = datetime.now(UTC)
        for round_no in range(ROUNDS):
            parts: dict[int, list[object]] = {}
            for event in _events(round_no):
                # The producer's partition of the event's business key: one object's
                # events stay in one shard, which the shards' steps rely on.
                partition = partition_of(canonical_business_key(event), range(PARTITIONS))
                row = decode(
                    event.SerializeToString(),
                    topic=TOPIC,
                    partition=partition,
                    offset=offsets[partition],
                    recorded_at=now,
                )
                offsets[partition] += 1
                parts.setdefault(shard_of(partition, SHARDS), []).append(row)
            for shard, rows in parts.items():
                positions = [
                    Position(TOPIC, p, offsets[p])
                    for p in range(PARTITIONS)
                    if shard_of(p, SHARDS) == shard
                ]
                await write_batch(
                    conns[shard],
                    rows,  # type: ignore[arg-type]
                    group_id="g",
                    positions=positions,
                    now=now,
                    shard=shard,
                )
                written += len(rows)
            await asyncio.gather(
                *(
                    project_all(conns[s], shard=s, max_events=17, publish=shard_map.on_home(s))
                    for s in range(SHARDS)
                ),
                sequence(instances[0], remote),
            )
            await sequence(instances[0], remote)
    finally:
        for conn in conns + instances:
            await conn.close()
    return written


async def test_sse_webhooks_and_the_kafka_feed_carry_one_global_sequence(
    sharded_databases: list[DatabaseSettings], kafka_settings: KafkaSettings
) -> None:
    sharded_database, *others = sharded_databases
    shard_map = ShardMap.of(sharded_database.url, [d.url for d in others])
    placed = ShardMapSettings(shard_instances=[d.url for d in others])
    written = await _fill(shard_map)
    pools = [await asyncpg.create_pool(d.url, min_size=1, max_size=4) for d in sharded_databases]
    pool = pools[0]
    try:
        ordered = await _global_order(pools)
        expected = [(seq, event_id) for seq, event_id, _ in ordered]
        assert [seq for seq, _ in expected] == list(range(1, written + 1)), "global gaps"
        assert await pool.fetchval("SELECT last_seq FROM ledger_sequence") == written
        shards_in_ranges = await pool.fetchval(
            "SELECT count(DISTINCT shard) FROM ledger_global_ranges"
        )
        assert shards_in_ranges == SHARDS
        for instance in pools:
            async with instance.acquire() as conn:
                diffs = await verify(conn)
            assert all(d.equal for d in diffs), diffs

        # A code per instance count: its Kafka feed topic is the session's, not the run's.
        admin, key = await create_partner(
            pool,
            code=f"SHARDADMIN{len(sharded_databases)}",
            role=Role.ADMIN,
            name="test",
            clock=SystemClock(),
        )
        code = admin.principal().partner_code
        _, carrier_key = await create_partner(
            pool, code="SF", role=Role.CARRIER, name="test", clock=SystemClock()
        )
        parcels = [(seq, event_id) for seq, event_id, kind in ordered if kind == "parcel"]

        # SSE, read in two connections: the second resumes by Last-Event-ID.
        feed_settings = FeedSettings(sse_page_size=23, heartbeat_seconds=30, shard_map=placed)
        app = make_app(sharded_database, feed_settings)
        auth = {"Authorization": f"Bearer {key.api_key}"}
        params = {"after": "0", "kinds": "order,parcel"}
        async with serving(app) as base, httpx.AsyncClient(base_url=base, timeout=20) as client:
            first, last_id = await read_until(client, auth, params, 101)
            assert last_id is not None
            rest, _ = await read_until(
                client, {**auth, "Last-Event-ID": last_id}, {"kinds": "order,parcel"}, written - 101
            )
            # A carrier's feed: its parcels (the parcel rule, read on each shard's instance).
            async with asyncio.timeout(60):
                own, _ = await read_until(
                    client,
                    {"Authorization": f"Bearer {carrier_key.api_key}"},
                    {"after": "0", "kinds": "parcel"},
                    len(parcels),
                )
        sse = [(e["seq"], e["event_id"]) for e in first + rest]
        assert [(e["seq"], e["event_id"]) for e in own] == parcels

        # Webhooks and the Kafka feed, both from the start of the global sequence.
        async with running_receiver(Receiver()) as receiver:
            async with pool.acquire() as conn:
                subs = {}
                for url in (receiver.url, KAFKA_URL):
                    sub = await store.create_subscription(
                        conn,
                        partner_code=code,
                        url=url,
                        kinds=["order", "parcel"],
                        description="shards",
                        secret=SECRET,
                        cursor_seq=0,
                        now=datetime.now(UTC),
                    )
                    subs[url] = str(sub.id)
            topic = feed_topic(kafka_settings, code)
            kafka: list[tuple[int, str]] = []
            settings = _settings(
                sharded_database, kafka=kafka_settings, batch_size=31, shard_map=placed
            )
            async with dispatching(settings):

                async def webhooks_done() -> bool:
                    return len(receiver.accepted_events(subs[receiver.url])) >= written

                await wait_until(webhooks_done, within=90)
                consumer = make_consumer(kafka_settings, topic, group_id=None, client_id="shards")
                await consumer.start()
                try:

                    async def kafka_done() -> bool:
                        batch = await consumer.getmany(timeout_ms=200)
                        for records in batch.values():
                            for r in records:
                                value = orjson.loads(r.value)
                                assert dict(r.headers)["seq"] == str(value["seq"]).encode()
                                kafka.append((value["seq"], value["event_id"]))
                        return len(kafka) >= written

                    await wait_until(kafka_done, within=90)
                finally:
                    await consumer.stop()
        webhooks = [(e["seq"], e["event_id"]) for e in receiver.accepted_events(subs[receiver.url])]
    finally:
        for instance in pools:
            await instance.close()

    assert sse == expected
    assert webhooks == expected
    assert sorted(kafka) == expected  # partitions by object key: each in order, merged here
