"""End to end through every service: the sustained rate at which the ledger keeps up."""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass

import asyncpg
import httpx

from quanhub.bench.measure import Measure
from quanhub.bench.services import own_cpu_seconds
from quanhub.bench.workload import Workload, bodies
from quanhub.simulator.batches import Batch
from quanhub.simulator.sender import Sender, SendOptions

E2E_GROUP = "End to end"
#: A step passes when the ledger is at most this many seconds of traffic behind at its end.
LAG_BOUND_S = 2.0


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
    #: CPU seconds this process (the load clients, and the webhook receiver) spent while
    #: the step sent and drained; building its batches before that is not load.
    load_cpu_s: float = 0.0

    @property
    def kept_up(self) -> bool:
        """Whether the ledger ended within the lag bound of what the gateway accepted."""
        return self.lag_end <= LAG_BOUND_S * max(self.achieved, 1.0)

    @property
    def saturated(self) -> bool:
        """Whether the gateway could not take the offered rate (a higher step is pointless)."""
        return self.achieved < 0.8 * self.offered


def options(ep: Endpoints, rate: float, concurrency: int) -> SendOptions:
    """Paced sending that retries little and briefly: a gateway that keeps failing is a
    result to report, not something to wait out for minutes."""
    return SendOptions(
        ep.gateway_url,
        rate=rate,
        concurrency=concurrency,
        max_attempts=3,
        backoff_initial=0.2,
        backoff_max=1.0,
    )


@dataclass(frozen=True, slots=True)
class Sent:
    """What a paced send achieved."""

    accepted: int
    elapsed: float

    @property
    def rate(self) -> float:
        """Accepted events per second."""
        return self.accepted / self.elapsed if self.elapsed else 0.0


async def send_paced(ep: Endpoints, batches: list[Batch], rate: float, senders: int = 4) -> Sent:
    """The simulator's Sender, `senders` of them at rate/senders each, every one with its
    own two-connection client (one shared httpx pool caps a single process's load)."""
    limits = httpx.Limits(max_connections=2, max_keepalive_connections=2)

    async def one(part: list[Batch]) -> int:
        async with httpx.AsyncClient(timeout=30, limits=limits) as http:
            sender = Sender(http, ep.keys, options(ep, rate / senders, 2))
            return (await sender.run(part)).accepted

    started = time.perf_counter()
    accepted = await asyncio.gather(*(one(batches[i::senders]) for i in range(senders)))
    return Sent(sum(accepted), time.perf_counter() - started)


async def ledger_seq(conn: asyncpg.Connection) -> int:
    """The ledger's highest visible seq: its events are appended and projected."""
    return int(await conn.fetchval("SELECT last_seq FROM ledger_sequence"))


def batches_of(workload: Workload, events: int, size: int, tag: str) -> list[Batch]:
    """`events` fresh sends as the simulator's Batch objects of `size` events each."""
    prepared = bodies(workload.sends(events, tag), size)
    return [Batch(b.partner, b.body, b.events, i) for i, b in enumerate(prepared)]


async def sustained(
    ep: Endpoints, workload: Workload, rates: list[float], *, seconds: float, drain_s: float
) -> list[Step]:
    """Hold each rate for `seconds` (500-event batches), then see how far behind the ledger is."""
    steps: list[Step] = []
    conn = await asyncpg.connect(ep.database_url)
    try:
        for n, rate in enumerate(rates):
            batches = batches_of(workload, int(rate * seconds), 500, f"e2e{n}")
            cpu = own_cpu_seconds()
            start_seq = await ledger_seq(conn)
            sent = await send_paced(ep, batches, rate)
            ended = time.perf_counter()
            target = start_seq + sent.accepted
            at_end = await ledger_seq(conn)
            drained: float | None = None
            while time.perf_counter() < ended + drain_s:
                if await ledger_seq(conn) >= target:
                    drained = time.perf_counter() - ended
                    break
                await asyncio.sleep(0.1)
            load_cpu_s = own_cpu_seconds() - cpu
            appended = (at_end - start_seq) / sent.elapsed
            lag = max(0, target - at_end)
            steps.append(Step(rate, sent.rate, appended, lag, drained, load_cpu_s))
            if not steps[-1].kept_up or steps[-1].saturated:
                break
    finally:
        await conn.close()
    return steps


def step_measures(steps: list[Step], baseline: float | None, baseline_name: str) -> list[Measure]:
    """The sustained rate (best passing step) and every step's figures."""
    out = []
    for s in steps:
        drain = f"{s.drain_s:.1f}s" if s.drain_s is not None else "did not drain"
        out.append(
            Measure(
                f"offered {s.offered:,.0f}/s: ledger append rate",
                s.appended_rate,
                "events/s",
                E2E_GROUP,
                note=f"gateway took {s.achieved:,.0f}/s; lag at end {s.lag_end:,} "
                f"events; drained {drain}; {'kept up' if s.kept_up else 'fell behind'}"
                f"{'; gateway saturated' if s.saturated else ''}",
            )
        )
    best = max((s.achieved for s in steps if s.kept_up), default=0.0)
    peak = max((s.appended_rate for s in steps), default=0.0)
    out.insert(
        0,
        Measure(
            "ledger append rate at the highest step",
            peak,
            "events/s",
            E2E_GROUP,
            note="events the ledger made visible (appended and projected) per second "
            "while a step ran",
        ),
    )
    out.insert(
        0,
        Measure(
            "end-to-end sustained rate (lag bounded)",
            best,
            "events/s",
            E2E_GROUP,
            baseline=baseline,
            baseline_name=baseline_name,
            target=10_000,
            note=f"500-event batches; ledger at most {LAG_BOUND_S:g}s of traffic behind at the end "
            "of each step",
        ),
    )
    return out
