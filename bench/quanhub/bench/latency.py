"""Latency under open-loop load: from the gateway's 202 to the parcel API and to a webhook."""

from __future__ import annotations

import asyncio
import contextlib
import time

import asyncpg
import httpx

from quanhub.bench.flow import Endpoints, batches_of, ledger_seq, send_paced
from quanhub.bench.measure import Measure, percentile
from quanhub.bench.receiver import Arrivals
from quanhub.bench.workload import Workload
from quanhub.ingest.v1 import ingest_pb2 as ipb
from quanhub.ledger.store.projector import NOTIFY_CHANNEL
from quanhub.simulator.sender import PROTOBUF

LATENCY_GROUP = "Latency under open-loop load"
QUERYABLE_P99_MS = 250.0


def _probe(n: int, prefix: str) -> bytes:
    request = ipb.PublishRequest()
    event = request.events.add(event_id=f"{prefix}-{n}")
    event.occurred_at.GetCurrentTime()
    p = event.parcel
    p.carrier_code, p.waybill_no = "shunfeng", f"{prefix}{n:07d}"
    p.code_system, p.code, p.description = "quanhub", "IN_TRANSIT", "快件已到达 济南转运中心"
    p.location, p.district_code = "济南市", "370102"
    return request.SerializeToString()


class Visible:
    """Learns which probes the ledger shows: after each NOTIFY quanhub_ledger (sent by the
    projector when it makes events visible) it reads the probe waybills among the newly
    visible seqs (one small indexed query)."""

    def __init__(self, conn: asyncpg.Connection, prefix: str, last_seq: int) -> None:
        self._conn = conn
        self._pattern = f"{prefix}%"
        self._last = last_seq
        self._wake = asyncio.Event()
        self._seen: dict[str, asyncio.Event] = {}
        #: perf_counter() when each probe was first seen visible.
        self.at: dict[str, float] = {}

    def notified(self, *_: object) -> None:
        """asyncpg listener callback: more events are visible."""
        self._wake.set()

    def visible(self, waybill: str) -> asyncio.Event:
        """Set once the probe with this waybill is visible in the ledger."""
        return self._seen.setdefault(waybill, asyncio.Event())

    async def run(self) -> None:
        """Until cancelled: on each notification (or every 0.2 s) look at the new seqs."""
        while True:
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(0.2):
                    await self._wake.wait()
            self._wake.clear()
            last = await ledger_seq(self._conn)
            rows = await self._conn.fetch(
                "SELECT waybill_no FROM ledger_events WHERE seq > $1 AND seq <= $2 "
                "AND kind = 'parcel' AND waybill_no LIKE $3",
                self._last,
                last,
                self._pattern,
            )
            self._last = last
            now = time.perf_counter()
            for row in rows:
                self.at.setdefault(row["waybill_no"], now)
                self.visible(row["waybill_no"]).set()


async def _probe_one(
    http: httpx.AsyncClient,
    ep: Endpoints,
    visible: Visible,
    n: int,
    *,
    prefix: str,
    timeout_s: float,
) -> tuple[str, float, float | None] | None:
    """Post one probe as SF; once the ledger has visible it, ask the parcel API until 200.

    Asking only after the commit keeps the probes from loading the API they measure (a
    tight polling loop of every pending probe did: seconds of queueing at 10 probes/s).
    """
    key = ep.keys["SF"]
    headers = {"Authorization": f"Bearer {key}", "Content-Type": PROTOBUF}
    url = f"{ep.gateway_url}/v1/events"
    response = await http.post(url, content=_probe(n, prefix), headers=headers)
    accepted_at = time.perf_counter()
    if response.status_code != 202:
        return None
    waybill = f"{prefix}{n:07d}"
    try:
        async with asyncio.timeout(timeout_s):
            await visible.visible(waybill).wait()
    except TimeoutError:
        return waybill, accepted_at, None
    auth = {"Authorization": f"Bearer {key}"}
    for _ in range(50):
        found = await http.get(f"{ep.ledger_url}/v1/parcels/SF/{waybill}", headers=auth)
        if found.status_code == 200:
            return waybill, accepted_at, time.perf_counter() - accepted_at
        await asyncio.sleep(0.02)
    return waybill, accepted_at, None


async def latency(
    ep: Endpoints,
    workload: Workload,
    arrivals: Arrivals,
    rate: float,
    *,
    seconds: float,
    probes_per_s: float = 10.0,
) -> list[Measure]:
    """Open-loop load at `rate` (50-event batches, paced) with probes sent beside it."""
    prefix = f"PRB{int(rate)}X"
    conn = await asyncpg.connect(ep.database_url)
    try:
        visible = Visible(conn, prefix, await ledger_seq(conn))
        await conn.add_listener(NOTIFY_CHANNEL, visible.notified)
        watcher = asyncio.create_task(visible.run())
        try:
            return await _latency(
                ep,
                workload,
                arrivals,
                visible,
                rate=rate,
                seconds=seconds,
                probes_per_s=probes_per_s,
                prefix=prefix,
            )
        finally:
            watcher.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await watcher
    finally:
        await conn.close()


async def _latency(
    ep: Endpoints,
    workload: Workload,
    arrivals: Arrivals,
    visible: Visible,
    *,
    rate: float,
    seconds: float,
    probes_per_s: float,
    prefix: str,
) -> list[Measure]:
    batches = batches_of(workload, int(rate * seconds), 50, f"lat{int(rate)}")
    async with httpx.AsyncClient(timeout=30, limits=httpx.Limits(max_connections=64)) as http:
        load = asyncio.create_task(send_paced(ep, batches, rate))
        probes: list[asyncio.Task[tuple[str, float, float | None] | None]] = []
        started = time.perf_counter()
        n = 0
        while not load.done() and n < probes_per_s * seconds * 2:
            probes.append(
                asyncio.create_task(_probe_one(http, ep, visible, n, prefix=prefix, timeout_s=30.0))
            )
            n += 1
            await asyncio.sleep(max(0.0, started + n / probes_per_s - time.perf_counter()))
        sent = await load
        results = [r for r in await asyncio.gather(*probes) if r is not None]
    deadline = time.perf_counter() + 30
    # A bounded poll of what the receiver (another task) has seen.
    while time.perf_counter() < deadline and len(arrivals.at) < len(results):  # noqa: ASYNC110
        await asyncio.sleep(0.1)
    queryable = [v * 1000 for _, _, v in results if v is not None]
    fed = [(arrivals.at[w] - t) * 1000 for w, t, _ in results if w in arrivals.at]
    achieved = sent.rate
    note = (
        f"{len(results)} probes; load {achieved:,.0f} events/s achieved in 50-event "
        f"batches; {len(results) - len(queryable)} probes not queryable in 30s"
    )
    out = []
    for q in (50, 95, 99):
        out.append(
            Measure(
                f"accepted → queryable p{q} at {rate:,.0f}/s",
                percentile(queryable, q),
                "ms",
                LATENCY_GROUP,
                note=note,
                target=QUERYABLE_P99_MS if (q == 99 and rate == 1000) else None,
                higher_is_better=False,
            )
        )
    seen = [(visible.at[w] - t) * 1000 for w, t, _ in results if w in visible.at]
    out += [
        Measure(
            f"accepted → visible p{q} at {rate:,.0f}/s",
            percentile(seen, q),
            "ms",
            LATENCY_GROUP,
            higher_is_better=False,
            note="when the ledger's NOTIFY showed the probe visible, i.e. appended "
            "and projected (for reading the queryable figure: the rest is the "
            "API's answer time)",
        )
        for q in (50, 99)
    ]
    feed_note = f"{len(fed)}/{len(results)} probes delivered to the webhook within 30s"
    out += [
        Measure(
            f"accepted → webhook p{q} at {rate:,.0f}/s",
            percentile(fed, q),
            "ms",
            LATENCY_GROUP,
            higher_is_better=False,
            note=feed_note,
        )
        for q in (50, 95, 99)
    ]
    return out
