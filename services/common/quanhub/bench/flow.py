"""End-to-end through every service: the sustained rate at which the ledger keeps up, and
latency under open-loop load from the gateway's 202 to the parcel API and to a webhook."""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass

import asyncpg
import httpx

from quanhub.bench.measure import Measure, percentile
from quanhub.bench.receiver import Arrivals
from quanhub.bench.workload import Workload, bodies
from quanhub.ingest.v1 import ingest_pb2 as ipb
from quanhub.simulator.batches import Batch
from quanhub.simulator.sender import PROTOBUF, Sender, SendOptions

E2E_GROUP = "End to end"
LATENCY_GROUP = "Latency under open-loop load"
#: A step passes when the ledger is at most this many seconds of traffic behind at its end.
LAG_BOUND_S = 2.0
QUERYABLE_P99_MS = 250.0


@dataclass(frozen=True, slots=True)
class Endpoints:
    """Where the running services answer, and the partners' keys."""

    gateway_url: str
    ledger_url: str
    database_url: str
    keys: dict[str, str]


@dataclass(frozen=True, slots=True)
class Step:
    """One offered rate held for a while, and what the pipeline did with it."""

    offered: float
    achieved: float
    appended_rate: float
    lag_end: int
    drain_s: float | None

    @property
    def kept_up(self) -> bool:
        """Whether the gateway took the rate and the ledger stayed within the lag bound."""
        return self.achieved >= 0.95 * self.offered and self.lag_end <= LAG_BOUND_S * self.offered


async def ledger_seq(conn: asyncpg.Connection) -> int:
    """The ledger's highest committed seq (its event count)."""
    return int(await conn.fetchval("SELECT last_seq FROM ledger_sequence"))


def _batches(workload: Workload, events: int, size: int, tag: str) -> list[Batch]:
    prepared = bodies(workload.sends(events, tag), size)
    return [Batch(b.partner, b.body, b.events, i) for i, b in enumerate(prepared)]


async def sustained(
    ep: Endpoints, workload: Workload, rates: list[float], *, seconds: float, drain_s: float
) -> list[Step]:
    """Hold each rate for `seconds` (500-event batches), then see how far behind the ledger is."""
    steps: list[Step] = []
    conn = await asyncpg.connect(ep.database_url)
    try:
        async with httpx.AsyncClient(timeout=30) as http:
            for n, rate in enumerate(rates):
                batches = _batches(workload, int(rate * seconds), 500, f"e2e{n}")
                start_seq = await ledger_seq(conn)
                options = SendOptions(ep.gateway_url, rate=rate, concurrency=8)
                sender = Sender(http, ep.keys, options)
                started = time.perf_counter()
                tally = await sender.run(batches)
                elapsed = time.perf_counter() - started
                target = start_seq + tally.accepted
                at_end = await ledger_seq(conn)
                drained: float | None = None
                deadline = time.perf_counter() + drain_s
                while time.perf_counter() < deadline:
                    if await ledger_seq(conn) >= target:
                        drained = time.perf_counter() - started - elapsed
                        break
                    await asyncio.sleep(0.1)
                appended = (at_end - start_seq) / elapsed
                lag = max(0, target - at_end)
                steps.append(Step(rate, tally.accepted / elapsed, appended, lag, drained))
                if not steps[-1].kept_up:
                    break
    finally:
        await conn.close()
    return steps


def step_measures(steps: list[Step], baseline: float | None, baseline_name: str) -> list[Measure]:
    """The sustained rate (best passing step) and every step's figures."""
    out = []
    for s in steps:
        drain = f"{s.drain_s:.1f}s" if s.drain_s is not None else "did not drain"
        out.append(Measure(
            f"offered {s.offered:,.0f}/s: ledger append rate", s.appended_rate, "events/s",
            E2E_GROUP, note=f"gateway took {s.achieved:,.0f}/s; lag at end {s.lag_end:,} "
            f"events; drained {drain}; {'kept up' if s.kept_up else 'fell behind'}"))  # fmt: skip
    best = max((s.achieved for s in steps if s.kept_up), default=0.0)
    out.insert(0, Measure(
        "end-to-end sustained rate (lag bounded)", best, "events/s", E2E_GROUP,
        baseline=baseline, baseline_name=baseline_name, target=10_000,
        note=f"500-event batches; ledger at most {LAG_BOUND_S:g}s of traffic behind at the end "
        "of each step"))  # fmt: skip
    return out


def _probe(n: int, prefix: str) -> bytes:
    request = ipb.PublishRequest()
    event = request.events.add(event_id=f"{prefix}-{n}")
    event.occurred_at.GetCurrentTime()
    p = event.parcel
    p.carrier_code, p.waybill_no = "shunfeng", f"{prefix}{n:07d}"
    p.code_system, p.code, p.description = "quanhub", "IN_TRANSIT", "快件已到达 济南转运中心"
    p.location, p.district_code = "济南市", "370102"
    return request.SerializeToString()


async def _probe_one(
    http: httpx.AsyncClient, ep: Endpoints, n: int, prefix: str, timeout_s: float
) -> tuple[str, float, float | None] | None:
    """Post one probe as SF; poll its parcel until it answers 200 (10 ms resolution)."""
    key = ep.keys["SF"]
    headers = {"Authorization": f"Bearer {key}", "Content-Type": PROTOBUF}
    url = f"{ep.gateway_url}/v1/events"
    response = await http.post(url, content=_probe(n, prefix), headers=headers)
    accepted_at = time.perf_counter()
    if response.status_code != 202:
        return None
    waybill = f"{prefix}{n:07d}"
    deadline = accepted_at + timeout_s
    auth = {"Authorization": f"Bearer {key}"}
    while time.perf_counter() < deadline:
        found = await http.get(f"{ep.ledger_url}/v1/parcels/SF/{waybill}", headers=auth)
        if found.status_code == 200:
            return waybill, accepted_at, time.perf_counter() - accepted_at
        await asyncio.sleep(0.005)
    return waybill, accepted_at, None


async def latency(
    ep: Endpoints, workload: Workload, arrivals: Arrivals, rate: float, *, seconds: float,
    probes_per_s: float = 10.0,
) -> list[Measure]:  # fmt: skip
    """Open-loop load at `rate` (50-event batches, paced) with probes sent beside it."""
    batches = _batches(workload, int(rate * seconds), 50, f"lat{int(rate)}")
    prefix = f"PRB{int(rate)}X"
    async with httpx.AsyncClient(timeout=30, limits=httpx.Limits(max_connections=64)) as http:
        sender = Sender(http, ep.keys, SendOptions(ep.gateway_url, rate=rate, concurrency=16))
        load = asyncio.create_task(sender.run(batches))
        probes: list[asyncio.Task[tuple[str, float, float | None] | None]] = []
        started = time.perf_counter()
        n = 0
        while not load.done() and n < probes_per_s * seconds * 2:
            probes.append(asyncio.create_task(_probe_one(http, ep, n, prefix, 30.0)))
            n += 1
            await asyncio.sleep(max(0.0, started + n / probes_per_s - time.perf_counter()))
        tally = await load
        results = [r for r in await asyncio.gather(*probes) if r is not None]
    deadline = time.perf_counter() + 30
    # A bounded poll of what the receiver (another task) has seen.
    while time.perf_counter() < deadline and len(arrivals.at) < len(results):  # noqa: ASYNC110
        await asyncio.sleep(0.1)
    queryable = [v * 1000 for _, _, v in results if v is not None]
    fed = [(arrivals.at[w] - t) * 1000 for w, t, _ in results if w in arrivals.at]
    achieved = tally.accepted / tally.elapsed if tally.elapsed else 0.0
    note = (f"{len(results)} probes; load {achieved:,.0f} events/s achieved in 50-event "
            f"batches; {len(results) - len(queryable)} probes not queryable in 30s")  # fmt: skip
    out = []
    for q in (50, 95, 99):
        out.append(Measure(
            f"accepted → queryable p{q} at {rate:,.0f}/s", percentile(queryable, q), "ms",
            LATENCY_GROUP, note=note,
            target=QUERYABLE_P99_MS if (q == 99 and rate == 1000) else None,
            higher_is_better=False))  # fmt: skip
    feed_note = f"{len(fed)}/{len(results)} probes delivered to the webhook within 30s"
    out += [Measure(f"accepted → webhook p{q} at {rate:,.0f}/s", percentile(fed, q), "ms",
                    LATENCY_GROUP, higher_is_better=False, note=feed_note)
            for q in (50, 95, 99)]  # fmt: skip
    return out
