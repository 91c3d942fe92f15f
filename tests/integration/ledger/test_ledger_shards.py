"""Four ledger shards on one PostgreSQL, and on two (shards 1 and 3 on the second, their
steps published by the sequencer): the consumer, SIGKILLed mid-batch and restarted, loses
and duplicates nothing; every shard numbers its events gap-free on its instance, the
global sequence (home's ranges) is gap-free over all of them, and each instance's
projections (links across its shards included) equal a rebuild. With one shard, one range
maps every seq to itself."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from pathlib import Path

import asyncpg
import pytest
from consumer_process import (
    kill_mid_batch,
    produce,
    start_sharded_consumer,
    wait_offsets_at_end,
)
from ledger_scenarios import linked_orders, random_traffic
from ledger_support import append_and_project, partitioned_kafka, total, wait_for

from quanhub.common.settings import DatabaseSettings, KafkaSettings
from quanhub.ledger.store.rebuild import verify
from quanhub.ledger.store.shard_map import ShardMap
from quanhub.ledger.store.shards import SEQ_BITS, shard_of

pytestmark = [pytest.mark.integration, pytest.mark.chaos]

SHARDS = 4
NOW = datetime(2026, 11, 28, 12, tzinfo=UTC)
#: Canonical partitions of this test's topic: two per shard (p and p + 4 share shard p mod 4).
PARTITIONS = 8
SCANS = 9_000
DUPLICATES = 1_500


@pytest.fixture
async def sharded_kafka(ledger_kafka: KafkaSettings) -> KafkaSettings:
    """Kafka settings whose canonical topic (new, created here) has PARTITIONS partitions."""
    return await partitioned_kafka(ledger_kafka, "s", PARTITIONS)


@pytest.mark.timeout(600)
async def test_four_shards_sigkill_mid_batch_lose_and_duplicate_nothing(
    sharded_kafka: KafkaSettings,
    instance_pools: list[tuple[DatabaseSettings, asyncpg.Pool]],
    tmp_path: Path,
) -> None:
    instances = [database for database, _ in instance_pools]
    pools = [pool for _, pool in instance_pools]
    home = pools[0]
    shard_map = ShardMap.of(instances[0].url, [d.url for d in instances[1:]])
    events = random_traffic(SCANS, seed=7, parcels=1_500) + linked_orders("so", range(0, 1_500, 3))
    await produce(sharded_kafka, events + events[:DUPLICATES])
    distinct = len(events)

    group = f"ledger-shards-{uuid.uuid4().hex[:8]}"
    log = tmp_path / "consumer.log"
    first = start_sharded_consumer(
        sharded_kafka, instances, group, log, shards=SHARDS, batch_max_records=500
    )
    await kill_mid_batch(home, first)
    written_before_restart = await total(pools, "SELECT count(*) FROM ledger_events")
    assert 0 < written_before_restart < distinct, "the kill did not land mid-stream"

    second = start_sharded_consumer(
        sharded_kafka, instances, group, log, shards=SHARDS, batch_max_records=500
    )
    try:

        async def all_visible() -> bool:
            head = await home.fetchval("SELECT last_seq FROM ledger_sequence")
            return bool(head >= distinct)

        await wait_for(all_visible, timeout=240, what="every event visible")
        await wait_offsets_at_end(home, sharded_kafka, group, *pools[1:])
    finally:
        second.terminate()
        assert second.wait(timeout=30) == 0, log.read_text()[-3000:]

    rows = []
    for instance, pool in enumerate(pools):
        held = await pool.fetch("SELECT seq, shard, kafka_partition, event_id FROM ledger_events")
        assert all(shard_map.instance_of(r["shard"]) == instance for r in held)
        rows += held
    assert len(rows) == len({r["event_id"] for r in rows}) == distinct
    assert {str(r["event_id"]) for r in rows} == {e.event_id for e in events}
    by_shard: dict[int, list[int]] = {}
    for r in rows:
        assert r["shard"] == shard_of(r["kafka_partition"], SHARDS)  # the static map
        assert r["seq"] >> SEQ_BITS == r["shard"]
        by_shard.setdefault(r["shard"], []).append(r["seq"] - (r["shard"] << SEQ_BITS))
    assert sorted(by_shard) == list(range(SHARDS)), "every shard got events"
    for shard, numbers in by_shard.items():
        assert sorted(numbers) == list(range(1, len(numbers) + 1)), f"shard {shard} has gaps"
        pool = pools[shard_map.instance_of(shard)]
        appended = await pool.fetchval(
            "SELECT last_seq FROM ledger_appended WHERE shard = $1", shard
        )
        visible = await pool.fetchval("SELECT last_seq FROM ledger_visible WHERE shard = $1", shard)
        assert appended == visible == (shard << SEQ_BITS) + len(numbers)

    # The global sequence: ranges back to back from 1, each shard's in its own seq order,
    # together covering every event once.
    ranges = await home.fetch(
        "SELECT global_first, shard, first_seq, events FROM ledger_global_ranges "
        "ORDER BY global_first"
    )
    expected_global = 1
    next_of_shard = {s: (s << SEQ_BITS) + 1 for s in range(SHARDS)}
    for r in ranges:
        assert r["global_first"] == expected_global
        assert r["first_seq"] == next_of_shard[r["shard"]]
        expected_global += r["events"]
        next_of_shard[r["shard"]] += r["events"]
    assert expected_global - 1 == distinct
    assert await home.fetchval("SELECT last_seq FROM ledger_sequence") == distinct
    assert len({r["shard"] for r in ranges}) == SHARDS

    links = await total(pools, "SELECT count(*) FROM order_parcels WHERE from_order")
    assert links > 0
    for pool in pools:
        async with pool.acquire() as conn:
            diffs = await verify(conn)
        assert all(d.equal for d in diffs), diffs


async def test_one_shard_keeps_one_range_mapping_each_seq_to_itself(
    ledger_pool: asyncpg.Pool,
) -> None:
    for batch in range(3):
        events = random_traffic(50, seed=100 + batch, parcels=20)
        await append_and_project(ledger_pool, events, now=NOW, topic=f"t{batch}")
    ranges = await ledger_pool.fetch(
        "SELECT global_first, shard, first_seq, events FROM ledger_global_ranges"
    )
    assert [tuple(r) for r in ranges] == [(1, 0, 1, 150)]
    assert await ledger_pool.fetchval("SELECT last_seq FROM ledger_sequence") == 150
