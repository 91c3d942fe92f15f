"""Every service running on one warm ledger: subscription, latency, sustained rate, memory."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from pathlib import Path

import asyncpg
import httpx

from quanhub.bench import flow, latency
from quanhub.bench.env import BenchEnv
from quanhub.bench.measure import Measure
from quanhub.bench.profiling import record
from quanhub.bench.receiver import receiving
from quanhub.bench.services import (
    cpu_per_event,
    cpu_seconds,
    cpu_snapshot,
    kafka_broker_pid,
    keys,
    machine_cpu_per_event,
    parent_pid,
    peak_memory,
    running,
)
from quanhub.bench.workload import Workload

SERVICES = ("gateway", "normalizer", "ledger-consumer", "ledger-api", "dispatcher")


@dataclass(frozen=True, slots=True)
class PipelinePlan:
    """How long and how hard the pipeline stages push."""

    latency_rates: tuple[float, ...]
    latency_seconds: float
    e2e_rates: tuple[float, ...]
    e2e_seconds: float
    drain_seconds: float
    profile_dir: Path | None = None
    stamp: str = ""


async def _subscribe(ledger_url: str, key: str, hook: str) -> None:
    async with httpx.AsyncClient(timeout=10) as http:
        response = await http.post(
            f"{ledger_url}/v1/subscriptions",
            json={"url": hook, "kinds": ["parcel"], "description": "bench latency probe"},
            headers={"Authorization": f"Bearer {key}"},
        )
        response.raise_for_status()


#: The PostgreSQL server's CPU: every process of it, background ones included.
POSTGRES = "postgresql server (all processes)"


async def _postmaster_pid(conn: asyncpg.Connection) -> int | None:
    """The local PostgreSQL server's main process: the parent of this session's backend."""
    return parent_pid(int(await conn.fetchval("SELECT pg_backend_pid()")))


def _kafka_snapshot(kafka_pid: int | None) -> dict[str, float]:
    used = cpu_seconds(kafka_pid) if kafka_pid is not None else None
    return {} if used is None else {"kafka broker": used}


async def measure(
    env: BenchEnv,
    workload: Workload,
    database_url: str,
    root: Path,
    *,
    plan: PipelinePlan,
    e2e_baseline: tuple[float | None, str],
) -> list[Measure]:
    """Latency at each fixed rate first (an idle pipeline), then the sustained-rate ladder."""
    from quanhub.common.settings import DatabaseSettings

    partner_keys = keys()
    out: list[Measure] = []
    database = DatabaseSettings(url=database_url)
    async with (
        running(SERVICES, env.kafka(), database, root) as services,
        receiving("PRB") as (hook, arrivals),
    ):
        await _subscribe(services.ledger_url, partner_keys["SF"], hook)
        ep = flow.Endpoints(services.gateway_url, services.ledger_url, database_url, partner_keys)
        for rate in plan.latency_rates:
            out += await latency.latency(ep, workload, arrivals, rate, seconds=plan.latency_seconds)
        conn = await asyncpg.connect(database_url)
        try:
            seq_before = await flow.ledger_seq(conn)
            postmaster = await _postmaster_pid(conn)
            roots = {POSTGRES: postmaster} if postmaster is not None else {}
            cpu_before = cpu_snapshot(services, SERVICES, roots)
            kafka_pid = kafka_broker_pid()
            kafka_before = _kafka_snapshot(kafka_pid)
        finally:
            await conn.close()
        ladder = asyncio.create_task(
            flow.sustained(
                ep,
                workload,
                list(plan.e2e_rates),
                seconds=plan.e2e_seconds,
                drain_s=plan.drain_seconds,
            )
        )
        if plan.profile_dir is not None:
            await asyncio.sleep(2)
            pids = {n: p for n in SERVICES if (p := services.supervisor.pid(n))}
            await record(pids, min(20.0, plan.e2e_seconds), plan.profile_dir, plan.stamp)
        steps = await ladder
        conn = await asyncpg.connect(database_url)
        try:
            appended = await flow.ledger_seq(conn) - seq_before
        finally:
            await conn.close()
        cpu_after = cpu_snapshot(services, SERVICES, roots)
        # The load clients' CPU is counted by each step, around its sending and draining.
        load = "load clients (bench process)"
        machine_before = {load: 0.0, **kafka_before}
        machine_after = {load: sum(s.load_cpu_s for s in steps), **_kafka_snapshot(kafka_pid)}
        per_service = cpu_per_event(cpu_before, cpu_after, appended, "ladder")
        out += per_service
        services_total = per_service[-1].value or 0.0 if per_service else 0.0
        out += machine_cpu_per_event(
            machine_before, machine_after, services_total, appended, "ladder"
        )
        out += flow.step_measures(steps, *e2e_baseline)
        out += peak_memory(services, "pipeline", SERVICES)
    return out
