"""The ledger consumer as a real process, for the tests that SIGKILL it mid-batch: start
it, produce canonical events for it, kill it while a batch transaction is open, and read
the canonical topic's end offsets its stored offsets must reach."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path

import asyncpg
from aiokafka import TopicPartition
from ledger_scenarios import keyed
from ledger_support import wait_for

from quanhub.canonical.v1 import canonical_pb2 as cpb
from quanhub.common.kafka import make_consumer, make_producer
from quanhub.common.settings import DatabaseSettings, KafkaSettings
from quanhub.common.topics import Topics
from quanhub.ledger.consumer.service import APPLICATION_NAME


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_consumer(
    kafka: KafkaSettings,
    database: DatabaseSettings,
    group: str,
    log: Path,
    *,
    batch_max_records: int,
    shards: int = 1,
    shard_instances: Sequence[str] = (),
) -> subprocess.Popen[bytes]:
    """`python -m quanhub.ledger.consumer` in consumer group `group`, logging to `log`;
    `shard_instances` are the PostgreSQL instances beside `database` holding shards."""
    env = {
        **os.environ,
        "QUANHUB_KAFKA_BOOTSTRAP": kafka.bootstrap,
        "QUANHUB_KAFKA_TOPIC_NAMESPACE": kafka.topic_namespace,
        "QUANHUB_KAFKA_PARTITIONS": str(kafka.partitions),
        "QUANHUB_KAFKA_CANONICAL_PARTITIONS": str(kafka.canonical_partitions),
        "QUANHUB_DATABASE_URL": database.url,
        "QUANHUB_LEDGER_CONSUMER_GROUP_ID": group,
        "QUANHUB_LEDGER_CONSUMER_PORT": str(_free_port()),
        "QUANHUB_LEDGER_CONSUMER_BATCH_MAX_RECORDS": str(batch_max_records),
        "QUANHUB_LEDGER_CONSUMER_SHARDS": str(shards),
        "QUANHUB_LEDGER_SHARD_INSTANCES": json.dumps(list(shard_instances)),
    }
    with log.open("ab") as out:
        return subprocess.Popen(
            [sys.executable, "-m", "quanhub.ledger.consumer"], env=env, stdout=out, stderr=out
        )


def start_sharded_consumer(
    kafka: KafkaSettings,
    instances: Sequence[DatabaseSettings],
    group: str,
    log: Path,
    *,
    shards: int,
    batch_max_records: int,
) -> subprocess.Popen[bytes]:
    """A consumer process of `shards` shards over `instances` (home first)."""
    home, *others = instances
    return start_consumer(
        kafka,
        home,
        group,
        log,
        batch_max_records=batch_max_records,
        shards=shards,
        shard_instances=[d.url for d in others],
    )


async def produce(kafka: KafkaSettings, events: list[cpb.CanonicalEvent]) -> None:
    """Send `events` to the canonical topic, keyed as the normalizer keys them."""
    producer = make_producer(kafka, client_id="ledger-test")
    await producer.start()
    try:
        for event in events:
            key, value = keyed(event)
            await producer.send(Topics(kafka).canonical, value, key=key)
        await producer.flush()
    finally:
        await producer.stop()


async def kill_mid_batch(pool: asyncpg.Pool, consumer: subprocess.Popen[bytes]) -> None:
    """SIGKILL `consumer` once some rows are committed and a batch transaction is open."""
    try:

        async def batch_in_flight() -> bool:
            return bool(
                await pool.fetchval(
                    "SELECT (SELECT count(*) FROM ledger_events) > 0 AND EXISTS ("
                    "SELECT 1 FROM pg_stat_activity WHERE application_name = $1 "
                    "AND datname = current_database() AND xact_start IS NOT NULL)",
                    APPLICATION_NAME,
                )
            )

        # The writer's transaction is short (the append only, projections are the
        # projector's), so look often enough to catch one open.
        await wait_for(
            batch_in_flight, timeout=90, what="a batch transaction in flight", max_delay=0.005
        )
        consumer.send_signal(signal.SIGKILL)
        assert consumer.wait(timeout=10) == -signal.SIGKILL
    finally:
        if consumer.poll() is None:
            consumer.kill()


async def end_offsets(kafka: KafkaSettings) -> dict[int, int]:
    """The canonical topic's end offset by partition."""
    topic = Topics(kafka).canonical
    consumer = make_consumer(kafka, group_id=None, client_id="ledger-test-offsets")
    await consumer.start()
    try:
        tps = [TopicPartition(topic, p) for p in range(kafka.canonical_partitions)]
        ends = await consumer.end_offsets(tps)
        return {tp.partition: offset for tp, offset in ends.items()}
    finally:
        await consumer.stop()


async def wait_offsets_at_end(
    pool: asyncpg.Pool, kafka: KafkaSettings, group: str, *others: asyncpg.Pool
) -> dict[int, int]:
    """Wait until `group`'s offsets stored in the ledger (on `pool`'s instance and the
    `others` holding shards: each partition's on one of them) are the canonical topic's
    end offsets, and return those."""
    ends = await end_offsets(kafka)

    async def offsets_at_end() -> bool:
        stored: list[tuple[int, int]] = []
        for instance in (pool, *others):
            rows = await instance.fetch(
                "SELECT partition, next_offset FROM consumer_offsets WHERE group_id = $1", group
            )
            stored += ((r["partition"], r["next_offset"]) for r in rows)
        return len(stored) == len(ends) and dict(stored) == ends

    await wait_for(offsets_at_end, timeout=60, what="stored offsets at the topic's end")
    return ends
