"""With four shards the query API's timelines and receipts number events by the global
sequence partners read everywhere else (SSE `Last-Event-ID`, webhook cursors, replay,
the Kafka feed's `seq`), not by the shard's own numbering (k * 2^40 + n)."""

from __future__ import annotations

from datetime import UTC, datetime

import asyncpg
import pytest
from ledger_scenarios import linked_orders, random_traffic
from ledger_support import Api
from sharded_support import append_sharded

from quanhub.common.access import Principal, Role
from quanhub.ledger.feeds.source import LedgerEventSource

pytestmark = pytest.mark.integration

SHARDS, PARTITIONS = 4, 8
NOW = datetime(2026, 11, 28, 12, tzinfo=UTC)
ADMIN = Principal("ADMIN", Role.ADMIN, "Admin")


async def _feed_seqs(pool: asyncpg.Pool) -> dict[str, int]:
    """event id -> its global seq, as the feeds number it."""
    async with pool.acquire() as conn:
        source = LedgerEventSource()
        head = await source.head(conn)
        events = await source.fetch(
            conn,
            ADMIN,
            kinds=("order", "parcel", "customs"),
            after_seq=0,
            upto_seq=head,
            limit=head + 1,
        )
    assert [e.seq for e in events] == list(range(1, head + 1))
    return {str(e.event_id): e.seq for e in events}


async def test_timelines_carry_the_global_seq_of_every_shards_events(
    ledger_pool: asyncpg.Pool, ledger_api: Api
) -> None:
    # Two rounds, so every shard's events sit in two ranges of the global sequence.
    for round_no in range(2):
        events = random_traffic(600, seed=20 + round_no, parcels=120) + linked_orders(
            "tl", range(round_no * 60, round_no * 60 + 60, 3)
        )
        await append_sharded(
            ledger_pool,
            events,
            shards=SHARDS,
            partitions=PARTITIONS,
            now=NOW,
            topic=f"t{round_no}",
        )
    global_seq = await _feed_seqs(ledger_pool)
    rows = await ledger_pool.fetch(
        "SELECT DISTINCT ON (e.shard) e.shard, e.carrier_id, e.waybill_no FROM ledger_events e "
        "WHERE e.kind = 'parcel' ORDER BY e.shard, e.seq DESC"
    )
    assert [r["shard"] for r in rows] == list(range(SHARDS))

    checked = 0
    for r in rows:
        response = await ledger_api.get(f"/v1/parcels/{r['carrier_id']}/{r['waybill_no']}", "ADMIN")
        assert response.status_code == 200, response.text
        timeline = response.json()["timeline"]
        assert timeline
        assert [e["seq"] for e in timeline] == [global_seq[e["event_id"]] for e in timeline]
        checked += len(timeline)
    order = await ledger_api.get("/v1/orders/JD/JD000063", "ADMIN")
    assert order.status_code == 200, order.text
    merged = order.json()["timeline"]
    assert len({e["object"] for e in merged}) == 2  # the order's and its parcel's events
    assert [e["seq"] for e in merged] == [global_seq[e["event_id"]] for e in merged]
    assert checked > SHARDS
