"""Gateway ingest at 1 and 500 events per request, against the parse-only endpoint and
Kafka's own producer, with the same request bodies and the same client."""

from __future__ import annotations

from pathlib import Path

from quanhub.bench.env import BenchEnv
from quanhub.bench.http_load import LoadResult, parse_only_server, post_for
from quanhub.bench.measure import Measure
from quanhub.bench.services import keys, peak_memory, running
from quanhub.bench.workload import Workload, bodies

GROUP = "Stages against their baselines"
BASELINES = "Baselines: Kafka and PostgreSQL alone"
#: Clients per batch size: enough requests in flight to keep one gateway process busy.
CONCURRENCY = {1: 4, 500: 4}
#: Gateway processes for the target measure (QUANHUB_GATEWAY_WORKERS): one per core of
#: the 2-core machine the targets are set for; fixed, as WORKER_CLIENTS is reasoned for it.
WORKERS = 2
#: Clients for them: SO_REUSEPORT hashes each connection to a worker, and with 16 the
#: busier worker has at most 12 of them in 98% of runs (binomial), so neither starves.
WORKER_CLIENTS = 16


async def measure(
    env: BenchEnv,
    workload: Workload,
    database_url: str,
    root: Path,
    *,
    seconds: float,
    producer_baseline: float | None,
) -> list[Measure]:
    """Parse-only first, then the gateway alone (Kafka behind it, nothing consuming)."""
    from quanhub.common.settings import DatabaseSettings

    sends = workload.sends(60_000, "gw")
    prepared = {size: bodies(sends, size) for size in CONCURRENCY}
    partner_keys = keys()
    parse_only: dict[int, float] = {}
    out: list[Measure] = []
    async with parse_only_server() as url:
        for size, concurrency in CONCURRENCY.items():
            result = await post_for(
                url, prepared[size], partner_keys, concurrency=concurrency, seconds=seconds
            )
            parse_only[size] = result.events_per_s
            out.append(
                Measure(
                    f"parse-only FastAPI endpoint, {size}/request",
                    result.events_per_s,
                    "events/s",
                    BASELINES,
                    note=f"{concurrency} clients, {result.requests_per_s:,.0f} req/s",
                )
            )
    kafka = env.kafka(f"{env.namespace}g")
    database = DatabaseSettings(url=database_url)
    async with running(("gateway",), kafka, database, root) as services:
        for size, concurrency in CONCURRENCY.items():
            result = await post_for(
                services.gateway_url,
                prepared[size],
                partner_keys,
                concurrency=concurrency,
                seconds=seconds,
            )
            note = f"{concurrency} clients, {_answered(result)}"
            out.append(
                Measure(
                    f"gateway ingest, {size}/request (vs parse-only)",
                    result.events_per_s,
                    "events/s",
                    GROUP,
                    baseline=parse_only[size],
                    baseline_name="parse-only",
                    note=note,
                )
            )
            if producer_baseline and size == 500:
                out.append(
                    _vs_producer("one process", result.events_per_s, producer_baseline, note)
                )
        out += peak_memory(services, "gateway ingest", ("gateway",))
    if not producer_baseline:
        return out  # the workers' figure is only judged against the producer

    async def on_workers(native: bool) -> LoadResult:
        """500-event requests from WORKER_CLIENTS clients to WORKERS gateway processes."""
        env = {"QUANHUB_GATEWAY_WORKERS": str(WORKERS), "QUANHUB_GATEWAY_NATIVE": str(native)}
        async with running(("gateway",), kafka, database, root, extra_env=env) as services:
            return await post_for(
                services.gateway_url,
                prepared[500],
                partner_keys,
                concurrency=WORKER_CLIENTS,
                seconds=seconds,
            )

    result = await on_workers(native=True)
    note = f"QUANHUB_GATEWAY_WORKERS={WORKERS}, {WORKER_CLIENTS} clients, {_answered(result)}"
    label = f"{WORKERS} worker processes"
    out.append(_vs_producer(label, result.events_per_s, producer_baseline, note, target=0.5))
    # The same workers judging every event in Python: what the native fast path is worth.
    result = await on_workers(native=False)
    note = f"QUANHUB_GATEWAY_NATIVE=false, {WORKERS} workers, {WORKER_CLIENTS} clients"
    label = f"{WORKERS} worker processes, Python only"
    out.append(_vs_producer(label, result.events_per_s, producer_baseline, note))
    return out


def _answered(result: LoadResult) -> str:
    return f"{result.requests_per_s:,.0f} req/s, {result.failures} failed requests"


def _vs_producer(
    processes: str, rate: float, producer: float, note: str, *, target: float | None = None
) -> Measure:
    """The gateway's 500-event ingest rate against the Kafka producer baseline."""
    return Measure(
        f"gateway ingest, 500/request, {processes} (vs Kafka producer)",
        rate,
        "events/s",
        GROUP,
        baseline=producer,
        baseline_name="kafka-producer-perf-test",
        target=target,
        target_on="ratio",
        note=note,
    )
