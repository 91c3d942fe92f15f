"""Raw topic → normalizer → canonical topic → ledger: one parcel event sent twice is one row."""

from __future__ import annotations

import asyncio
import uuid

import pytest
from normalizer_kafka import Flow, ledger_consumer, parcel_envelope

from quanhub.common.ids import canonical_event_id
from quanhub.common.topics import EventKind

pytestmark = pytest.mark.integration


async def test_duplicate_event_id_gives_one_ledger_row(flow: Flow) -> None:
    partner = f"led{uuid.uuid4().hex[:8]}"
    raw = parcel_envelope(partner, "twice", waybill="ZT7700000001", code="3").SerializeToString()
    other = parcel_envelope(partner, "once", waybill="ZT7700000002", code="0").SerializeToString()
    for value in (raw, other, raw):
        await flow.producer.send_and_wait(flow.topics.raw(EventKind.PARCEL), value)
    await flow.start()

    canonical = await flow.canonical(partner, 3)
    assert len(canonical) == 3  # both copies of "twice" reached the canonical topic
    async with ledger_consumer(flow.kafka, flow.database, f"led-{partner}") as pool:
        for _ in range(240):  # until the ledger has stored offsets past all three records
            stored = {
                (r["topic"], r["partition"]): r["next_offset"]
                for r in await pool.fetch(
                    "SELECT topic, partition, next_offset FROM consumer_offsets"
                    " WHERE group_id = $1",
                    f"led-{partner}",
                )
            }
            if all(stored.get((r.topic, r.partition), -1) > r.offset for r in canonical):
                break
            await asyncio.sleep(0.25)
        rows = await pool.fetch(
            "SELECT event_id, source_event_id FROM ledger_events WHERE source_partner = $1"
            " ORDER BY source_event_id",
            partner,
        )

    assert [(str(r["event_id"]), r["source_event_id"]) for r in rows] == [
        (str(canonical_event_id(partner, "once")), "once"),
        (str(canonical_event_id(partner, "twice")), "twice"),
    ]
