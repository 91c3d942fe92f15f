"""Events appended to several ledger shards in process, as a consumer of S shards writes
them: each event to the shard of its key's partition, with that shard's offsets only."""

from __future__ import annotations

import zlib
from collections import defaultdict
from datetime import datetime

import asyncpg
from ledger_scenarios import keyed

from quanhub.canonical.v1 import canonical_pb2 as cpb
from quanhub.ledger.decode import decode
from quanhub.ledger.store.projector import project_all
from quanhub.ledger.store.rows import LedgerRow
from quanhub.ledger.store.shards import ensure_shards, shard_of
from quanhub.ledger.store.writer import Position, prepare, write_batch

TOPIC = "canonical"


async def append_sharded(
    pool: asyncpg.Pool,
    events: list[cpb.CanonicalEvent],
    *,
    shards: int,
    partitions: int,
    now: datetime,
    topic: str = TOPIC,
) -> None:
    """Append the events, read from `topic` (offsets from 0), shard by shard in one batch
    each, then project every shard. A key's partition is a CRC of it (any fixed map will
    do: keys only need to stay put)."""
    rows: dict[int, list[LedgerRow]] = defaultdict(list)
    offsets: dict[int, int] = defaultdict(int)
    for event in events:
        key, value = keyed(event)
        partition = zlib.crc32(key) % partitions
        row = decode(
            value, topic=topic, partition=partition, offset=offsets[partition], recorded_at=now
        )
        offsets[partition] += 1
        rows[shard_of(partition, shards)].append(row)
    async with pool.acquire() as conn:
        await prepare(conn)
        await ensure_shards(conn, range(shards))
        for shard, batch in sorted(rows.items()):
            positions = [
                Position(topic, p, n) for p, n in offsets.items() if shard_of(p, shards) == shard
            ]
            await write_batch(conn, batch, group_id="g", positions=positions, now=now, shard=shard)
        for shard in range(shards):
            await project_all(conn, shard=shard)
