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
from quanhub.bench.shard_costs import GROUP, Lane, Ledger, Sample, settings
from quanhub.bench.shard_lanes import lanes, shard_together
from quanhub.bench.shard_locks import lock_figures
from quanhub.bench.shard_sequencer import Sequencer
from quanhub.ledger.store.projector import project_all
from quanhub.ledger.store.rows import LedgerRow
from quanhub.ledger.store.sequencer import sequence
from quanhub.ledger.store.shard_map import ShardMap
from quanhub.ledger.store.shards import ensure_shards, shard_of
from quanhub.ledger.store.writer import compress_with_lz4, prepare
from quanhub.stack.second_postgres import second_postgres_url

LABEL = "two instances, writer and projector together"
#: lock_figures' global-lock measures: on two instances the lock differs by instance.
_ONE_INSTANCE = (": global lock", ": G,")


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


def _split(rows: Sequence[LedgerRow], shards: int) -> list[list[LedgerRow]]:
    parts: list[list[LedgerRow]] = [[] for _ in range(shards)]
    for r in rows:
        parts[shard_of(r.kafka_partition, shards)].append(r)
    return parts


async def two_instances(
    urls: Sequence[str], rows: Sequence[LedgerRow], batch: int, shards: int, progress: Progress
) -> list[Measure]:
    """S shards over the instances at `urls` (home first), one run of every shard's lanes
    together until the sequencer has published the last event; its figures."""
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
        parts = _split(rows, shards)
        writers, projectors = lanes("writer", range(shards)), lanes("projector", range(shards))
        task = progress.add_task(f"S={shards}, {LABEL}", total=len(rows))
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
        run = Instances(shard_map, shards, len(rows), before, after, wal, conditions)
        return run.figures(writers + projectors, sequencer, visible)
    finally:
        for conn in (home, *readers):
            await conn.close()
        for ledger in ledgers:
            for conn in (*ledger.lanes.values(), ledger.control):
                await conn.close()


class Instances:
    """One two-instance run's samples, and its figures."""

    def __init__(  # noqa: PLR0917 - the run's record, in order
        self,
        shard_map: ShardMap,
        shards: int,
        events: int,
        before: Sequence[Sample],
        after: Sequence[Sample],
        wal: Sequence[float],
        conditions: str,
    ) -> None:
        self.map, self.shards, self.events = shard_map, shards, events
        self.before, self.after, self.wal, self.conditions = before, after, wal, conditions
        self.name = f"S={shards}, {LABEL}"

    def _m(self, what: str, value: float | None, unit: str, note: str) -> Measure:
        return Measure(f"{self.name}: {what}", value, unit, GROUP, note=note)

    def figures(
        self, lanes_: Sequence[Lane], sequencer: Sequencer, visible: float
    ) -> list[Measure]:
        """Rates, CPU and WAL per event (per instance and in all), the shards' locks, the
        home's global lock and the sequencer's passes and lag."""
        b, a, n = self.before, self.after, max(self.events, 1)
        wall = a[0].wall - b[0].wall
        load = f"load average {b[0].loadavg[0]:.2f} → {a[0].loadavg[0]:.2f}"
        out = [
            self._m(
                "events/s",
                self.events / wall,
                "events/s",
                f"{self.events:,} events in {wall:.2f} s to the last one published (visible on "
                f"its instance after {visible - b[0].wall:.2f} s); {load}; shard k on instance "
                f"k mod {self.map.instances}",
            )
        ]
        out += [
            self._m(
                f"shard {lane.shard} events/s",
                lane.events / wall,
                "events/s",
                f"{lane.events:,} events; on instance {self.map.instance_of(lane.shard)}",
            )
            for lane in lanes_
            if lane.name == "projector"
        ]
        client = a[0].client_cpu - b[0].client_cpu
        servers = [
            None if x.server_cpu is None or y.server_cpu is None else x.server_cpu - y.server_cpu
            for x, y in zip(a, b, strict=True)
        ]
        for kind in ("writer", "projector"):
            used = sum(
                x.backend_cpu[k] - y.backend_cpu[k]
                for x, y in zip(a, b, strict=True)
                for k in x.backend_cpu
                if k.startswith(kind)
            )
            out.append(self._m(f"CPU, {kind} backends", used * 1e6 / n, "µs/event", "summed, both"))
        out.append(
            self._m(
                "CPU, lanes' and sequencer's client side (this process)",
                client * 1e6 / n,
                "µs/event",
                "user + system, os.times()",
            )
        )
        for i, server in enumerate(servers):
            out.append(
                self._m(
                    f"CPU, PostgreSQL instance {i} (all processes)",
                    None if server is None else server * 1e6 / n,
                    "µs/event",
                    "the server's process tree, over every event of the run",
                )
            )
        known = [s for s in servers if s is not None]
        out.append(
            self._m(
                "CPU, client + both servers",
                (client + sum(known)) * 1e6 / n if len(known) == len(servers) else None,
                "µs/event",
                "what the shards' ledger costs the machine per event",
            )
        )
        for i, wal in enumerate(self.wal):
            held = len(self.map.shards_of(i, self.shards))
            out += [
                self._m(
                    f"WAL, instance {i}",
                    wal / n,
                    "bytes/event",
                    f"over every event of the run; it holds {held} of {self.shards} shards",
                ),
                self._m(
                    f"WAL full-page images, instance {i}",
                    (a[i].wal_fpi - b[i].wal_fpi) * 1000 / n,
                    "per 1,000 events",
                    "pg_stat_wal.wal_fpi: pages logged whole, first touch after a checkpoint",
                ),
            ]
        out.append(
            self._m("WAL, both instances", sum(self.wal) / n, "bytes/event", self.conditions)
        )
        shown = lock_figures(self.name, lanes_, wall, self.shards)
        out += [m for m in shown if not any(s in m.name for s in _ONE_INSTANCE)]
        return out + self._global(lanes_, sequencer, wall)

    def _global(self, lanes_: Sequence[Lane], sequencer: Sequencer, wall: float) -> list[Measure]:
        steps = [lane for lane in lanes_ if lane.name == "projector"]
        home = sum(s.locks.global_held for s in steps if self.map.on_home(s.shard))
        away = sum(s.locks.global_held for s in steps if not self.map.on_home(s.shard))
        held = home + sequencer.held
        lags = sorted(sequencer.lags)
        return [
            self._m(
                "global lock on home (ledger_sequence) utilisation",
                held / wall,
                "held s per wall s",
                f"home shards' steps {home / wall:.3f} (server-timed) + sequencer passes "
                f"{sequencer.held / wall:.3f} (each pass's time less its wait for the lock)",
            ),
            self._m(
                "sequencer passes, global lock held per pass",
                sequencer.held / sequencer.passes * 1000 if sequencer.passes else None,
                "ms",
                f"{sequencer.passes} passes, {sequencer.published:,} events published",
            ),
            self._m(
                "G on two instances, events per home global-lock-second",
                self.events / held if held else None,
                "events/s",
                "every shard's events over the home's global lock time: home shards' steps "
                "and the sequencer's passes for the others",
            ),
            self._m(
                "ledger_sequence on instance 1 utilisation (off-home steps)",
                away / wall,
                "held s per wall s",
                "the instance's shared rows' lock, no global numbering under it",
            ),
            self._m(
                "sequencer lag, visible → published (mean)",
                sum(lags) / len(lags) * 1000 if lags else None,
                "ms",
                f"{len(lags)} off-home steps, from their NOTIFY heard to the pass's COMMIT",
            ),
            self._m(
                "sequencer lag, visible → published (max)",
                lags[-1] * 1000 if lags else None,
                "ms",
                "the latest an off-home step was published",
            ),
        ]
