"""Traffic for the chaos run: simulator events, real partner keys, and a sender that resends
a batch until the gateway answers it (202, or a 4xx that says the batch itself is wrong)."""

from __future__ import annotations

import asyncio
import random
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import timedelta

import asyncpg
import httpx

from quanhub.common.access import PartnerExists, Role, create_partner, rotate_key
from quanhub.common.clock import SystemClock
from quanhub.ingest.v1 import ingest_pb2 as ipb
from quanhub.simulator.batches import Batch, batches
from quanhub.simulator.catalog import AGENTS, CARRIERS, PLATFORMS
from quanhub.simulator.config import SimulationConfig
from quanhub.simulator.generator import generate
from quanhub.simulator.sender import Pacer, parse_response, retry_after

PROTOBUF = "application/x-protobuf"
_RETRY = frozenset({429, 500, 502, 503, 504})


def chaos_batches(events: int, *, seed: int, batch_size: int) -> list[Batch]:
    """At least `events` simulator sends (whole orders), cut into per-partner batches."""
    orders = max(1, events // 14)
    while True:
        simulation = generate(SimulationConfig(orders=orders, seed=seed))
        if len(simulation.sends) >= events:
            break
        orders = int(orders * 1.1) + 1
    sends = list(simulation.encoded())[:events]
    return list(batches(sends, batch_size))


async def register_partners(database_url: str) -> dict[str, str]:
    """A fresh API key from the partner registry for every partner the simulator uses."""
    wanted: list[tuple[str, Role, str, str]] = [
        *((p.partner, Role.PLATFORM, p.name, p.ebp_code) for p in PLATFORMS),
        *((c.partner, Role.CARRIER, c.name, c.logistics_code) for c in CARRIERS),
        *((a.partner, Role.CUSTOMS_AGENT, a.name, a.agent_code) for a in AGENTS),
        ("CHAOSADMIN", Role.ADMIN, "chaos run operator", ""),
    ]
    clock = SystemClock()
    keys: dict[str, str] = {}
    pool = await asyncpg.create_pool(database_url, min_size=1, max_size=2)
    try:
        for code, role, name, customs_code in wanted:
            try:
                _, issued = await create_partner(
                    pool,
                    code=code,
                    role=role,
                    name=name,
                    customs_code=customs_code or None,
                    clock=clock,
                )
            except PartnerExists:  # a demo partner: issue it a new key
                issued = await rotate_key(pool, code, grace=timedelta(hours=1), clock=clock)
            keys[code] = issued.api_key
    finally:
        await pool.close()
    return keys


@dataclass(slots=True)
class Outcome:
    """What the gateway said about the run's events."""

    sent: int = 0
    #: (partner, partner's event_id) of every event acknowledged with 202.
    acknowledged: set[tuple[str, str]] = field(default_factory=set)
    rejected: Counter[str] = field(default_factory=Counter)
    resends: Counter[str] = field(default_factory=Counter)
    failed_batches: Counter[str] = field(default_factory=Counter)
    elapsed: float = 0.0


class ChaosSender:
    """Posts batches with each partner's key; a batch is resent until it gets an answer."""

    def __init__(
        self,
        client: httpx.AsyncClient,
        gateway_url: str,
        keys: dict[str, str],
        *,
        rate: float | None = None,
    ):
        self._client = client
        self._pacer = Pacer(rate)
        self._url = gateway_url.rstrip("/") + "/v1/events"
        self._keys = keys
        self._jitter = random.Random(7)
        self.outcome = Outcome()

    async def send_all(self, work: Sequence[Batch], *, concurrency: int) -> None:
        """Send every batch, `concurrency` at a time."""
        queue: asyncio.Queue[Batch] = asyncio.Queue()
        for batch in work:
            queue.put_nowait(batch)

        async def worker() -> None:
            while not queue.empty():
                batch = queue.get_nowait()
                await self._pacer.wait(batch.events)
                await self._send(batch)

        started = time.monotonic()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        self.outcome.elapsed = time.monotonic() - started

    async def _send(self, batch: Batch) -> None:
        headers = {
            "Authorization": f"Bearer {self._keys[batch.partner]}",
            "Content-Type": PROTOBUF,
            "Accept": PROTOBUF,
        }
        backoff = 0.2
        self.outcome.sent += batch.events
        while True:
            try:
                response = await self._client.post(self._url, content=batch.body, headers=headers)
            except httpx.TransportError as exc:
                reason, wait = type(exc).__name__, None
            else:
                if response.status_code == 202:
                    self._settle(batch, parse_response(response))
                    return
                if response.status_code not in _RETRY:
                    code = _problem_code(response)
                    self.outcome.failed_batches[f"{response.status_code} {code}"] += 1
                    return
                reason = f"http_{response.status_code}"
                wait = retry_after(response.headers.get("retry-after"))
            self.outcome.resends[reason] += 1
            if wait is None:
                wait = self._jitter.uniform(0, backoff)
                backoff = min(backoff * 2, 3.0)
            await asyncio.sleep(min(wait, 3.0))

    def _settle(self, batch: Batch, result: ipb.PublishResponse) -> None:
        request = ipb.PublishRequest.FromString(batch.body)
        refused = {r.index for r in result.rejected}
        for r in result.rejected:
            self.outcome.rejected[r.code] += 1
        for index, event in enumerate(request.events):
            if index not in refused:
                self.outcome.acknowledged.add((batch.partner, event.event_id))


def _problem_code(response: httpx.Response) -> str:
    try:
        return str(response.json().get("code", "?"))
    except ValueError:
        return "?"
