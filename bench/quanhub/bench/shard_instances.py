"""The shards stage on two PostgreSQL instances: S shards, shard k on instance k mod 2
(quanhub.ledger.store.shard_map), every shard's writer and projector together, the off-home
shards' steps published on home by a sequencer (quanhub.bench.shard_sequencer), as the
consumer runs them. Events/s to published (globally numbered), CPU of this process and of
both servers, WAL per instance, each shard's lock utilisation, the home's global lock (home
shards' steps and the sequencer's passes) and the sequencer's lag.

Link routing across instances (the consumer's outbox to the links topic) is not run: the
projectors step without a router, so the figures leave out that Kafka round trip.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator, Sequence

import asyncpg
from rich.progress import Progress

from quanhub.bench.env import BenchEnv, create_database, drop_database
from quanhub.bench.measure import Measure
from quanhub.bench.seed import seed
from quanhub.bench.shard_costs import Ledger, settings
from quanhub.bench.shard_instance_figures import LABEL, Instances
from quanhub.bench.shard_lanes import lanes, shard_together
from quanhub.bench.shard_sequencer import Sequencer
from quanhub.ledger.store.projector import project_all
from quanhub.ledger.store.rows import LedgerRow
from quanhub.ledger.store.sequencer import sequence
from quanhub.ledger.store.shard_map import ShardMap
from quanhub.ledger.store.shards import ensure_shards
from quanhub.ledger.store.writer import compress_with_lz4, prepare
from quanhub.stack.second_postgres import second_postgres_url


@contextlib.asynccontextmanager
async def databases(
    env: BenchEnv, name: str, pool: Sequence[LedgerRow], warm: int
) -> AsyncIterator[list[str]]:
    """Database `name` on the run's server (home) and on the second PostgreSQL (started
    as quanhub.stack.second_postgres starts it, when it is not running), each migrated and
    seeded with `warm` events like the stage's one-instance ledger; dropped afterwards.
    Home is a fresh one: the one-instance runs numbered shards 1 and 3 there already."""
    # It checks and starts the server with asyncio.run of its own: off this loop.
    second_url = await asyncio.to_thread(second_postgres_url)
    second = BenchEnv(env.kafka_bootstrap, second_url, env.namespace, env.partitions)
    made: list[BenchEnv] = []
    try:
        urls = []
        for where in (env, second):
            urls.append(await create_database(where, name))
            made.append(where)
            await seed(urls[-1], pool, warm)
        yield urls
    finally:
        for where in made:
            await drop_database(where, name)


async def _lane(ledger: Ledger, url: str, name: str, shard: int) -> None:
    conn = await asyncpg.connect(url, server_settings={"application_name": f"bench-{name}-{shard}"})
    await (prepare(conn) if name == "projector" else compress_with_lz4(conn))
    ledger.lanes[f"{name} {shard}"] = conn
    ledger.backends[f"{name} {shard}"] = int(await conn.fetchval("SELECT pg_backend_pid()"))


async def two_instances(
    urls: Sequence[str],
    parts: Sequence[Sequence[LedgerRow]],
    batch: int,
    progress: Progress,
) -> list[Measure]:
    """len(parts) shards over the instances at `urls` (home first), each on its part of the
    rows, one run of every shard's lanes together until the sequencer has published the
    last event; its figures."""
    shards = len(parts)
    shard_map = ShardMap.of(urls[0], urls[1:])
    ledgers = [Ledger(await asyncpg.connect(u)) for u in shard_map.urls]
    home = await asyncpg.connect(shard_map.home_url)
    readers = [await asyncpg.connect(u) for u in shard_map.urls[1:]]
    try:
        for ledger in ledgers:
            await ensure_shards(ledger.control, range(shards))
        for k in range(shards):
            i = shard_map.instance_of(k)
            for name in ("writer", "projector"):
                await _lane(ledgers[i], shard_map.urls[i], name, k)
            # nothing left over before the clock
            await project_all(
                ledgers[i].lanes[f"projector {k}"], shard=k, publish=shard_map.on_home(k)
            )
        remote = {k: readers[shard_map.instance_of(k) - 1] for k in shard_map.remote_shards(shards)}
        await sequence(home, remote)
        sequencer = Sequencer(home, remote)
        await sequencer.listen()
        conditions = await settings(ledgers[0].control)
        writers, projectors = lanes("writer", range(shards)), lanes("projector", range(shards))
        events = sum(map(len, parts))
        task = progress.add_task(f"S={shards}, {LABEL}", total=events)
        before = [await ledger.sample() for ledger in ledgers]
        passing = asyncio.create_task(sequencer.run())
        await asyncio.gather(
            *(
                shard_together(
                    ledgers[shard_map.instance_of(k)].lanes[f"writer {k}"],
                    ledgers[shard_map.instance_of(k)].lanes[f"projector {k}"],
                    parts[k],
                    max(1, batch // shards),
                    (writers[k], projectors[k]),
                    after=lambda n: progress.advance(task, n),
                    publish=shard_map.on_home(k),
                )
                for k in range(shards)
            )
        )
        visible = time.perf_counter()
        sequencer.stop()
        await passing
        after = [await ledger.sample() for ledger in ledgers]
        wal = [
            float(
                await ledger.control.fetchval(
                    "SELECT pg_wal_lsn_diff($1::text::pg_lsn, $2::text::pg_lsn)",
                    a.wal_lsn,
                    b.wal_lsn,
                )
            )
            for ledger, a, b in zip(ledgers, after, before, strict=True)
        ]
        run = Instances(shard_map, shards, events, before, after, wal, conditions)
        return run.figures(writers + projectors, sequencer, visible)
    finally:
        for conn in (home, *readers):
            await conn.close()
        for ledger in ledgers:
            for conn in (*ledger.lanes.values(), ledger.control):
                await conn.close()
