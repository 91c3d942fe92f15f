"""Killing the ledger consumer with SIGKILL in the middle of a batch and restarting it
loses and duplicates nothing: ledger rows equal the distinct events sent."""

from __future__ import annotations

import uuid
from pathlib import Path

import asyncpg
import pytest
from consumer_process import (
    kill_mid_batch,
    produce,
    start_consumer,
    wait_offsets_at_end,
)
from ledger_scenarios import random_traffic
from ledger_support import wait_for

from quanhub.common.settings import DatabaseSettings, KafkaSettings
from quanhub.ledger.store.rebuild import verify

pytestmark = [pytest.mark.integration, pytest.mark.chaos]

DISTINCT = 12_000
DUPLICATES = 2_000


@pytest.mark.timeout(600)
async def test_sigkill_mid_batch_loses_and_duplicates_nothing(
    ledger_kafka: KafkaSettings,
    ledger_database: DatabaseSettings,
    ledger_pool: asyncpg.Pool,
    tmp_path: Path,
) -> None:
    events = random_traffic(DISTINCT, seed=42, parcels=2_000)
    sent = events + events[:DUPLICATES]  # redeliveries, as after a producer retry
    await produce(ledger_kafka, sent)

    group = f"ledger-chaos-{uuid.uuid4().hex[:8]}"
    log = tmp_path / "consumer.log"
    first = start_consumer(ledger_kafka, ledger_database, group, log, batch_max_records=1000)
    await kill_mid_batch(ledger_pool, first)
    written_before_restart = await ledger_pool.fetchval("SELECT count(*) FROM ledger_events")
    assert 0 < written_before_restart < DISTINCT, "the kill did not land mid-stream"

    second = start_consumer(ledger_kafka, ledger_database, group, log, batch_max_records=1000)
    try:

        async def caught_up() -> bool:
            return await ledger_pool.fetchval("SELECT count(*) FROM ledger_events") >= DISTINCT

        await wait_for(caught_up, timeout=180, what="the restarted consumer to catch up")
        ends = await wait_offsets_at_end(ledger_pool, ledger_kafka, group)
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
