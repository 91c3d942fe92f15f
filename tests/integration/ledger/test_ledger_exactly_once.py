"""Killing the ledger consumer with SIGKILL in the middle of a batch and restarting it
loses and duplicates nothing: ledger rows equal the distinct events sent."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import uuid
from pathlib import Path

import asyncpg
import pytest
from aiokafka import TopicPartition
from ledger_scenarios import keyed, random_traffic
from ledger_support import wait_for

from quanhub.common.kafka import make_consumer, make_producer
from quanhub.common.settings import DatabaseSettings, KafkaSettings
from quanhub.common.topics import Topics
from quanhub.ledger.consumer.service import APPLICATION_NAME
from quanhub.ledger.store.rebuild import verify

pytestmark = [pytest.mark.integration, pytest.mark.chaos]

DISTINCT = 12_000
DUPLICATES = 2_000


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _start_consumer(
    kafka: KafkaSettings, database: DatabaseSettings, group: str, log: Path
) -> subprocess.Popen[bytes]:
    env = {
        **os.environ,
        "QUANHUB_KAFKA_BOOTSTRAP": kafka.bootstrap,
        "QUANHUB_KAFKA_TOPIC_NAMESPACE": kafka.topic_namespace,
        "QUANHUB_KAFKA_PARTITIONS": str(kafka.partitions),
        "QUANHUB_DATABASE_URL": database.url,
        "QUANHUB_LEDGER_CONSUMER_GROUP_ID": group,
        "QUANHUB_LEDGER_CONSUMER_PORT": str(_free_port()),
        "QUANHUB_LEDGER_CONSUMER_BATCH_MAX_RECORDS": "1000",
    }
    with log.open("ab") as out:
        return subprocess.Popen(
            [sys.executable, "-m", "quanhub.ledger.consumer"], env=env, stdout=out, stderr=out
        )


async def _end_offsets(kafka: KafkaSettings) -> dict[int, int]:
    topic = Topics(kafka).canonical
    consumer = make_consumer(kafka, group_id=None, client_id="ledger-test-offsets")
    await consumer.start()
    try:
        tps = [TopicPartition(topic, p) for p in range(kafka.partitions)]
        ends = await consumer.end_offsets(tps)
        return {tp.partition: offset for tp, offset in ends.items()}
    finally:
        await consumer.stop()


@pytest.mark.timeout(600)
async def test_sigkill_mid_batch_loses_and_duplicates_nothing(
    ledger_kafka: KafkaSettings,
    ledger_database: DatabaseSettings,
    ledger_pool: asyncpg.Pool,
    tmp_path: Path,
) -> None:
    events = random_traffic(DISTINCT, seed=42, parcels=2_000)
    sent = events + events[:DUPLICATES]  # redeliveries, as after a producer retry
    producer = make_producer(ledger_kafka, client_id="ledger-test")
    await producer.start()
    try:
        for event in sent:
            key, value = keyed(event)
            await producer.send(Topics(ledger_kafka).canonical, value, key=key)
        await producer.flush()
    finally:
        await producer.stop()

    group = f"ledger-chaos-{uuid.uuid4().hex[:8]}"
    log = tmp_path / "consumer.log"
    first = _start_consumer(ledger_kafka, ledger_database, group, log)
    try:

        async def batch_in_flight() -> bool:
            # Some rows committed and a batch transaction open right now.
            return bool(
                await ledger_pool.fetchval(
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
        first.send_signal(signal.SIGKILL)
        assert first.wait(timeout=10) == -signal.SIGKILL
    finally:
        if first.poll() is None:
            first.kill()
    written_before_restart = await ledger_pool.fetchval("SELECT count(*) FROM ledger_events")
    assert 0 < written_before_restart < DISTINCT, "the kill did not land mid-stream"

    second = _start_consumer(ledger_kafka, ledger_database, group, log)
    try:

        async def caught_up() -> bool:
            return await ledger_pool.fetchval("SELECT count(*) FROM ledger_events") >= DISTINCT

        await wait_for(caught_up, timeout=180, what="the restarted consumer to catch up")
        ends = await _end_offsets(ledger_kafka)

        async def offsets_at_end() -> bool:
            rows = await ledger_pool.fetch(
                "SELECT partition, next_offset FROM consumer_offsets WHERE group_id = $1", group
            )
            return {r["partition"]: r["next_offset"] for r in rows} == ends

        await wait_for(offsets_at_end, timeout=60, what="stored offsets at the topic's end")
    finally:
        second.terminate()
        assert second.wait(timeout=30) == 0, log.read_text()[-3000:]

    stats = await ledger_pool.fetchrow(
        "SELECT count(*) AS n, count(DISTINCT event_id) AS ids, min(seq) AS lo, max(seq) AS hi "
        "FROM ledger_events"
    )
    assert stats is not None
    assert stats["n"] == stats["ids"] == DISTINCT
    assert (stats["lo"], stats["hi"]) == (1, DISTINCT)  # gap-free
    assert await ledger_pool.fetchval("SELECT last_seq FROM ledger_sequence") == DISTINCT
    sent_ids = {e.event_id for e in events}
    stored = {
        str(r["event_id"]) for r in await ledger_pool.fetch("SELECT event_id FROM ledger_events")
    }
    assert stored == sent_ids
    assert sum(ends.values()) == len(sent)
    async with ledger_pool.acquire() as conn:
        diffs = await verify(conn)
    assert all(d.equal for d in diffs), diffs
