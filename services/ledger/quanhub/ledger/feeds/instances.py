"""Where feeds read a shard's events: the home connection for shards on the home instance,
a small pool per other instance of the shard map (docs/ledger.md "Shards")."""

from __future__ import annotations

from collections.abc import AsyncIterator, Mapping, Sequence
from contextlib import AsyncExitStack, asynccontextmanager
from typing import Any

import asyncpg
from asyncpg import Record

from quanhub.common.db import create_pool
from quanhub.common.settings import DatabaseSettings
from quanhub.ledger.feeds.conn import Conn
from quanhub.ledger.store.shard_map import HOME, ShardMap


class ShardReaders:
    """The shard map and a pool on each instance but the home one (whose connection the
    caller passes: it also holds the global ranges)."""

    def __init__(self, shard_map: ShardMap, pools: Mapping[int, asyncpg.Pool]) -> None:
        self.shard_map = shard_map
        self._pools = dict(pools)

    @property
    def single(self) -> bool:
        """Every shard is on the home instance."""
        return self.shard_map.single

    def remote_shards(self, shards: int) -> list[int]:
        """The shards (of a ledger with `shards`) not on the home instance."""
        return self.shard_map.remote_shards(shards)

    def runs(self, ranges: Sequence[Record]) -> list[list[Record]]:
        """Global ranges (in order) cut into runs of consecutive ones whose shards share an
        instance: one read each."""
        runs: list[list[Record]] = []
        instance = -1
        for r in ranges:
            at = self.shard_map.instance_of(r["shard"])
            if not runs or at != instance:
                runs.append([])
                instance = at
            runs[-1].append(r)
        return runs

    async def fetch(self, home: Conn, shard: int, sql: str, *args: Any) -> list[Record]:
        """Rows of `sql` on the shard's instance (`home` when it is the home one)."""
        instance = self.shard_map.instance_of(shard)
        if instance == HOME:
            return list(await home.fetch(sql, *args))
        return list(await self._pools[instance].fetch(sql, *args))

    async def fetchval(self, home: Conn, shard: int, sql: str, *args: Any) -> Any:
        """The first value of `sql` on the shard's instance."""
        instance = self.shard_map.instance_of(shard)
        if instance == HOME:
            return await home.fetchval(sql, *args)
        return await self._pools[instance].fetchval(sql, *args)

    async def fetchval_on(self, instance: int, sql: str, *args: Any) -> Any:
        """The first value of `sql` on instance `instance` (not the home one)."""
        return await self._pools[instance].fetchval(sql, *args)


@asynccontextmanager
async def open_shard_readers(shard_map: ShardMap, *, pool_max: int) -> AsyncIterator[ShardReaders]:
    """ShardReaders with a pool of at most `pool_max` connections on each other instance,
    closed on exit (none when every shard is on the home instance)."""
    async with AsyncExitStack() as stack:
        pools: dict[int, asyncpg.Pool] = {}
        for instance, url in enumerate(shard_map.urls):
            if instance == HOME:
                continue
            pool = await create_pool(DatabaseSettings(url=url, pool_min=1, pool_max=pool_max))
            stack.push_async_callback(pool.close)
            pools[instance] = pool
        yield ShardReaders(shard_map, pools)
