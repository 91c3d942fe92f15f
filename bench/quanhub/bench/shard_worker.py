"""One shard's lanes in a process of their own, for the shards stage's cgroup runs
(quanhub.bench.shard_cgroups):
`python -m quanhub.bench.shard_worker URL SHARD ROWS BATCH MODE`.

It connects the shard's writer and projector, prints one JSON line (its pid and its two
backends' pids, for the parent to place in the shard's cgroup), waits for a line on stdin,
then runs on the rows (a pickle the parent wrote) both lanes until the last is visible
(MODE `both`), or the writer alone (`writer`: its backlog is projected afterwards, off the
clock), and prints one JSON line of what it did: events, wall seconds, its own and its
backends' CPU seconds, and its lanes' lock times.
"""

from __future__ import annotations

import asyncio
import dataclasses
import os
import pickle
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import asyncpg
import orjson

from quanhub.bench.services import cpu_seconds, own_cpu_seconds
from quanhub.bench.shard_lanes import append, lanes, shard_together
from quanhub.ledger.store.projector import project_all
from quanhub.ledger.store.rows import LedgerRow
from quanhub.ledger.store.writer import compress_with_lz4, prepare


def _say(data: dict[str, Any]) -> None:
    sys.stdout.buffer.write(orjson.dumps(data) + b"\n")
    sys.stdout.flush()


async def _backend(conn: asyncpg.Connection) -> int:
    return int(await conn.fetchval("SELECT pg_backend_pid()"))


async def work(url: str, shard: int, rows: Sequence[LedgerRow], batch: int, mode: str) -> None:
    """Connect, report the pids, wait for the go, run, report."""
    writer = await asyncpg.connect(url, server_settings={"application_name": f"bench-cg-w{shard}"})
    projector = await asyncpg.connect(
        url, server_settings={"application_name": f"bench-cg-p{shard}"}
    )
    try:
        await compress_with_lz4(writer)
        await prepare(projector)
        await project_all(projector, shard=shard)
        backends = [await _backend(writer), await _backend(projector)]
        _say({"pid": os.getpid(), "backends": backends})
        await asyncio.get_running_loop().run_in_executor(None, sys.stdin.readline)
        cpu = [own_cpu_seconds(), *(cpu_seconds(p) or 0.0 for p in backends)]
        records = (lanes("writer", [shard])[0], lanes("projector", [shard])[0])
        started = time.perf_counter()
        if mode == "writer":
            await append(writer, rows, batch, records[0], lambda _n: None)
        else:
            await shard_together(writer, projector, rows, batch, records, after=lambda _n: None)
        wall = time.perf_counter() - started
        used = [own_cpu_seconds(), *(cpu_seconds(p) or 0.0 for p in backends)]
        await project_all(projector, shard=shard)  # what the writer left, off the clock
        _say(
            {
                "events": records[0 if mode == "writer" else 1].events,
                "wall": wall,
                "cpu": [after - before for after, before in zip(used, cpu, strict=True)],
                "locks": [dataclasses.asdict(r.locks) for r in records],
            }
        )
    finally:
        await writer.close()
        await projector.close()


def main() -> None:
    """Parse the five arguments and run."""
    url, shard, rows_file, batch, mode = sys.argv[1:6]
    rows = pickle.loads(Path(rows_file).read_bytes())  # noqa: S301 - written by the parent
    asyncio.run(work(url, int(shard), rows, int(batch), mode))


if __name__ == "__main__":
    main()
