"""p50/p99 of each ledger endpoint on a seeded ledger, under a concurrent mix of all of them."""

from __future__ import annotations

import asyncio
import random
import time
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from urllib.parse import quote

import asyncpg

from quanhub.bench.env import BenchEnv
from quanhub.bench.http1 import Connection
from quanhub.bench.measure import Measure, percentile
from quanhub.bench.services import keys, running
from quanhub.common.access.demo import DEMO_PARTNERS
from quanhub.common.access.model import Role
from quanhub.common.settings import DatabaseSettings

GROUP = "Queries on a seeded ledger (each endpoint under concurrent clients)"
POINT_P99_MS = 10.0
INDICATOR_P99_MS = 100.0


#: Parcels picked up in the ledger's last two days and not delivered yet: the parcel and
#: order views predict their delivery (`predicted_delivery`), as of just after the last pickup.
_IN_TRANSIT = """
WITH clock AS (SELECT max(picked_up_at) AS last_pickup FROM parcels)
SELECT p.carrier_id, p.waybill_no, p.platform_code, p.order_no, clock.last_pickup
FROM parcels p CROSS JOIN clock
WHERE p.picked_up_at > clock.last_pickup - interval '2 days'
  AND p.status NOT IN ('DELIVERED', 'RETURNING', 'RETURNED')
  AND p.carrier_id = ANY($2::text[])
LIMIT $1
"""

#: Endpoints that read one object (a 10 ms p99 ceiling); the rest are reports and lists
#: over many (100 ms).
POINT_ENDPOINTS = (
    "GET /v1/parcels/",
    "GET /v1/orders/",
    "GET /v1/customs/declarations/{id}",
)


@dataclass(frozen=True, slots=True)
class Call:
    """One request of the mix: which endpoint it exercises, as whom, where."""

    endpoint: str
    partner: str
    path: str


async def _calls(url: str, per_endpoint: int) -> list[Call]:
    """Real objects of the ledger, sampled at random, as requests by the partners who own them."""
    carriers = [p.code for p in DEMO_PARTNERS if p.role is Role.CARRIER]
    platforms = [p.code for p in DEMO_PARTNERS if p.role is Role.PLATFORM]
    conn = await asyncpg.connect(url)
    try:
        parcels = await conn.fetch(
            "SELECT carrier_id, waybill_no FROM parcels TABLESAMPLE SYSTEM (1) "
            "WHERE carrier_id = ANY($2::text[]) LIMIT $1",
            per_endpoint,
            carriers,
        )
        orders = await conn.fetch(
            "SELECT platform_code, order_no FROM orders TABLESAMPLE SYSTEM (1) "
            "WHERE platform_code = ANY($2::text[]) LIMIT $1",
            per_endpoint,
            platforms,
        )
        declarations = await conn.fetch(
            "SELECT declaration_id, declared_at FROM declarations TABLESAMPLE SYSTEM (2) "
            "WHERE declarant = 'JNAGENT' LIMIT $1",
            per_endpoint,
        )
        days = await conn.fetchrow("SELECT min(day), max(day) FROM kpi_parcel_daily")
        first_day, last_day = (days[0], days[1]) if days else (None, None)
        in_transit = await conn.fetch(_IN_TRANSIT, per_endpoint, carriers)
    finally:
        await conn.close()
    calls = [
        Call("GET /v1/parcels/{carrier}/{waybill}", r[0], f"/v1/parcels/{r[0]}/{r[1]}")
        for r in parcels
    ]
    calls += [
        Call("GET /v1/orders/{platform}/{order}", r[0], f"/v1/orders/{r[0]}/{r[1]}") for r in orders
    ]
    calls += [
        Call("GET /v1/customs/declarations/{id}", "JNAGENT", f"/v1/customs/declarations/{r[0]}")
        for r in declarations
    ]
    for r in declarations:
        day = r[1].date()
        calls.append(
            Call(
                "GET /v1/customs/declarations?from&to (list)",
                "JNAGENT",
                f"/v1/customs/declarations?limit=50&from={day}T00:00:00%2B08:00"
                f"&to={day + timedelta(days=1)}T00:00:00%2B08:00",
            )
        )
    if in_transit:
        # One instant for all (one EDD model): an hour after the ledger's last pickup.
        as_of = quote((in_transit[0]["last_pickup"] + timedelta(hours=1)).isoformat())
        calls += [
            Call(
                "GET /v1/parcels/{carrier}/{waybill} (in transit, predicted)",
                r["carrier_id"],
                f"/v1/parcels/{r['carrier_id']}/{r['waybill_no']}?as_of={as_of}",
            )
            for r in in_transit
        ]
        calls += [
            Call(
                "GET /v1/orders/{platform}/{order} (in transit, predicted)",
                r["platform_code"],
                f"/v1/orders/{r['platform_code']}/{r['order_no']}?as_of={as_of}",
            )
            for r in in_transit
            if r["platform_code"] in platforms
        ]
    end: date = last_day or date(2026, 11, 28)
    # Periods that lie inside the ledger's days: the 1M-event ledger spans about 45 days,
    # and 30-day windows ending up to 300 days back mostly read no rows at all.
    span = (end - first_day).days - 29 if first_day else 0
    rng = random.Random(3)  # noqa: S311 - choosing sample windows, not crypto
    for _ in range(per_endpoint // 4 or 1):
        to = end - timedelta(days=rng.randrange(0, max(1, min(300, span))))
        day = f"{to}T00:00:00%2B08:00"
        next_day = f"{to + timedelta(days=1)}T00:00:00%2B08:00"
        calls.append(
            Call(
                "GET /v1/incidents (list)",
                "JNCOMMERCE",
                f"/v1/incidents?from={day}&to={next_day}&as_of={next_day}",
            )
        )
        calls.append(
            Call(
                "GET /v1/incidents (list) as a carrier",
                carriers[len(calls) % len(carriers)],
                f"/v1/incidents?from={day}&to={next_day}&as_of={next_day}",
            )
        )
        calls.append(
            Call(
                "GET /v1/kpis (30 days)",
                "JNCOMMERCE",
                f"/v1/kpis?from={to - timedelta(days=29)}&to={to}",
            )
        )
        calls.append(
            Call(
                "GET /v1/kpis (30 days, one district)",
                "JNCOMMERCE",
                f"/v1/kpis?from={to - timedelta(days=29)}&to={to}&district=370102",
            )
        )
        calls.append(
            Call(
                "GET /v1/kpis/delivery-times (30 days, by district)",
                "JNCOMMERCE",
                f"/v1/kpis/delivery-times?period=30d&to={to}&group_by=district",
            )
        )
        calls.append(
            Call(
                "GET /v1/kpis/delivery-times (30 days, by carrier)",
                "JNCOMMERCE",
                f"/v1/kpis/delivery-times?period=30d&to={to}&group_by=carrier",
            )
        )
    for i in range(per_endpoint // 4 or 1):
        calls.append(Call("GET /v1/alerts (city, list)", "ADMIN", "/v1/alerts?limit=50"))
        carrier = carriers[i % len(carriers)]
        calls.append(Call("GET /v1/alerts (one carrier, list)", carrier, "/v1/alerts?limit=50"))
    # The dashboard's EDD accuracy: the last 30 days, as the page asks (the API computes a
    # finished day's figures once, then sums them).
    for i in range(per_endpoint // 4 or 1):
        window = f"from={end - timedelta(days=29)}&to={end}"
        calls.append(
            Call("GET /v1/edd/accuracy (30 days)", "JNCOMMERCE", f"/v1/edd/accuracy?{window}")
        )
        carrier = carriers[i % len(carriers)]
        calls.append(
            Call("GET /v1/edd/accuracy (one carrier)", carrier, f"/v1/edd/accuracy?{window}")
        )
    rng.shuffle(calls)
    return calls


async def _reset_partners(url: str) -> None:
    """Empty the kept ledger's partner registry, so the API's start installs today's demo
    partners (their list changes; stale rows would clash on customs codes)."""
    conn = await asyncpg.connect(url)
    try:
        await conn.execute("TRUNCATE partners CASCADE")
    finally:
        await conn.close()


#: Suffix of an endpoint's samples that asked their path for the first time in the stage.
FIRST = " (first asks)"


async def _load(
    base_url: str,
    calls: list[Call],
    concurrency: int,
    seconds: float,
    asked: set[tuple[str, str]] | None = None,
) -> dict[str, list[float]]:
    """Closed-loop clients cycling through the mix; latency (ms) of each 200 per endpoint,
    from just before the request is written until its whole answer has been read. Those
    whose path and partner were not in `asked` yet (added as they go) are also sampled
    under the endpoint's name + FIRST: the API keeps some answers (api/answers.py,
    incidents/store.py), so a repeat costs less than a question asked for the first time.

    Each client is one keep-alive connection of quanhub.bench.http1: httpx cost the bench
    process more CPU per request than the API spent answering, on the cores they share."""
    auth = {partner: {"Authorization": f"Bearer {key}"} for partner, key in keys().items()}
    samples: dict[str, list[float]] = {c.endpoint: [] for c in calls}
    seen = asked if asked is not None else set()
    errors: dict[str, int] = {}
    deadline = time.perf_counter() + seconds

    async def client(offset: int) -> None:
        """One client (its own connection) cycling through the mix from its own offset."""
        i = offset
        async with Connection(base_url, timeout=30) as http:
            while time.perf_counter() < deadline:
                call = calls[i % len(calls)]
                i += concurrency
                headers = auth[call.partner]
                first = (call.path, call.partner) not in seen
                seen.add((call.path, call.partner))
                started = time.perf_counter()
                response = await http.get(call.path, headers)
                elapsed = (time.perf_counter() - started) * 1000
                if response.status == 200:
                    samples[call.endpoint].append(elapsed)
                    if first:
                        samples.setdefault(call.endpoint + FIRST, []).append(elapsed)
                else:
                    errors[call.endpoint] = errors.get(call.endpoint, 0) + 1

    await asyncio.gather(*(client(c) for c in range(concurrency)))
    for endpoint, count in errors.items():
        samples.setdefault(f"{endpoint} [non-200]", []).extend([float("nan")] * count)
    return samples


def _measures(label: str, samples: dict[str, list[float]], concurrency: int) -> list[Measure]:
    out: list[Measure] = []
    for endpoint, values in samples.items():
        if endpoint.endswith("[non-200]"):
            out.append(Measure(f"{endpoint} at {label}", len(values), "responses", GROUP))
            continue
        if endpoint.endswith(FIRST):
            note = f"{len(values):,} of the requests asked their path for the first time"
            out.append(
                Measure(
                    f"{endpoint} p99 at {label}", percentile(values, 99), "ms", GROUP, note=note
                )
            )
            continue
        ceiling = POINT_P99_MS if endpoint.startswith(POINT_ENDPOINTS) else INDICATOR_P99_MS
        note = f"{len(values):,} requests, {concurrency} concurrent clients"
        out.append(
            Measure(f"{endpoint} p50 at {label}", percentile(values, 50), "ms", GROUP, note=note)
        )
        out.append(
            Measure(
                f"{endpoint} p99 at {label}",
                percentile(values, 99),
                "ms",
                GROUP,
                target=ceiling,
                higher_is_better=False,
                note=note,
            )
        )
    return out


#: The longest the stage waits for the API's start-up background work.
WARM_UP_TIMEOUT = 600.0


async def _warmed_up(base_url: str) -> float | None:
    """Seconds until the ready API's start-up background work is done (its
    quanhub_ledger_api_warming gauges all 0); None when it was not within WARM_UP_TIMEOUT
    (the load then runs anyway, and its samples include the work's competition). The
    stage measures the steady state a long-running API is in; what a first question
    costs is sampled apart (FIRST)."""
    began = time.perf_counter()
    async with Connection(base_url, timeout=30) as http:
        while time.perf_counter() - began < WARM_UP_TIMEOUT:
            answer = await http.get("/metrics")
            gauges = [
                float(line.rsplit(" ", 1)[1])
                for line in answer.body.decode().splitlines()
                if line.startswith("quanhub_ledger_api_warming{")
            ]
            if gauges and not any(gauges):
                return time.perf_counter() - began
            await asyncio.sleep(0.5)
    return None


async def measure(
    env: BenchEnv, url: str, events: int, root: Path, *, concurrency: int, seconds: float
) -> list[Measure]:
    """Start a ledger API on the seeded ledger; warm it with the mix, then load each
    endpoint on its own (`concurrency` clients, `seconds` shared out), so a slow endpoint
    does not make the others wait behind it in the one API process."""
    calls = await _calls(url, 400)
    label = f"{events / 1e6:g}M events" if events >= 1_000_000 else f"{events:,} events"
    kafka = env.kafka(f"{env.namespace}q")
    await _reset_partners(url)
    endpoints: dict[str, list[Call]] = {}
    for call in calls:
        endpoints.setdefault(call.endpoint, []).append(call)
    each = max(3.0, seconds / len(endpoints))
    samples: dict[str, list[float]] = {}
    out: list[Measure] = []
    asked: set[tuple[str, str]] = set()
    async with running(("ledger-api",), kafka, DatabaseSettings(url=url), root) as services:
        warmed = await _warmed_up(services.ledger_url)
        out.append(
            Measure(
                f"ledger API start-up background work done at {label}",
                warmed,
                "s",
                GROUP,
                higher_is_better=False,
                note="from ready to quanhub_ledger_api_warming all 0 (api/warmup.py: the "
                "default period's EDD accuracy days, the first pass over finished days' "
                "incidents); the endpoints below are measured after it",
            )
        )
        await _load(services.ledger_url, calls, concurrency, min(5.0, seconds / 3), asked)
        for endpoint, mine in endpoints.items():
            got = await _load(services.ledger_url, mine, concurrency, each, asked)
            samples.update(got)
            answered = len(got.get(endpoint, []))
            out.append(
                Measure(
                    f"{endpoint} requests answered at {label}",
                    answered / each,
                    "requests/s",
                    GROUP,
                    note=f"{concurrency} closed-loop clients on this endpoint alone for "
                    f"{each:.0f}s: latency includes waiting behind each other in one API process",
                )
            )
    return out + _measures(label, samples, concurrency)
