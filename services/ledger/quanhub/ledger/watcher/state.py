"""The watcher's memory, read back from the ledger: what it announced, and whether the
ledger has taken in everything published so far (no state store of its own to lose)."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Sequence
from datetime import datetime

import asyncpg
from aiokafka import TopicPartition

from quanhub.canonical.v1 import canonical_pb2 as cpb
from quanhub.common.kafka import make_consumer
from quanhub.common.settings import KafkaSettings
from quanhub.ledger.edd.features import SETTLED_STATUSES
from quanhub.ledger.read.params import Reader
from quanhub.ledger.store.shards import SEQ_BITS, base
from quanhub.ledger.watcher.decide import instant
from quanhub.ledger.watcher.types import InsightType

_PREDICTED = InsightType.DELIVERY_PREDICTED.value

#: The incident announcements judged at $1 or later (the source event ids name them).
_RECENT_INCIDENTS = """
SELECT source_event_id FROM ledger_events
WHERE kind = 'insight' AND status LIKE 'incident.%' AND status_time >= $1
"""

#: The latest alert insight of each object and alert kind (a clearing's family is its
#: raise's: the type without `.cleared`).
_LATEST_ALERTS = f"""
SELECT DISTINCT ON (carrier_id, waybill_no, declarant, cop_no, family) canonical
FROM (SELECT e.carrier_id, e.waybill_no, e.declarant, e.cop_no, e.seq, e.canonical,
             regexp_replace(e.status, '\\.cleared$', '') AS family
      FROM ledger_events e
      WHERE e.kind = 'insight' AND e.status <> '{_PREDICTED}'
        AND e.status NOT LIKE 'incident.%') i
ORDER BY carrier_id, waybill_no, declarant, cop_no, family, seq DESC
"""  # noqa: S608 - module constants only

#: The latest announced prediction of each of the parcels ($1 carriers, $2 waybills).
_LATEST_PREDICTIONS = f"""
SELECT DISTINCT ON (e.carrier_id, e.waybill_no) e.carrier_id, e.waybill_no, e.canonical
FROM unnest($1::text[], $2::text[]) AS p (carrier_id, waybill_no)
JOIN ledger_events e ON e.kind = 'insight' AND e.carrier_id = p.carrier_id
 AND e.waybill_no = p.waybill_no AND e.declarant = '' AND e.cop_no = ''
 AND e.status = '{_PREDICTED}'
ORDER BY e.carrier_id, e.waybill_no, e.seq DESC
"""  # noqa: S608 - module constants only

#: The ledger's shards (each has a ledger_visible row).
_SHARDS = "SELECT shard FROM ledger_visible ORDER BY shard"

#: The newest predictions of one shard ($1 < seq <= $2; their basis bounds the watermark
#: an earlier run reached).
_RECENT_PREDICTIONS = f"""
SELECT canonical FROM ledger_events
WHERE kind = 'insight' AND status = '{_PREDICTED}' AND seq > $1 AND seq <= $2
ORDER BY seq DESC LIMIT 1000
"""  # noqa: S608 - module constants only

#: Parcels whose projection changed after $1 and up to $2 (one shard's seqs: a parcel's
#: last_seq is its newest event's, numbered by that event's shard), in sequence order, at
#: most $3.
CHANGED_PARCELS = """
SELECT carrier_id, waybill_no, status, sub_status, picked_up_at, origin_district,
       district_code, delivery_point, out_for_delivery_at, last_seq
FROM parcels WHERE last_seq > $1 AND last_seq <= $2 ORDER BY last_seq LIMIT $3
"""

#: Statuses no prediction is made for (SQL).
_SETTLED = "'{" + ",".join(sorted(SETTLED_STATUSES)) + "}'::text[]"

#: A first start's watermark of each shard (nothing announced yet): just below the lowest
#: sequence of the shard's parcels picked up after $1 and not settled, the ones a
#: prediction may be made for; the shard's highest when there is none; its base when it
#: has no parcel. The pickup index bounds the read, and the settled bulk of an old ledger
#: is never judged.
_FIRST_WATERMARKS = f"""
SELECT v.shard, coalesce(
    (SELECT min(p.last_seq) - 1 FROM parcels p WHERE p.picked_up_at > $1
       AND p.status <> ALL({_SETTLED}) AND p.last_seq > r.low AND p.last_seq <= r.high),
    (SELECT max(p.last_seq) FROM parcels p WHERE p.last_seq > r.low AND p.last_seq <= r.high),
    r.low) AS watermark
FROM ledger_visible v
CROSS JOIN LATERAL (SELECT v.shard::bigint << {SEQ_BITS} AS low,
                           (v.shard::bigint + 1) << {SEQ_BITS} AS high) r
ORDER BY v.shard
"""  # noqa: S608 - module constants only

_OFFSETS = "SELECT partition, next_offset FROM consumer_offsets WHERE group_id = $1 AND topic = $2"


def _insight(data: bytes) -> cpb.Insight:
    event = cpb.CanonicalEvent()
    event.ParseFromString(data)
    return event.insight


async def latest_alerts(pool: asyncpg.Pool) -> list[cpb.Insight]:
    """The latest alert insight of every object and alert kind."""
    return [_insight(r["canonical"]) for r in await pool.fetch(_LATEST_ALERTS)]


async def incident_announcements(pool: asyncpg.Pool, since: datetime) -> set[str]:
    """The source event ids of the incident insights judged at `since` or later."""
    return {r["source_event_id"] for r in await pool.fetch(_RECENT_INCIDENTS, since)}


async def latest_predictions(
    pool: asyncpg.Pool, parcels: Sequence[tuple[str, str]]
) -> dict[tuple[str, str], datetime]:
    """(carrier, waybill) -> the most likely time last announced, for these parcels."""
    if not parcels:
        return {}
    carriers, waybills = [p[0] for p in parcels], [p[1] for p in parcels]
    rows = await pool.fetch(_LATEST_PREDICTIONS, carriers, waybills)
    return {
        (r["carrier_id"], r["waybill_no"]): instant(_insight(r["canonical"]).prediction.most_likely)
        for r in rows
    }


async def shards(pool: asyncpg.Pool) -> list[int]:
    """The ledger's shards."""
    return [int(r["shard"]) for r in await pool.fetch(_SHARDS)]


def shard_span(shard: int) -> tuple[int, int]:
    """The seqs shard `shard` numbers its events with: (low, high], as CHANGED_PARCELS
    takes them."""
    return base(shard), base(shard + 1)


async def recovered_watermarks(
    pool: asyncpg.Pool, on: Callable[[int], asyncpg.Pool] | None = None
) -> dict[int, int]:
    """Per shard, a lower bound of the projection sequence an earlier run had judged: the
    highest basis of the shard's newest predictions (re-judging a parcel announces nothing
    new). A prediction's basis is its parcel's last_seq, so its shard is the basis's own;
    shards without a prediction are left out. `on`: the pool of a shard's instance (a
    prediction is keyed by its parcel, so it is on the parcel's); default `pool`."""
    out: dict[int, int] = {}
    for shard in await shards(pool):
        held = pool if on is None else on(shard)
        for row in await held.fetch(_RECENT_PREDICTIONS, *shard_span(shard)):
            basis = _insight(row["canonical"]).prediction.basis_seq
            if basis > 0:
                of = basis >> SEQ_BITS
                out[of] = max(out.get(of, 0), basis)
    return out


async def first_watermarks(
    pool: asyncpg.Pool,
    picked_up_after: datetime,
    on: Callable[[int], asyncpg.Pool] | None = None,
) -> dict[int, int]:
    """Where a watcher that never announced a prediction starts in each shard: below every
    parcel picked up after `picked_up_after` and still on its way (older ones are taken
    for lost). `on`: the pool of a shard's instance, whose answer for the shard is kept
    (every instance has a row for every shard); default `pool`."""
    rows = await pool.fetch(_FIRST_WATERMARKS, picked_up_after)
    out = {int(r["shard"]): int(r["watermark"]) for r in rows}
    if on is None:
        return out
    for held in {id(on(s)): on(s) for s in out if on(s) is not pool}.values():
        there = await held.fetch(_FIRST_WATERMARKS, picked_up_after)
        out |= {int(r["shard"]): int(r["watermark"]) for r in there if on(int(r["shard"])) is held}
    return out


async def end_offsets(settings: KafkaSettings, topic: str) -> dict[int, int]:
    """The canonical topic's end offset per partition, now."""
    consumer = make_consumer(settings, group_id=None, client_id="quanhub-watcher")
    await consumer.start()
    try:
        partitions = consumer.partitions_for_topic(topic) or set()
        if not partitions:
            await consumer.topics()
            partitions = consumer.partitions_for_topic(topic) or set()
        ends = await consumer.end_offsets([TopicPartition(topic, p) for p in partitions])
    finally:
        await consumer.stop()
    return {tp.partition: offset for tp, offset in ends.items()}


async def wait_taken_in(
    pools: Sequence[Reader], group_id: str, topic: str, ends: dict[int, int], seconds: float
) -> bool:
    """Wait until the ledger consumer's stored offsets reach `ends` (what was published
    before is in the ledger); False when `seconds` passed first. `pools`: every instance
    holding shards (a partition's offsets are stored on its shard's instance)."""
    deadline = time.monotonic() + seconds
    while True:
        stored: dict[int, int] = {}
        for pool in pools:
            for r in await pool.fetch(_OFFSETS, group_id, topic):
                stored[r["partition"]] = max(stored.get(r["partition"], 0), r["next_offset"])
        if all(stored.get(p, 0) >= end for p, end in ends.items() if end > 0):
            return True
        if time.monotonic() >= deadline:
            return False
        await asyncio.sleep(0.2)
