"""Events appended to several ledger shards in process, as a consumer of S shards writes
them: each event to the shard of its key's partition, with that shard's offsets only; on
one PostgreSQL instance or spread over a shard map's."""

from __future__ import annotations

import zlib
from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime

import asyncpg
from ledger_scenarios import keyed

from quanhub.canonical.v1 import canonical_pb2 as cpb
from quanhub.common.kafka import partition_of
from quanhub.ledger.decode import decode
from quanhub.ledger.store.link_routes import LinkRouter
from quanhub.ledger.store.projector import project_all
from quanhub.ledger.store.rows import LedgerRow
from quanhub.ledger.store.sequencer import sequence
from quanhub.ledger.store.shard_map import ShardMap
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


class SpreadWriter:
    """Appends events as a consumer of `shards` shards over `partitions` canonical
    partitions writes them (each to its key's partition as the normalizer's producer picks
    it), each shard on its instance of `shard_map` (`conns`: one per instance, home
    first), with offsets going on from call to call."""

    def __init__(
        self,
        conns: list[asyncpg.Connection],
        shard_map: ShardMap,
        *,
        shards: int,
        partitions: int,
        topic: str = TOPIC,
    ) -> None:
        self.conns = conns
        self.shard_map = shard_map
        self.shards = shards
        self.partitions = partitions
        self.topic = topic
        self._offsets: dict[int, int] = defaultdict(int)

    def conn_of(self, shard: int) -> asyncpg.Connection:
        """The connection to the shard's instance."""
        return self.conns[self.shard_map.instance_of(shard)]

    def router(self, instance: int) -> LinkRouter:
        """The link router of `instance`, as the consumer's."""
        return LinkRouter(self.shard_map, self.shards, range(self.partitions), instance)

    async def prepare(self) -> None:
        """Every instance's work tables and every shard's rows."""
        for conn in self.conns:
            await prepare(conn)
            await ensure_shards(conn, range(self.shards))

    async def append(self, events: list[cpb.CanonicalEvent], *, recorded_at: datetime) -> None:
        """Append the events, one batch per shard, without projecting them."""
        rows: dict[int, list[LedgerRow]] = defaultdict(list)
        for event in events:
            key, value = keyed(event)
            partition = partition_of(key, range(self.partitions))
            offset = self._offsets[partition]
            self._offsets[partition] += 1
            row = decode(
                value,
                topic=self.topic,
                partition=partition,
                offset=offset,
                recorded_at=recorded_at,
            )
            rows[shard_of(partition, self.shards)].append(row)
        for shard, batch in sorted(rows.items()):
            positions = [
                Position(self.topic, p, n)
                for p, n in self._offsets.items()
                if shard_of(p, self.shards) == shard
            ]
            await write_batch(
                self.conn_of(shard),
                batch,
                group_id="g",
                positions=positions,
                now=recorded_at,
                shard=shard,
            )

    async def project(
        self, steps: list[int], *, routed: bool = False, sequenced: bool = True
    ) -> None:
        """Project the shards in `steps` order (home's publish as they step), then, when
        `sequenced`, number the others' as the sequencer does. `routed`: links whose other
        side is elsewhere go to the outbox, as with the link exchange."""
        for shard in steps:
            instance = self.shard_map.instance_of(shard)
            await project_all(
                self.conns[instance],
                shard=shard,
                publish=self.shard_map.on_home(shard),
                router=self.router(instance) if routed else None,
            )
        if sequenced:
            await self.sequence()

    async def sequence(self) -> int:
        """One sequencer pass over the shards off home; how many events it numbered."""
        remote = {s: self.conn_of(s) for s in self.shard_map.remote_shards(self.shards)}
        return await sequence(self.conns[0], remote) if remote else 0


async def write_spread(
    conns: Sequence[asyncpg.Connection],
    shard_map: ShardMap,
    events: list[cpb.CanonicalEvent],
    *,
    shards: int,
    partitions: int,
    steps: Sequence[int],
    recorded_at: datetime,
    topic: str = TOPIC,
) -> None:
    """Append the events with a SpreadWriter (offsets from 0 on `topic`), project the
    shards in `steps` order (home's publish as they step), then number the others' in one
    sequencer pass, which must find some."""
    writer = SpreadWriter(list(conns), shard_map, shards=shards, partitions=partitions, topic=topic)
    await writer.prepare()
    await writer.append(events, recorded_at=recorded_at)
    await writer.project(list(steps), sequenced=False)
    if shard_map.remote_shards(shards):
        assert await writer.sequence() > 0
