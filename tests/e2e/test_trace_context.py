"""W3C trace context end to end (issue 18, item 4): a partner's `traceparent` names the trace
of its event through every hop: the gateway's answer, the raw record, the canonical record,
the ledger row, the query API's answer and the webhook delivery, each hop a span of its own.
Every service is a real process on the real Kafka and PostgreSQL but the dispatcher, which
runs in this process against the same database."""

from __future__ import annotations

import asyncio
import socket
import time
import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from datetime import UTC, datetime

import asyncpg
import httpx
import orjson
import pytest
import uvicorn
from aiokafka import AIOKafkaConsumer, ConsumerRecord, TopicPartition
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from quanhub.common.ids import canonical_event_id_text
from quanhub.common.settings import DatabaseSettings, KafkaSettings
from quanhub.common.topics import EventKind, Topics
from quanhub.common.tracecontext import TraceParent, parse_traceparent
from quanhub.common.traceids import new_trace_id
from quanhub.ledger.dispatcher.bootstrap import bootstrap
from quanhub.ledger.dispatcher.settings import DispatcherSettings
from quanhub.ledger.feeds import store
from quanhub.ledger.feeds.source import LedgerEventSource
from quanhub.stack.servicegroup import RunningServices

pytestmark = pytest.mark.e2e
SPAN = "00f067aa0ba902b7"


class _Receiver:
    """A webhook endpoint on 127.0.0.1 that accepts everything and keeps what it got."""

    def __init__(self) -> None:
        self.received: list[tuple[dict[str, str], list[dict[str, object]]]] = []

    async def handle(self, request: Request) -> Response:
        body = orjson.loads(await request.body())
        self.received.append((dict(request.headers), body["events"]))
        return Response(b"ok")

    def delivery_of(self, event_id: str) -> dict[str, str] | None:
        """The headers of the first delivery holding `event_id`."""
        for headers, events in self.received:
            if any(e.get("event_id") == event_id for e in events):
                return headers
        return None


@asynccontextmanager
async def _receiving(receiver: _Receiver) -> AsyncIterator[str]:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    app = Starlette(routes=[Route("/hook", receiver.handle, methods=["POST"])])
    server = uvicorn.Server(uvicorn.Config(app, log_config=None, lifespan="off"))
    task = asyncio.create_task(server._serve([sock]))
    try:
        await _until(lambda: server.started)
        yield f"http://127.0.0.1:{sock.getsockname()[1]}/hook"
    finally:
        server.should_exit = True
        await task
        sock.close()


async def _until(check: Callable[[], object], *, within: float = 60) -> None:
    """Poll `check` (a function or a coroutine function) until it is true."""
    deadline = time.monotonic() + within
    while True:
        done = check()
        if asyncio.iscoroutine(done):
            done = await done
        if done:
            return
        assert time.monotonic() < deadline, "timed out"
        await asyncio.sleep(0.2)


@asynccontextmanager
async def _assigned(
    settings: KafkaSettings, topic: str
) -> AsyncIterator[tuple[AIOKafkaConsumer, list[TopicPartition]]]:
    """A consumer of no group assigned every partition of `topic` the brokers know of (the
    canonical topic has a count of its own); none when the topic does not exist yet."""
    consumer = AIOKafkaConsumer(
        bootstrap_servers=settings.bootstrap, enable_auto_commit=False, group_id=None
    )
    await consumer.start()
    try:
        cluster = await consumer._client.fetch_all_metadata()
        parts = [
            TopicPartition(topic, p) for p in sorted(cluster.partitions_for_topic(topic) or ())
        ]
        if parts:
            consumer.assign(parts)
        yield consumer, parts
    finally:
        await consumer.stop()


async def _read_all(
    settings: KafkaSettings, topic: str, since: dict[int, int]
) -> list[ConsumerRecord]:
    """The topic's records from the offsets in `since` (partition -> offset; the
    beginning for a partition it lacks)."""
    records: list[ConsumerRecord] = []
    async with _assigned(settings, topic) as (consumer, parts):
        if not parts:  # not created yet: the caller polls again
            return records
        end = await consumer.end_offsets(parts)
        for tp in parts:
            consumer.seek(tp, since.get(tp.partition, 0))
        async with asyncio.timeout(20):
            while [tp for tp in parts if await consumer.position(tp) < end[tp]]:
                for items in (await consumer.getmany(timeout_ms=500)).values():
                    records.extend(items)
    return records


async def _ends(settings: KafkaSettings, topic: str) -> dict[int, int]:
    """Partition -> end offset of the topic now: where records sent from now on begin (the
    topics hold every earlier test's records, which need not be read again)."""
    async with _assigned(settings, topic) as (consumer, parts):
        return {tp.partition: o for tp, o in (await consumer.end_offsets(parts)).items()}


def _parent(headers: list[tuple[str, bytes]] | tuple[tuple[str, bytes], ...]) -> TraceParent:
    values = [v for k, v in headers if k == "traceparent"]
    assert len(values) == 1, headers
    parsed = parse_traceparent(values[0])
    assert parsed is not None, values
    return parsed


async def _record_of(
    settings: KafkaSettings, topic: str, event_id: bytes, since: dict[int, int]
) -> list[tuple[str, bytes]]:
    """The headers of the record of `topic` after `since` whose `event_id` header is
    `event_id` (polled)."""
    deadline = time.monotonic() + 60
    while True:
        for record in await _read_all(settings, topic, since):
            headers = list(record.headers)
            if (("event_id", event_id)) in headers:
                return headers
        assert time.monotonic() < deadline, f"no record of {event_id!r} in {topic}"
        await asyncio.sleep(0.3)


@asynccontextmanager
async def _dispatching(database: DatabaseSettings, kafka: KafkaSettings) -> AsyncIterator[None]:
    """A dispatcher on the test stack (it also delivers earlier tests' subscriptions)."""
    settings = DispatcherSettings(
        database=database, kafka=kafka, poll_interval=0.2, request_timeout=5.0
    )
    app = bootstrap(settings, serve_ops=False)
    task = asyncio.create_task(app.run())
    try:
        yield
    finally:
        app.stop()
        await asyncio.wait_for(task, 30)


async def test_a_partner_trace_reaches_every_hop(
    services: RunningServices, kafka_settings: KafkaSettings, database_settings: DatabaseSettings
) -> None:
    trace = new_trace_id()  # a partner's W3C trace-id the hub keeps (no 7-digit run)
    run = uuid.uuid4().hex[:10]
    event = {
        "event_id": f"tc-{run}",
        "occurred_at": "2026-11-28T10:00:00Z",
        "parcel": {
            "carrier_code": "SF",
            "waybill_no": f"SF{run}",
            "code_system": "quanhub",
            "code": "IN_TRANSIT",
        },
    }
    bearer = {"Authorization": f"Bearer {services.demo_keys['SF']}"}
    pool = await asyncpg.create_pool(database_settings.url, min_size=1, max_size=2)
    assert pool is not None
    try:
        receiver = _Receiver()
        async with _receiving(receiver) as hook:
            async with pool.acquire() as conn:
                head = await LedgerEventSource().head(conn)
                await store.create_subscription(
                    conn,
                    partner_code="SF",
                    url=hook,
                    kinds=["parcel"],
                    description="trace context e2e",
                    secret="whsec_" + "t" * 40,
                    cursor_seq=head,
                    now=datetime.now(UTC),
                )
            topics = Topics(kafka_settings)
            raw_topic = topics.raw(EventKind.PARCEL)
            raw_from = await _ends(kafka_settings, raw_topic)
            canonical_from = await _ends(kafka_settings, topics.canonical)
            async with httpx.AsyncClient(timeout=30) as client:
                answer = await client.post(
                    f"{services.gateway_url}/v1/events",
                    json={"events": [event]},
                    headers={**bearer, "traceparent": f"00-{trace}-{SPAN}-01"},
                )
                assert answer.status_code == 202, answer.text
                gateway_span = parse_traceparent(answer.headers["traceparent"])
                assert gateway_span is not None
                assert gateway_span.trace_id == trace

                event_id = canonical_event_id_text("SF", event["event_id"])
                raw = _parent(
                    await _record_of(kafka_settings, raw_topic, event_id.encode(), raw_from)
                )
                canonical_headers = await _record_of(
                    kafka_settings, topics.canonical, event_id.encode(), canonical_from
                )
                canonical = _parent(canonical_headers)
                assert raw.trace_id == canonical.trace_id == trace
                spans = {SPAN, gateway_span.parent_id, raw.parent_id, canonical.parent_id}
                assert len(spans) == 4  # each hop a span of its own

                async def recorded() -> bool:
                    row = await pool.fetchval(
                        "SELECT trace_id FROM ledger_events WHERE event_id = $1",
                        uuid.UUID(event_id),
                    )
                    return row is not None

                await _until(recorded)
                stored = await pool.fetchval(
                    "SELECT trace_id FROM ledger_events WHERE event_id = $1", uuid.UUID(event_id)
                )
                assert stored == trace

                query = await client.get(
                    f"{services.ledger_url}/v1/parcels/SF/SF{run}",
                    headers={**bearer, "traceparent": f"00-{trace}-{SPAN}-01"},
                )
                api_span = parse_traceparent(query.headers["traceparent"])
                assert api_span is not None
                assert api_span.trace_id == trace

            async with _dispatching(database_settings, kafka_settings):
                await _until(lambda: receiver.delivery_of(event_id) is not None)
            delivery = receiver.delivery_of(event_id)
            assert delivery is not None
            webhook = parse_traceparent(delivery.get("traceparent"))
            assert webhook is not None, delivery
            assert webhook.trace_id == trace
            assert webhook.parent_id not in spans
    finally:
        await pool.close()
