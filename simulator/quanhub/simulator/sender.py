"""Sending batches to the gateway: concurrent, paced or flat out, retrying what may be retried.

429 and 503 are retried after the gateway's Retry-After, other 5xx answers and transport
errors (timeouts, refused connections) after an exponential backoff with jitter. Resending
a batch is safe: its event ids are stable, so the hub keeps each event once. Any other 4xx
means the batch itself is wrong; it is counted as failed and not resent.
"""

from __future__ import annotations

import asyncio
import random
import time
from collections import Counter
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime

import httpx
import orjson

from quanhub.ingest.v1 import ingest_pb2 as ipb
from quanhub.simulator.batches import Batch

PROTOBUF = "application/x-protobuf"
_RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})


@dataclass(slots=True)
class Tally:
    """What happened to the run's sends so far."""

    batches: int = 0
    sent: int = 0
    accepted: int = 0
    rejected: Counter[str] = field(default_factory=Counter)
    retries: Counter[str] = field(default_factory=Counter)
    failed_batches: int = 0
    failed_events: int = 0
    failures: Counter[str] = field(default_factory=Counter)
    accepted_by_partner: Counter[str] = field(default_factory=Counter)
    elapsed: float = 0.0

    @property
    def settled(self) -> int:
        """Events whose fate is known: accepted, rejected, or in a failed batch."""
        return self.accepted + sum(self.rejected.values()) + self.failed_events

    def as_dict(self) -> dict[str, object]:
        """A JSON-ready view."""
        return {
            "batches": self.batches,
            "sent": self.sent,
            "accepted": self.accepted,
            "rejected": sum(self.rejected.values()),
            "rejected_by_code": dict(self.rejected.most_common()),
            "retries": dict(self.retries.most_common()),
            "failed_batches": self.failed_batches,
            "failed_events": self.failed_events,
            "failures": dict(self.failures.most_common()),
            "accepted_by_partner": dict(sorted(self.accepted_by_partner.items())),
            "elapsed_seconds": round(self.elapsed, 3),
            "events_per_second": round(self.sent / self.elapsed, 1) if self.elapsed else None,
        }


def retry_after(value: str | None, now: float | None = None) -> float | None:
    """Seconds to wait from a Retry-After header (delta seconds or an HTTP date)."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - (time.time() if now is None else now))


def parse_response(response: httpx.Response) -> ipb.PublishResponse:
    """A 202 answer as a PublishResponse, whether the gateway answered protobuf or JSON."""
    if response.headers.get("content-type", "").startswith(PROTOBUF):
        return ipb.PublishResponse.FromString(response.content)
    data = orjson.loads(response.content)
    result = ipb.PublishResponse(accepted=int(data.get("accepted", 0)))
    for item in data.get("rejected", []):
        result.rejected.add(
            index=int(item.get("index", 0)),
            event_id=item.get("eventId", item.get("event_id", "")),
            code=item.get("code", ""),
            message=item.get("message", ""),
        )
    return result


class Pacer:
    """Spaces requests so events flow at `rate` per second on average (None: flat out)."""

    def __init__(
        self,
        rate: float | None,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self._rate = rate
        self._clock = clock
        self._sleep = sleep
        self._next: float | None = None

    async def wait(self, events: int) -> None:
        """Wait for this request's slot: it may start once the previous ones had theirs."""
        if not self._rate:
            return
        now = self._clock()
        start = now if self._next is None else max(now, self._next)
        self._next = start + events / self._rate
        if start > now:
            await self._sleep(start - now)


@dataclass(frozen=True, slots=True)
class SendOptions:
    """How to send: endpoint, pacing, concurrency and the retry budget."""

    gateway_url: str
    rate: float | None = None
    concurrency: int = 4
    max_attempts: int = 50
    backoff_initial: float = 0.5
    backoff_max: float = 30.0


class Sender:
    """Posts batches with each partner's key and keeps the tally."""

    def __init__(
        self,
        client: httpx.AsyncClient,
        keys: Mapping[str, str],
        options: SendOptions,
        on_progress: Callable[[Batch, Tally], None] | None = None,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self._client = client
        self._keys = keys
        self._options = options
        self._on_progress = on_progress
        self._sleep = sleep
        self._pacer = Pacer(options.rate, sleep=sleep)
        self._jitter = random.Random()  # noqa: S311 - backoff jitter, not crypto
        self.tally = Tally()

    async def run(self, batches: Iterable[Batch]) -> Tally:
        """Send every batch (up to `concurrency` at once) and return the tally."""
        started = time.monotonic()
        queue: asyncio.Queue[Batch | None] = asyncio.Queue(maxsize=self._options.concurrency * 2)

        async def worker() -> None:
            while (batch := await queue.get()) is not None:
                await self._send(batch)

        async def feed() -> None:
            for batch in batches:
                await queue.put(batch)
            for _ in range(self._options.concurrency):
                await queue.put(None)

        tasks = [asyncio.create_task(worker()) for _ in range(self._options.concurrency)]
        tasks.append(asyncio.create_task(feed()))
        try:
            # A worker that fails (a bug, never an HTTP answer) stops the whole run.
            await asyncio.gather(*tasks)
        finally:
            for task in tasks:
                task.cancel()
            self.tally.elapsed = time.monotonic() - started
        return self.tally

    async def _send(self, batch: Batch) -> None:
        await self._pacer.wait(batch.events)
        headers = {
            "Authorization": f"Bearer {self._keys[batch.partner]}",
            "Content-Type": PROTOBUF,
            "Accept": PROTOBUF,
        }
        url = self._options.gateway_url.rstrip("/") + "/v1/events"
        backoff = self._options.backoff_initial
        for attempt in range(1, self._options.max_attempts + 1):
            wait: float | None
            try:
                response = await self._client.post(url, content=batch.body, headers=headers)
            except httpx.TransportError as exc:
                reason, wait = type(exc).__name__, None
            else:
                if response.status_code == 202:
                    self._settle(batch, parse_response(response))
                    return
                if response.status_code not in _RETRY_STATUSES:
                    self._fail(batch, f"http_{response.status_code}")
                    return
                reason = f"http_{response.status_code}"
                wait = retry_after(response.headers.get("retry-after"))
            if attempt == self._options.max_attempts:
                self._fail(batch, f"gave_up_after_{reason}")
                return
            self.tally.retries[reason] += 1
            if wait is None:
                wait = self._jitter.uniform(0, backoff)
                backoff = min(backoff * 2, self._options.backoff_max)
            await self._sleep(wait)

    def _settle(self, batch: Batch, result: ipb.PublishResponse) -> None:
        tally = self.tally
        tally.batches += 1
        tally.sent += batch.events
        tally.accepted += result.accepted
        tally.accepted_by_partner[batch.partner] += result.accepted
        for rejection in result.rejected:
            tally.rejected[rejection.code or "unspecified"] += 1
        if self._on_progress:
            self._on_progress(batch, tally)

    def _fail(self, batch: Batch, reason: str) -> None:
        tally = self.tally
        tally.batches += 1
        tally.failed_batches += 1
        tally.failed_events += batch.events
        tally.failures[reason] += 1
        if self._on_progress:
            self._on_progress(batch, tally)
