"""The hub's own services, started for a stage the way `quanhub run` starts them
(quanhub.stack.servicegroup), with the run's namespace and database; their peak memory."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator, Iterable, Mapping
from contextlib import asynccontextmanager
from pathlib import Path

from quanhub.bench.measure import Measure
from quanhub.common.access.demo import demo_key
from quanhub.common.settings import DatabaseSettings, KafkaSettings, PiiSettings
from quanhub.stack.servicegroup import RunningServices, start_services

MEMORY_GROUP = "Peak memory of each service"
CPU_GROUP = "CPU cost per event (services, the PostgreSQL server, Kafka, load clients)"

#: What the services get during a benchmark: no per-partner limit in the way, no
#: per-request logging cost beyond the defaults, one gateway process.
BENCH_SERVICE_ENV = {
    "QUANHUB_GATEWAY_RATE_LIMIT_EVENTS_PER_SECOND": "1000000",
    "QUANHUB_GATEWAY_RATE_LIMIT_BURST": "1000000",
    # Nor the query API's per-partner fairness: the query and latency stages measure the
    # engine with many clients of one partner, which those limits exist to refuse.
    "QUANHUB_LEDGER_API_PARTNER_RATE": "100000",
    "QUANHUB_LEDGER_API_PARTNER_BURST": "1000000",
    "QUANHUB_LEDGER_API_PARTNER_CONCURRENCY": "1000",
    # One gateway process unless a stage asks for more, whatever the caller's environment.
    "QUANHUB_GATEWAY_WORKERS": "1",
    # The native fast path, as deployed, unless a stage measures Python alone.
    "QUANHUB_GATEWAY_NATIVE": "true",
}


def keys() -> dict[str, str]:
    """The demo partners' API keys (derived from the local secret, as the services do)."""
    from quanhub.common.access.demo import DEMO_PARTNERS

    pii = PiiSettings()
    return {p.code: demo_key(pii, p.code)[1] for p in DEMO_PARTNERS}


@asynccontextmanager
async def running(
    names: tuple[str, ...],
    kafka: KafkaSettings,
    database: DatabaseSettings,
    root: Path,
    extra_env: dict[str, str] | None = None,
) -> AsyncIterator[RunningServices]:
    """Start the named services (ready when this yields), stop them afterwards."""
    # Consumer groups follow the topic namespace by default (normalizer and ledger settings),
    # so the run's consumers never join another service set's groups on this Kafka.
    overrides = {**BENCH_SERVICE_ENV, **(extra_env or {})}
    saved = {k: os.environ.get(k) for k in overrides}
    os.environ.update(overrides)
    try:
        services = await start_services(names, kafka, database, root, ready_timeout_s=90)
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
    try:
        yield services
    finally:
        await services.stop()


def peak_rss_mib(pid: int) -> float | None:
    """VmHWM (the peak resident set) of a live process, in MiB, from /proc."""
    try:
        text = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return None
    for line in text.splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return None


def peak_memory(services: RunningServices, stage: str, names: tuple[str, ...]) -> list[Measure]:
    """One measure per service: its peak RSS so far (read before it is stopped)."""
    out = []
    for name in names:
        pid = services.supervisor.pid(name)
        value = peak_rss_mib(pid) if pid else None
        out.append(Measure(f"{name} peak RSS ({stage})", value, "MiB", MEMORY_GROUP))
    return out


def _stat(pid: int | str) -> list[str] | None:
    """The fields of /proc/<pid>/stat after the command: state [0], ppid [1], utime [11],
    stime [12], cutime [13], cstime [14] (stat(5) 3, 4, 14-17); None once it is gone."""
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None


def cpu_seconds(pid: int) -> float | None:
    """User + system CPU time a live process has used so far, from /proc/<pid>/stat."""
    fields = _stat(pid)
    if fields is None:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def parent_pid(pid: int) -> int | None:
    """The parent of a live process."""
    fields = _stat(pid)
    return int(fields[1]) if fields is not None else None


def children_ticks() -> dict[int, int]:
    """Per parent pid, the CPU ticks (user + system) its live children have used so far:
    one scan of /proc, for any number of `tree_cpu_seconds` readings."""
    ticks: dict[int, int] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and (child := _stat(entry.name)):
            parent = int(child[1])
            ticks[parent] = ticks.get(parent, 0) + int(child[11]) + int(child[12])
    return ticks


def tree_cpu_seconds(root: int, children: Mapping[int, int] | None = None) -> float | None:
    """CPU time used so far by a server and every process it forked: its own, its reaped
    children's (cutime, cstime) and each live child's (`children`: a `children_ticks()`
    reading, taken now when not given). The difference of two readings is what the whole
    tree spent in between, children that came and went included (for PostgreSQL: backends,
    autovacuum workers, the WAL writer, the checkpointer)."""
    fields = _stat(root)
    if fields is None:
        return None
    live = children_ticks() if children is None else children
    ticks = sum(int(fields[i]) for i in (11, 12, 13, 14)) + live.get(root, 0)
    return ticks / os.sysconf("SC_CLK_TCK")


def kafka_broker_pid() -> int | None:
    """The local Kafka broker's JVM (any `kafka.Kafka` process of this user), if one runs."""
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            argv = (entry / "cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if b"kafka.Kafka" in argv:
            return int(entry.name)
    return None


def own_cpu_seconds() -> float:
    """User + system CPU this benchmark process (the load clients) has used so far."""
    times = os.times()
    return times.user + times.system


def cpu_snapshot(
    services: RunningServices, names: tuple[str, ...], roots: Mapping[str, int] | None = None
) -> dict[str, float]:
    """CPU seconds used so far by each running service and the processes it forked (a
    gateway's workers), and by each of `roots` (name -> pid, e.g. the PostgreSQL server)
    with its own."""
    pids = {name: pid for name in names if (pid := services.supervisor.pid(name))}
    pids.update(roots or {})
    children = children_ticks()
    return {
        n: used for n, pid in pids.items() if (used := tree_cpu_seconds(pid, children)) is not None
    }


def _each_per_event(
    before: dict[str, float],
    after: dict[str, float],
    events: int,
    stage: str,
    names: Iterable[str],
) -> list[Measure]:
    """CPU microseconds per event of each of `names` found in both snapshots."""
    return [
        Measure(
            f"{name} CPU per event ({stage})",
            (after[name] - before[name]) / events * 1e6,
            "µs/event",
            CPU_GROUP,
            note=f"{events:,} events",
        )
        for name in names
        if name in after and name in before
    ]


def cpu_per_event(
    before: dict[str, float], after: dict[str, float], events: int, stage: str
) -> list[Measure]:
    """CPU microseconds per event of each service between two snapshots (contention-proof:
    on a busy machine a process waits longer, but it does not burn more CPU per event)."""
    if events <= 0:
        return []
    out = _each_per_event(before, after, events, stage, after)
    total = sum(m.value or 0.0 for m in out)
    out.append(
        Measure(
            f"all of the above, CPU per event ({stage})",
            total,
            "µs/event",
            CPU_GROUP,
            note=f"one core carries at most {1e6 / total:,.0f} events/s at this cost"
            if total
            else "",
        )
    )
    return out


def machine_cpu_per_event(
    before: dict[str, float],
    after: dict[str, float],
    services_total: float,
    events: int,
    stage: str,
) -> list[Measure]:
    """What the rest of the machine spent per event beside the services: the Kafka broker and
    the benchmark's own load clients, then the whole machine's cost and the rate two cores
    could carry at that cost (the ceiling of one node, whatever runs where)."""
    if events <= 0:
        return []
    out = _each_per_event(
        before, after, events, stage, ("kafka broker", "load clients (bench process)")
    )
    total = services_total + sum(m.value or 0.0 for m in out)
    cores = os.cpu_count() or 1
    out.append(
        Measure(
            f"whole machine, CPU per event ({stage})",
            total,
            "µs/event",
            CPU_GROUP,
            note=f"{cores} cores carry at most {cores * 1e6 / total:,.0f} events/s at this cost"
            if total
            else "",
        )
    )
    return out
