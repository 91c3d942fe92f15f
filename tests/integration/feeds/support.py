"""Test helpers for feeds: canonical events into the ledger, and a local webhook receiver."""

from __future__ import annotations

import asyncio
import contextlib
import socket
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

import asyncpg
import orjson
import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from quanhub.canonical.v1 import canonical_pb2 as cpb

T0 = datetime(2026, 11, 1, 8, 0, tzinfo=UTC)


def parcel_event(carrier: str, waybill: str, n: int, *, platform: str = "") -> cpb.CanonicalEvent:
    """A canonical IN_TRANSIT scan of one parcel."""
    event = cpb.CanonicalEvent(
        event_id=str(uuid.uuid4()),
        source_partner=carrier,
        source_event_id=f"{waybill}-{n}",
        partner_role="carrier",
        code_system="quanhub",
        raw_code="IN_TRANSIT",
        raw_text="in transit",
        schema_version=1,
        trace_id=uuid.uuid4().hex,
    )
    event.occurred_at.FromDatetime(T0 + timedelta(minutes=n))
    event.received_at.FromDatetime(T0 + timedelta(minutes=n, seconds=5))
    event.parcel.carrier_id = carrier
    event.parcel.waybill_no = waybill
    event.parcel.status = cpb.PARCEL_STATUS_IN_TRANSIT
    event.parcel.platform_code = platform
    return event


async def wait_until(check: Callable[[], Awaitable[bool]], *, within: float = 60.0) -> None:
    """Poll `check` until it is true; fail after `within` seconds."""
    deadline = time.monotonic() + within
    while not await check():
        if time.monotonic() > deadline:
            msg = f"condition not met within {within} s"
            raise AssertionError(msg)
        await asyncio.sleep(0.05)


@dataclass
class Received:
    """One request the receiver got."""

    status: int
    headers: dict[str, str]
    body: bytes

    @property
    def json(self) -> dict[str, object]:
        return orjson.loads(self.body)  # type: ignore[no-any-return]


@dataclass
class Receiver:
    """A webhook endpoint on 127.0.0.1 that fails its first `fail_first` requests."""

    fail_first: int = 0
    delay: float = 0.0
    #: Seconds the first request hangs before it is answered (a subscriber stuck mid-POST).
    hang_first: float = 0.0
    #: Delivery id of every request as it arrives (before any delay).
    arrivals: list[str] = field(default_factory=list)
    requests: list[Received] = field(default_factory=list)
    url: str = ""

    @property
    def accepted(self) -> list[Received]:
        return [r for r in self.requests if r.status == 200]

    def accepted_events(self, subscription_id: str | None = None) -> list[dict[str, object]]:
        events: list[dict[str, object]] = []
        for r in self.accepted:
            body = r.json
            if subscription_id is None or body["subscription_id"] == subscription_id:
                events.extend(body["events"])  # type: ignore[arg-type]
        return events

    async def _handle(self, request: Request) -> Response:
        body = await request.body()
        self.arrivals.append(request.headers.get("quanhub-delivery-id", ""))
        if self.hang_first and len(self.arrivals) == 1:
            await asyncio.sleep(self.hang_first)
        if self.delay:
            await asyncio.sleep(self.delay)
        status = 500 if len(self.requests) < self.fail_first else 200
        self.requests.append(Received(status, dict(request.headers), body))
        return Response(b"ok" if status == 200 else b"boom", status_code=status)


@contextlib.asynccontextmanager
async def running_receiver(receiver: Receiver) -> AsyncIterator[Receiver]:
    """Serve the receiver on a free loopback port for the duration of the block."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    app = Starlette(routes=[Route("/hook", receiver._handle, methods=["POST"])])
    server = uvicorn.Server(uvicorn.Config(app, log_config=None, lifespan="off"))
    task = asyncio.create_task(server._serve([sock]))
    receiver.url = f"http://127.0.0.1:{port}/hook"
    try:
        await wait_until(lambda: _started(server), within=10)
        yield receiver
    finally:
        server.should_exit = True
        await task
        sock.close()


async def _started(server: uvicorn.Server) -> bool:
    return server.started


_offsets = iter(range(10**9))


async def append_to_ledger(pool: asyncpg.Pool, events: list[cpb.CanonicalEvent]) -> list[int]:
    """Write events through the ledger's own batch writer; returns their sequence numbers."""
    from quanhub.ledger.decode import decode
    from quanhub.ledger.store.projector import project
    from quanhub.ledger.store.writer import prepare, write_batch

    now = datetime.now(UTC)
    rows = [
        decode(
            e.SerializeToString(),
            topic="test.canonical",
            partition=0,
            offset=next(_offsets),
            recorded_at=now,
        )
        for e in events
    ]
    async with pool.acquire() as conn:
        await prepare(conn)
        await write_batch(conn, rows, group_id="feeds-test", positions=[], now=now)
        await project(conn)
        found = await conn.fetch(
            "SELECT seq FROM ledger_events WHERE event_id = ANY($1::uuid[]) ORDER BY seq",
            [uuid.UUID(e.event_id) for e in events],
        )
    return [r["seq"] for r in found]


def order_event(
    platform: str, order_no: str, *, carrier: str = "", waybill: str = ""
) -> cpb.CanonicalEvent:
    """A canonical order event: SHIPPED with a carrier and waybill, or CREATED."""
    event = cpb.CanonicalEvent(
        event_id=str(uuid.uuid4()),
        source_partner=platform,
        source_event_id=f"{order_no}-{uuid.uuid4().hex[:6]}",
        partner_role="platform",
        code_system="quanhub",
        raw_code="SHIPPED" if carrier else "CREATED",
        schema_version=1,
    )
    event.occurred_at.FromDatetime(T0)
    event.received_at.FromDatetime(T0)
    event.order.platform_code = platform
    event.order.order_no = order_no
    event.order.status = cpb.ORDER_STATUS_SHIPPED if carrier else cpb.ORDER_STATUS_CREATED
    event.order.carrier_id = carrier
    event.order.waybill_no = waybill
    event.order.buyer.name_token = "tok-secret-name"
    event.order.buyer.name_masked = "张*"
    return event


def customs_receipt(
    agent: str, cop_no: str, *, order_no: str, ebp_code: str, logistics_code: str, waybill: str
) -> cpb.CanonicalEvent:
    """A canonical CEB622 inventory receipt: RELEASED (800)."""
    event = cpb.CanonicalEvent(
        event_id=str(uuid.uuid4()),
        source_partner=agent,
        source_event_id=f"{cop_no}-{uuid.uuid4().hex[:6]}",
        partner_role="customs_agent",
        code_system="cbec",
        raw_code="800",
        schema_version=1,
    )
    event.occurred_at.FromDatetime(T0 + timedelta(hours=2))
    event.received_at.FromDatetime(T0 + timedelta(hours=2))
    c = event.customs
    c.message_type = "CEB622"
    c.document = cpb.CUSTOMS_DOCUMENT_INVENTORY
    c.is_receipt = True
    c.trade_mode = "1210"
    c.ie_flag = "I"
    c.cop_no = cop_no
    c.order_no = order_no
    c.ebp_code = ebp_code
    c.logistics_code = logistics_code
    c.logistics_no = waybill
    c.status = cpb.DECLARATION_STATUS_RELEASED
    c.return_status = "800"
    c.return_time.FromDatetime(T0 + timedelta(hours=2))
    return event


@dataclass
class Trickler:
    """A webhook endpoint that reads the request, then answers one byte every `interval`
    seconds, forever: in the status line and headers (`headers`), or in a long body after
    complete headers (`body`). Every byte restarts an HTTP client's read timeout."""

    mode: str = "headers"
    interval: float = 1.0
    #: Subscription id of every request as it arrives.
    arrivals: list[str] = field(default_factory=list)
    #: Connections open right now.
    open: int = 0
    url: str = ""
    tasks: set[asyncio.Task[None]] = field(default_factory=set)

    async def _handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.current_task()
        assert task is not None
        self.tasks.add(task)
        self.open += 1
        try:
            head = await reader.readuntil(b"\r\n\r\n")
            headers = dict(
                line.decode().lower().split(": ", 1)
                for line in head.split(b"\r\n")[1:]
                if b": " in line
            )
            await reader.readexactly(int(headers.get("content-length", "0")))
            self.arrivals.append(headers.get("quanhub-subscription-id", ""))
            if self.mode == "body":
                writer.write(b"HTTP/1.1 500 Slow\r\nContent-Length: 1000000\r\n\r\n")
            else:
                writer.write(b"HTTP/1.1 200 OK\r\nX-Slow: ")
            while True:
                await writer.drain()
                await asyncio.sleep(self.interval)
                writer.write(b"z")
        except (ConnectionError, asyncio.IncompleteReadError):
            pass
        finally:
            self.open -= 1
            writer.close()


@contextlib.asynccontextmanager
async def running_trickler(trickler: Trickler) -> AsyncIterator[Trickler]:
    """Serve the trickler on a free loopback port for the duration of the block."""
    server = await asyncio.start_server(trickler._handle, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    trickler.url = f"http://127.0.0.1:{port}/slow"
    try:
        yield trickler
    finally:
        server.close()
        for task in trickler.tasks:
            task.cancel()
        await asyncio.gather(*trickler.tasks, return_exceptions=True)
        await server.wait_closed()
