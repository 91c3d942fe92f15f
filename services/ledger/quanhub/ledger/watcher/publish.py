"""Publishes insights onto the canonical topic, keyed like their object's own events."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence

from aiokafka import AIOKafkaProducer

from quanhub.common.clock import Clock
from quanhub.common.kafka import start_producer
from quanhub.common.settings import KafkaSettings
from quanhub.common.topics import Topics
from quanhub.common.tracecontext import TRACEPARENT, child_traceparent
from quanhub.ledger.watcher.decide import Draft, canonical_event


class Publisher:
    """An idempotent acks=all producer; `publish` returns once every record is
    acknowledged, or raises (the caller decides again from the ledger: same ids)."""

    def __init__(self, settings: KafkaSettings, clock: Clock) -> None:
        self._settings = settings
        self._clock = clock
        self._topic = Topics(settings).canonical
        self._producer: AIOKafkaProducer | None = None

    @property
    def topic(self) -> str:
        return self._topic

    async def start(self) -> None:
        self._producer = await start_producer(self._settings, client_id="quanhub-watcher")

    async def close(self) -> None:
        if self._producer is not None:
            await self._producer.stop()
            self._producer = None

    async def publish(self, drafts: Sequence[Draft]) -> None:
        """Produce the drafts in order (one object's stay in order: one key, one partition)."""
        if not drafts:
            return
        if self._producer is None:
            raise RuntimeError("the publisher is not started")
        received_at = self._clock.now()
        pending = []
        for draft in drafts:
            event = canonical_event(draft, received_at)
            # The insight's trace is its own: named by its (deterministic) event id.
            event.trace_id = draft.event_id.replace("-", "")
            headers = [
                ("event_id", draft.event_id.encode()),
                ("kind", b"insight"),
                (TRACEPARENT, child_traceparent(event.trace_id).encode()),
            ]
            pending.append(
                await self._producer.send(
                    self._topic,
                    event.SerializeToString(),
                    key=draft.key.encode(),
                    headers=headers,
                )
            )
        await asyncio.gather(*pending)
