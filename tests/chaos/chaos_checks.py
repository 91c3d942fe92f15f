"""What a chaos run proves once traffic stops: every acknowledged event in the ledger once,
projections equal to a rebuild, no valid event dead-lettered, every webhook event once.

`urls` are the PostgreSQL instances holding the ledger's shards, the home one first (it
alone holds the global sequence and the feed subscriptions)."""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

import asyncpg
from aiokafka import AIOKafkaConsumer, TopicPartition

from quanhub.canonical.v1 import canonical_pb2 as cpb
from quanhub.common.access.model import Principal, Role
from quanhub.common.settings import KafkaSettings
from quanhub.common.topics import Topics
from quanhub.ledger.feeds.instances import open_shard_readers
from quanhub.ledger.feeds.source import KINDS, LedgerEventSource
from quanhub.ledger.store.rebuild import verify
from quanhub.ledger.store.shard_map import ShardMap
from quanhub.ledger.store.shards import SEQ_BITS, visible

Key = tuple[str, str]


@dataclass(slots=True)
class LedgerFacts:
    """The ledger as it stands after the run."""

    counts: Counter[Key] = field(default_factory=Counter)
    rows: int = 0
    #: The global seq (ledger_sequence).
    last_seq: int = 0
    #: The highest seq; with shards, each shard's highest own number, summed (equal to
    #: rows exactly when every shard is gap-free).
    max_seq: int = 0
    #: Rows per ledger shard.
    per_shard: dict[int, int] = field(default_factory=dict)
    projections_differ: list[str] = field(default_factory=list)


_VISIBLE_KEYS = (
    "SELECT source_partner, source_event_id FROM ledger_events "  # noqa: S608 - constant
    f"WHERE {visible('ledger_events')}"
)
#: Appended events not visible yet, over every shard.
_BEHIND = (
    "SELECT sum(a.last_seq - v.last_seq) FROM ledger_appended a JOIN ledger_visible v USING (shard)"
)
_HIGHEST = (
    f"SELECT coalesce(sum(hi - (shard::bigint << {SEQ_BITS})), 0) "  # noqa: S608 - constant
    "FROM (SELECT shard, max(seq) AS hi FROM ledger_events GROUP BY shard) s"
)


async def wait_for_ledger(urls: Sequence[str], wanted: set[Key], *, idle_timeout_s: float) -> None:
    """Poll until every wanted event is in the ledger and everything appended is projected
    (visible) and in the global sequence, or nothing new became visible for a while."""
    last, last_change = -1, time.monotonic()
    while True:
        rows: list[asyncpg.Record] = []
        behind = head = 0
        for url in urls:
            conn = await asyncpg.connect(url, timeout=10)
            try:
                rows += await conn.fetch(_VISIBLE_KEYS)
                behind += int(await conn.fetchval(_BEHIND) or 0)
                if url == urls[0]:
                    head = int(await conn.fetchval("SELECT last_seq FROM ledger_sequence"))
            finally:
                await conn.close()
        present = {(r[0], r[1]) for r in rows}
        if wanted <= present and not behind and head == len(rows):
            return
        if len(present) != last:
            last, last_change = len(present), time.monotonic()
        elif time.monotonic() - last_change > idle_timeout_s:
            return
        await asyncio.sleep(1.0)


async def ledger_facts(urls: Sequence[str]) -> LedgerFacts:
    """Per-event row counts, the sequence, and each instance's projections compared with
    a rebuild of that instance."""
    facts = LedgerFacts()
    for url in urls:
        conn = await asyncpg.connect(url, timeout=10)
        try:
            for r in await conn.fetch("SELECT source_partner, source_event_id FROM ledger_events"):
                facts.counts[(r[0], r[1])] += 1
            if url == urls[0]:
                facts.last_seq = int(await conn.fetchval("SELECT last_seq FROM ledger_sequence"))
            facts.max_seq += int(await conn.fetchval(_HIGHEST))
            facts.per_shard |= {
                int(r[0]): int(r[1])
                for r in await conn.fetch(
                    "SELECT shard, count(*) FROM ledger_events GROUP BY shard ORDER BY shard"
                )
            }
            facts.projections_differ += [d.table for d in await verify(conn) if not d.equal]
        finally:
            await conn.close()
    facts.rows = sum(facts.counts.values())
    return facts


async def dead_letters(kafka: KafkaSettings) -> Counter[tuple[Key, str]]:
    """Every record of the dead-letter topic as ((partner, event_id), error_code)."""
    topics = Topics(kafka)
    spec = next(s for s in topics.specs() if s.name == topics.dlq)
    partitions = [TopicPartition(spec.name, p) for p in range(spec.partitions)]
    consumer = AIOKafkaConsumer(
        bootstrap_servers=kafka.bootstrap, enable_auto_commit=False, group_id=None
    )
    found: Counter[tuple[Key, str]] = Counter()
    await consumer.start()
    try:
        consumer.assign(partitions)
        await consumer.seek_to_beginning(*partitions)
        ends = await consumer.end_offsets(partitions)
        while [tp for tp in partitions if await consumer.position(tp) < ends[tp]]:
            batch = await consumer.getmany(timeout_ms=1000)
            for records in batch.values():
                for record in records:
                    headers = {k: v.decode(errors="replace") for k, v in record.headers}
                    found[(_dlq_key(record.value, headers), headers.get("error_code", "?"))] += 1
    finally:
        await consumer.stop()
    return found


def _dlq_key(value: bytes | None, headers: dict[str, str]) -> Key:
    envelope = cpb.RawEnvelope()
    try:
        envelope.ParseFromString(value or b"")
    except Exception:  # noqa: BLE001 - a DLQ record need not be an envelope
        return (headers.get("partner", "?"), "?")
    return (envelope.partner_code or headers.get("partner", "?"), envelope.event.event_id)


async def visible_events(
    urls: Sequence[str], code: str, role: Role, customs_code: str | None
) -> set[str]:
    """Event ids the partner's feed shows now (the feed's own visibility predicate)."""
    principal = Principal(code, role, code, customs_code)
    seen: set[str] = set()
    shard_map = ShardMap.of(urls[0], urls[1:])
    async with open_shard_readers(shard_map, pool_max=2) as readers:
        return await _visible_events(urls[0], LedgerEventSource(readers), principal, seen)


async def _visible_events(
    url: str, source: LedgerEventSource, principal: Principal, seen: set[str]
) -> set[str]:
    conn = await asyncpg.connect(url, timeout=10)
    try:
        head = await source.head(conn)
        after = 0
        while True:
            page = await source.fetch(
                conn, principal, kinds=KINDS, after_seq=after, upto_seq=head, limit=5000
            )
            seen.update(e.event_id for e in page)
            if len(page) < 5000:
                return seen
            after = page[-1].seq
    finally:
        await conn.close()


async def wait_for_dispatcher(url: str, *, timeout_s: float) -> bool:
    """Poll until every subscription's cursor is at the head and nothing is pending."""
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        conn = await asyncpg.connect(url, timeout=10)
        try:
            behind = await conn.fetchval(
                """SELECT count(*) FROM feed_subscriptions s
                   WHERE s.status = 'active' AND (
                       s.cursor_seq < (SELECT last_seq FROM ledger_sequence)
                       OR EXISTS (SELECT 1 FROM feed_deliveries d
                                  WHERE d.subscription_id = s.id AND d.status = 'pending'))"""
            )
        finally:
            await conn.close()
        if behind == 0:
            return True
        await asyncio.sleep(1.0)
    return False
