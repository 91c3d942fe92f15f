"""Delivers a batch to a partner's feed topic: every record acknowledged (acks=all) or the
attempt failed and the whole batch is produced again later (consumers dedupe by seq).
Records of a CloudEvents subscription carry the binary-mode `ce_` headers too."""

from __future__ import annotations

import asyncio
import time
from uuid import UUID

import orjson
from aiokafka import AIOKafkaProducer
from aiokafka.errors import KafkaError

from quanhub.common.kafka import ensure_topics, start_producer
from quanhub.common.settings import KafkaSettings
from quanhub.common.tracecontext import TRACEPARENT
from quanhub.ledger.dispatcher.sender import Outcome
from quanhub.ledger.dispatcher.tracing import event_traceparent
from quanhub.ledger.feeds.kafka_feed import (
    cloudevent_headers,
    event_key,
    feed_topic,
    feed_topic_spec,
)


class KafkaSink:
    """Produces feed batches with one idempotent producer shared by all subscriptions."""

    def __init__(self, settings: KafkaSettings) -> None:
        self._settings = settings
        self._producer: AIOKafkaProducer | None = None
        self._topics: set[str] = set()
        self._lock = asyncio.Lock()

    async def _ensure(self, partner_code: str) -> tuple[AIOKafkaProducer, str]:
        # Started on first use, so webhooks keep flowing while Kafka is unreachable.
        topic = feed_topic(self._settings, partner_code)
        async with self._lock:
            if self._producer is None:
                self._producer = await start_producer(
                    self._settings, client_id="quanhub-dispatcher"
                )
            if topic not in self._topics:
                await ensure_topics(self._settings, [feed_topic_spec(self._settings, partner_code)])
                self._topics.add(topic)
        return self._producer, topic

    async def close(self) -> None:
        """Flush and stop the producer if it was started."""
        if self._producer is not None:
            await self._producer.stop()
            self._producer = None

    async def send(
        self, *, partner_code: str, delivery_id: UUID, events: bytes, envelope: str = "quanhub"
    ) -> Outcome:
        """Produce each event of the batch; success only when the broker acknowledged all.
        With `envelope="cloudevents"` each record is a CloudEvent in binary mode."""
        started = time.monotonic()
        try:
            producer, topic = await self._ensure(partner_code)
            acks = []
            for event in orjson.loads(events):
                headers = [
                    ("event_id", str(event["event_id"]).encode()),
                    ("kind", str(event["kind"]).encode()),
                    ("seq", str(event["seq"]).encode()),
                    ("delivery_id", str(delivery_id).encode()),
                ]
                if traceparent := event_traceparent(event):  # its event's trace, a new span
                    headers.append((TRACEPARENT, traceparent.encode()))
                key = event_key(event)
                if envelope == "cloudevents":
                    headers += cloudevent_headers(event, key)
                acks.append(
                    await producer.send(topic, orjson.dumps(event), key=key, headers=headers)
                )
            await asyncio.gather(*acks)
        except (KafkaError, OSError, TimeoutError) as exc:
            elapsed = int((time.monotonic() - started) * 1000)
            return Outcome(False, None, f"kafka: {type(exc).__name__}: {exc}"[:300], elapsed)
        return Outcome(True, None, None, int((time.monotonic() - started) * 1000))
