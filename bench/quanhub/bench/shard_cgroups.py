"""The shards stage's cgroup runs: each shard's lanes in a process of their own
(quanhub.bench.shard_worker) and that process with its two PostgreSQL backends in a cgroup
(v1 cpu controller) capped at its share of a CPU budget, so each shard's rate can be held
against its share: 1/S each, or an uneven split.

The cap is a CFS quota: a ceiling, not a reservation. The budget is kept under the
machine's cores so that the other work on a shared machine leaves each group its quota,
and each group weighs (cpu.shares) what its three processes would weigh outside it: a
group in the root weighs one task's 1,024 by default, however many it holds.
The server's shared processes (WAL writer, checkpointer) stay outside every group.
Skipped, with the reason, when not root or when there is no writable cgroup v1 cpu
controller.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import pickle
import sys
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson

from quanhub.bench.measure import Measure
from quanhub.bench.shard_costs import GROUP
from quanhub.ledger.store.rows import LedgerRow

CPU_CONTROLLER = Path("/sys/fs/cgroup/cpu")
PERIOD_US = 100_000
#: The default weight of one task (and of one group) in the CFS scheduler.
_TASK_SHARES = 1024
#: A shard's worker and its two backends.
_PROCESSES = 3
#: How long a worker may take to connect, or to run its rows.
_WORKER_TIMEOUT_S = 600.0


def unavailable(root: Path = CPU_CONTROLLER) -> str | None:
    """Why cgroup runs cannot happen here, or None when they can."""
    if os.geteuid() != 0:
        return "not root: a cgroup's quota cannot be set"
    if not (root / "cpu.cfs_quota_us").exists():
        return f"no cgroup v1 cpu controller at {root}"
    if not os.access(root, os.W_OK):
        return f"{root} is not writable"
    return None


def quotas(shares: Sequence[float], cores: float, period_us: int = PERIOD_US) -> list[int]:
    """Each share's CFS quota (µs per period) of a budget of `cores`."""
    total = sum(shares)
    return [max(1000, round(cores * s / total * period_us)) for s in shares]


@dataclass(frozen=True, slots=True)
class CpuGroup:
    """One cgroup of the cpu controller, with a quota."""

    path: Path

    @classmethod
    def create(cls, root: Path, name: str, quota_us: int, tasks: int = _PROCESSES) -> CpuGroup:
        """Make the group, cap it at `quota_us` per PERIOD_US, and weigh it as `tasks`
        tasks."""
        path = root / name
        path.mkdir(exist_ok=True)
        (path / "cpu.cfs_period_us").write_text(str(PERIOD_US))
        (path / "cpu.cfs_quota_us").write_text(str(quota_us))
        (path / "cpu.shares").write_text(str(_TASK_SHARES * tasks))
        return cls(path)

    def add(self, pid: int) -> None:
        """Move a process (all its threads) into the group."""
        (self.path / "cgroup.procs").write_text(str(pid))

    def throttled(self) -> tuple[int, int]:
        """(periods the group used its whole quota in, of periods it ran in)."""
        stat = dict(
            line.split() for line in (self.path / "cpu.stat").read_text().splitlines() if line
        )
        return int(stat.get("nr_throttled", 0)), int(stat.get("nr_periods", 0))

    def remove(self) -> None:
        """Move anything left back to the root group, then delete the group."""
        for pid in (self.path / "cgroup.procs").read_text().split():
            with contextlib.suppress(OSError):  # it ended meanwhile
                (self.path.parent / "cgroup.procs").write_text(pid)
        with contextlib.suppress(OSError):
            self.path.rmdir()


@dataclass(frozen=True, slots=True)
class Share:
    """What one shard's worker did under its share."""

    shard: int
    share: float
    quota_us: int
    events: int
    wall: float
    cpu: float
    global_waited: float
    throttled: tuple[int, int]


async def _line(proc: asyncio.subprocess.Process) -> dict[str, Any]:
    assert proc.stdout is not None  # noqa: S101 - started with a pipe
    line = await asyncio.wait_for(proc.stdout.readline(), _WORKER_TIMEOUT_S)
    if not line:
        raise RuntimeError(f"shard worker {proc.pid} ended early (exit {await proc.wait()})")
    data: dict[str, Any] = orjson.loads(line)
    return data


async def run_shares(
    url: str,
    parts: Sequence[Sequence[LedgerRow]],
    batch: int,
    shares: Sequence[float],
    cores: float,
    *,
    mode: str = "both",
    root: Path = CPU_CONTROLLER,
) -> list[Share]:
    """Each shard's rows through its own worker (`mode`: both lanes, or the writer alone),
    the worker and its backends in a cgroup holding its share of `cores`; all started
    together."""
    limits = quotas(shares, cores)
    groups: list[CpuGroup] = []
    procs: list[asyncio.subprocess.Process] = []
    with tempfile.TemporaryDirectory(prefix="quanhub-bench-shards-") as tmp:
        try:
            for k, rows in enumerate(parts):
                rows_file = Path(tmp) / f"rows-{k}.pickle"
                rows_file.write_bytes(pickle.dumps(list(rows)))
                procs.append(
                    await asyncio.create_subprocess_exec(
                        sys.executable,
                        "-m",
                        "quanhub.bench.shard_worker",
                        url,
                        str(k),
                        str(rows_file),
                        str(batch),
                        mode,
                        stdin=asyncio.subprocess.PIPE,
                        stdout=asyncio.subprocess.PIPE,
                    )
                )
            for k, proc in enumerate(procs):
                hello = await _line(proc)
                group = CpuGroup.create(root, f"quanhub-bench-{os.getpid()}-{k}", limits[k])
                groups.append(group)
                for pid in (hello["pid"], *hello["backends"]):
                    group.add(int(pid))
            for proc in procs:
                assert proc.stdin is not None  # noqa: S101 - started with a pipe
                proc.stdin.write(b"go\n")
                await proc.stdin.drain()
            done = [await _line(proc) for proc in procs]
            return [
                Share(
                    shard=k,
                    share=shares[k] / sum(shares),
                    quota_us=limits[k],
                    events=int(d["events"]),
                    wall=float(d["wall"]),
                    cpu=sum(d["cpu"]),
                    global_waited=float(d["locks"][1]["global_waited"]),
                    throttled=groups[k].throttled(),
                )
                for k, d in enumerate(done)
            ]
        finally:
            for proc in procs:
                if proc.returncode is None:
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(proc.wait(), 30)
                if proc.returncode is None:
                    proc.kill()
                    await proc.wait()
            for group in groups:
                group.remove()


def share_figures(label: str, runs: Sequence[Share], cores: float, loads: str) -> list[Measure]:
    """Each shard's rate against its share of the whole run's rate (ratio 1 = proportional),
    the cores it used against its quota, and how often the quota bound."""
    total = sum(r.events / r.wall for r in runs)
    out: list[Measure] = [
        Measure(
            f"{label}: events/s, all shards",
            total,
            "events/s",
            GROUP,
            note=f"each shard's rate over its own run, summed; budget {cores:g} cores; {loads}",
        )
    ]
    for r in runs:
        rate = r.events / r.wall
        periods = r.throttled[1] or 1
        out += [
            Measure(
                f"{label}: shard {r.shard} events/s, against its share",
                rate,
                "events/s",
                GROUP,
                baseline=total * r.share,
                baseline_name=f"{r.share:.0%} of all shards' rate",
                note=f"{r.events:,} events in {r.wall:.2f} s; quota {r.quota_us / PERIOD_US:g} "
                f"core; throttled in {r.throttled[0]} of {r.throttled[1]} periods "
                f"({r.throttled[0] / periods:.0%})",
            ),
            Measure(
                f"{label}: shard {r.shard} cores used, against its quota",
                r.cpu / r.wall,
                "cores",
                GROUP,
                baseline=r.quota_us / PERIOD_US,
                baseline_name="its quota",
                note="its worker and its two backends, /proc CPU over its wall time",
            ),
            Measure(
                f"{label}: shard {r.shard} CPU per event",
                r.cpu * 1e6 / max(r.events, 1),
                "µs/event",
                GROUP,
                note="its worker (both lanes' client side) and its two backends",
            ),
            Measure(
                f"{label}: shard {r.shard} waiting for the global lock per wall second",
                r.global_waited / r.wall,
                "waiting s per wall s",
                GROUP,
                note="a throttled group can be holding ledger_sequence: the others then wait",
            ),
        ]
    return out
