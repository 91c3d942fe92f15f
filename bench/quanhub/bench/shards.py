"""The `shards` stage: S shards' ledger lanes on one PostgreSQL, together, paced, each
alone and each in a cgroup of its own, in events/s, CPU, WAL, storage and lock time per
event (the figures docs/scaling.md sizes from).

A shard is one writer lane (`write_batch` under its `ledger_appended` row) and one projector
lane (`project` under its `ledger_visible` row and, from part-way through each step, the
global `ledger_sequence`), each on a connection of its own, as the ledger consumer runs
them (quanhub.ledger.consumer.service): a canonical partition p belongs to shard p mod S,
and every shard's writer appends its part of each batch side by side with the others.
The runs are quanhub.bench.shard_lanes' (one process) and quanhub.bench.shard_cgroups'
(a process per shard). Lock time is timed exactly on the lanes' connections
(quanhub.bench.lock_timing); the services' code is not instrumented. CPU is process time
from /proc (this process: the lanes' client side; each lane's backend; the PostgreSQL
server's whole tree), never wall time: the machine is shared, and waiting costs no CPU.

Every lane connects to `url`; with `instances` (a home and a second PostgreSQL), S > 1
also runs on two instances (quanhub.bench.shard_instances).
"""

from __future__ import annotations

import os
import zlib
from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, datetime

import asyncpg
from rich.console import Console
from rich.progress import Progress

from quanhub.bench.measure import Measure
from quanhub.bench.rows import CANONICAL_TOPIC, canonical_records
from quanhub.bench.shard_cgroups import run_shares, share_figures, unavailable
from quanhub.bench.shard_costs import GROUP, Ledger, Run, figures, settings, storage, wal_bytes
from quanhub.bench.shard_instances import two_instances
from quanhub.bench.shard_lanes import projectors_alone, together, writers_alone
from quanhub.bench.shard_locks import lock_figures, paced_against_one
from quanhub.bench.workload import Send
from quanhub.ledger.decode import decode
from quanhub.ledger.store.projector import project_all
from quanhub.ledger.store.rows import LedgerRow
from quanhub.ledger.store.shards import MAX_SHARDS, ensure_shards, shard_of
from quanhub.ledger.store.writer import compress_with_lz4, prepare

#: Canonical partitions the stage's rows are spread over: enough that 1, 2, 4, 8, 16 ... 48
#: shards each own the same number (docs/ledger.md "Shards").
PARTITIONS = 48
#: The share of a shard count's rows each run gets, in this order. "lane" (shard 0's lanes
#: alone) and "cgroups" run at S > 1 only.
FRACTIONS = {
    "together": 0.18,
    "checkpoint": 0.18,
    "paced": 0.14,
    "alone": 0.18,
    "lane": 0.08,
    "cgroups": 0.24,
}
#: The paced runs' offered rate, all shards together, as a share of what the first shard
#: count's lanes made visible together: well under capacity, so the lanes need only part of
#: the time. Every count is then paced at that one rate.
PACED_SHARE = 0.45
#: The share of a shard count's rows the two-instance run gets.
INSTANCES_SHARE = 0.3
#: The CPU the cgroup runs share out, well under the machine's 2 cores: a group gets its
#: quota only while the scheduler gives its three processes that much, which other work
#: on a shared machine may not (docs/scaling.md).
CGROUP_CORES = 0.6
console = Console(stderr=True)


def rows_by_key(sends: Iterable[Send], partitions: int = PARTITIONS) -> list[LedgerRow]:
    """The ledger rows of these sends, each on the partition its key hashes to (one object's
    events on one partition, so in one shard, as Kafka's key rule keeps them), with
    consecutive offsets per partition."""
    now = datetime.now(UTC)
    offsets = [0] * partitions
    out = []
    for key, value in canonical_records(sends):
        partition = zlib.crc32(key) % partitions
        out.append(
            decode(
                value,
                topic=CANONICAL_TOPIC,
                partition=partition,
                offset=offsets[partition],
                recorded_at=now,
            )
        )
        offsets[partition] += 1
    return out


def split(rows: Sequence[LedgerRow], shards: int) -> list[list[LedgerRow]]:
    """The rows by the shard their partition belongs to, in their order."""
    parts: list[list[LedgerRow]] = [[] for _ in range(shards)]
    for r in rows:
        parts[shard_of(r.kafka_partition, shards)].append(r)
    return parts


async def _lane(ledger: Ledger, url: str, name: str, shard: int) -> None:
    conn = await asyncpg.connect(url, server_settings={"application_name": f"bench-{name}-{shard}"})
    await (prepare(conn) if name == "projector" else compress_with_lz4(conn))
    ledger.lanes[f"{name} {shard}"] = conn
    ledger.backends[f"{name} {shard}"] = int(await conn.fetchval("SELECT pg_backend_pid()"))


def slices(rows: Sequence[LedgerRow]) -> dict[str, Sequence[LedgerRow]]:
    """The rows each run of a shard count gets, by FRACTIONS, in order."""
    out: dict[str, Sequence[LedgerRow]] = {}
    start = 0.0
    for name, fraction in FRACTIONS.items():
        out[name] = rows[round(start * len(rows)) : round((start + fraction) * len(rows))]
        start += fraction
    return out


def reference_label(rate: float) -> str:
    """The name of the paced runs' reference: the whole rate through one shard's lanes."""
    return f"one shard's lanes paced at {rate:,.0f} events/s"


async def _runs(
    ledger: Ledger,
    parts: dict[str, list[list[LedgerRow]]],
    reference: list[list[LedgerRow]],
    batch: int,
    rate: float | None,
) -> tuple[list[Run], float]:
    """The runs on the stage's own connections, in order (each leaves nothing unprojected
    for the next), and the paced runs' rate (PACED_SHARE of the first run's when None).
    At S > 1 the paced run is preceded by its reference: `reference` (rows of every
    partition) at the same rate through shard 0's lanes, what one shard's lanes need."""
    shards = len(parts["together"])
    with Progress(console=console) as progress:
        first = await together(ledger, parts["together"], batch, progress)
        if rate is None:
            rate = round(PACED_SHARE * first.events / (first.after.wall - first.before.wall), -2)
        runs = [
            first,
            await together(ledger, parts["checkpoint"], batch, progress, checkpoint=True),
        ]
        if shards > 1:  # the same rate through one shard's lanes, just before: the reference
            runs.append(
                await together(
                    ledger, reference, batch, progress, rate=rate, label=reference_label(rate)
                )
            )
        runs += [
            await together(ledger, parts["paced"], batch, progress, rate=rate),
            await writers_alone(ledger, parts["alone"], batch, progress),
            await projectors_alone(ledger, sum(map(len, parts["alone"])), range(shards), progress),
        ]
        if shards > 1:  # at S = 1 the runs alone are one shard's lanes alone already
            runs.append(await writers_alone(ledger, parts["lane"], batch, progress, shards=[0]))
            runs.append(
                await projectors_alone(ledger, len(parts["lane"][0]), [0], progress, one=True)
            )
    return runs, rate


async def _shares(
    url: str, parts: list[list[LedgerRow]], batch: int, cores: float
) -> list[Measure]:
    """The cgroup runs of this shard count: 1/S of `cores` each, and at S = 2 also 2:1;
    each with both lanes and with the writers alone (their rows are the shard's own: no
    lock is shared), each on its part of the rows."""
    shards = len(parts)
    splits = [[1.0] * shards] + ([[2.0, 1.0]] if shards == 2 else [])
    runs = [(shares, mode) for shares in splits for mode in ("both", "writer")]
    out: list[Measure] = []
    for n, (shares, mode) in enumerate(runs):
        mine = [p[n * len(p) // len(runs) : (n + 1) * len(p) // len(runs)] for p in parts]
        lanes = "both lanes" if mode == "both" else "writers alone"
        label = (
            f"S={shards}, cgroups {':'.join(f'{s:g}' for s in shares)} of {cores:g} cores, {lanes}"
        )
        before = os.getloadavg()[0]
        done = await run_shares(url, mine, batch, shares, cores, mode=mode)
        loads = f"load average {before:.2f} → {os.getloadavg()[0]:.2f}"
        out += share_figures(label, done, cores, loads)
    return out


async def sharded(
    url: str,
    rows: Sequence[LedgerRow],
    batch: int,
    shards: int,
    *,
    with_storage: bool = True,
    rate: float | None = None,
    cgroup_cores: float | None = CGROUP_CORES,
) -> tuple[list[Measure], float]:
    """S shards on one server, each run on its slice of the rows (FRACTIONS), split by
    shard, each shard writing batch / S rows per transaction (the consumer's batch of
    `batch` rows split by shard): every shard's lanes together, the same straight after a
    CHECKPOINT, paced at `rate`, the writers alone then the projectors on that backlog,
    shard 0's lanes alone (S > 1), and with `cgroup_cores` each shard in a process and
    cgroup of its own holding its share of that many cores (S > 1, where the machine
    allows). `with_storage`: also the bytes per row (they do not depend on S). Returns the
    figures and the paced rate (PACED_SHARE of the first run's, when `rate` is None)."""
    ledger = Ledger(await asyncpg.connect(url))
    try:
        await ensure_shards(ledger.control, range(shards))
        for k in range(shards):
            await _lane(ledger, url, "writer", k)
            await _lane(ledger, url, "projector", k)
            # nothing left over before the clock
            await project_all(ledger.lanes[f"projector {k}"], shard=k)
        conditions = await settings(ledger.control)
        sliced = slices(rows)
        parts = {name: split(part, shards) for name, part in sliced.items()}
        # At S > 1 the paced slice's first half is the reference's, written as shard 0's.
        half = len(sliced["paced"]) // 2 if shards > 1 else 0
        reference = [list(sliced["paced"][:half])]
        parts["paced"] = split(sliced["paced"][half:], shards)
        sizes, start_rows = await ledger.sizes(), await ledger.rows()
        # The consumer splits each batch it reads by shard: a shard's transaction holds its part.
        batch = max(1, batch // shards)
        runs, rate = await _runs(ledger, parts, reference, batch, rate)
        out: list[Measure] = []
        for run in runs:
            wall = run.after.wall - run.before.wall
            name = f"S={shards}, {run.label}"
            out += figures(run, shards, await wal_bytes(ledger, run), conditions)
            out += lock_figures(name, run.lanes, wall, shards)
        end_rows = await ledger.rows()
        if with_storage:
            out += storage(sizes, await ledger.sizes(), end_rows - start_rows, end_rows)
    finally:
        for conn in (*ledger.lanes.values(), ledger.control):
            await conn.close()
    if shards > 1 and cgroup_cores:
        if reason := unavailable():
            console.print(f"shards stage: cgroup runs skipped: {reason}")
            out.append(Measure(f"S={shards}, cgroups: not measured", None, "", GROUP, note=reason))
        else:
            out += await _shares(url, parts["cgroups"], batch, cgroup_cores)
    return out, rate


async def measure(
    url: str,
    rows: Callable[[int], Sequence[LedgerRow]],
    batch: int,
    shards: Sequence[int],
    *,
    rate: float | None = None,
    cgroup_cores: float | None = CGROUP_CORES,
    instances: Sequence[str] = (),
) -> list[Measure]:
    """Every shard count asked for, one after the other on the same ledger, each with fresh
    rows (`rows(count)`), each paced at `rate` (by default PACED_SHARE of what the first
    count made visible); a count the ledger cannot have is noted, not measured. Then each
    paced run's lock utilisation per shard against one shard's; then, with `instances`
    (home and second URLs), each count above 1 on those two instances, on INSTANCES_SHARE
    of fresh rows (`rows(-count)`)."""
    out: list[Measure] = []
    stored = False
    for count in shards:
        if not 1 <= count <= MAX_SHARDS:
            out.append(
                Measure(
                    f"S={count}: not measured",
                    None,
                    "",
                    GROUP,
                    note=f"a ledger has 1 to {MAX_SHARDS} shards",
                )
            )
            continue
        measured, rate = await sharded(
            url,
            rows(count),
            batch,
            count,
            with_storage=not stored,
            rate=rate,
            cgroup_cores=cgroup_cores,
        )
        out += measured
        stored = True
    if rate is not None:
        out += paced_against_one(out, f"paced at {rate:,.0f} events/s", reference_label(rate))
    for count in shards if instances else ():
        if 1 < count <= MAX_SHARDS:
            fresh = rows(-count)
            parts = split(fresh[: round(INSTANCES_SHARE * len(fresh))], count)
            with Progress(console=console) as progress:
                out += await two_instances(instances, parts, batch, progress)
    return out
