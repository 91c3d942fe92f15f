"""Producing accepted events to Kafka, and knowing only success once every one is acknowledged.

`Publisher` is the port the route depends on; `KafkaPublisher` is the real adapter (an
idempotent acks=all producer). A broker that is down at start does not stop the gateway:
it keeps answering 503 and reconnects in the background.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Sequence
from typing import NamedTuple, Protocol

import structlog
from aiokafka import AIOKafkaProducer
from aiokafka.errors import KafkaError

from quanhub.common.errors import DependencyUnavailable
from quanhub.common.kafka import fill_batches, make_producer, send_chunk
from quanhub.common.settings import KafkaSettings

log = structlog.get_logger(__name__)


class Record(NamedTuple):
    """One message for a raw topic (a named tuple: one per event, cheaper than a frozen
    dataclass to build)."""

    topic: str
    key: bytes
    value: bytes
    headers: list[tuple[str, bytes]]
    #: murmur2(key), when the native fast path computed it.
    key_hash: int | None = None


class Publisher(Protocol):
    """Writes records durably, or raises DependencyUnavailable."""

    async def publish(self, records: Sequence[Record]) -> None: ...

    async def ready(self) -> bool: ...


class KafkaPublisher:
    """The Kafka adapter: publish returns only after Kafka acknowledged every record."""

    def __init__(
        self,
        settings: KafkaSettings,
        *,
        timeout: float,
        probe_topic: str,
        client_id: str = "quanhub-gateway",
        reconnect_seconds: float = 2.0,
        linger_ms: int = 0,
    ) -> None:
        self._settings = settings
        self._timeout = timeout
        self._probe_topic = probe_topic
        self._client_id = client_id
        self._reconnect_seconds = reconnect_seconds
        self._linger_ms = linger_ms
        self._producer: AIOKafkaProducer | None = None
        self._connector: asyncio.Task[None] | None = None

    async def start(self) -> None:
        """Connect now if Kafka answers; otherwise keep trying in the background."""
        if not await self._connect_once():
            self._connector = asyncio.create_task(self._keep_connecting())

    async def stop(self) -> None:
        """Flush and close the producer; stop reconnecting."""
        if self._connector is not None:
            self._connector.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._connector
        if self._producer is not None:
            await self._producer.stop()
            self._producer = None

    async def publish(
        self, records: Sequence[Record], *, deadline_seconds: float | None = None
    ) -> None:
        """Produce every record and wait for all acknowledgements within the deadline.

        Records are handed over as one batch per partition (`fill_batches`: the partitions
        `send` would choose, request order kept per key).
        """
        deadline = self._timeout if deadline_seconds is None else deadline_seconds
        producer = self._producer
        if producer is None:
            msg = "Kafka is not reachable"
            raise DependencyUnavailable(msg)
        try:
            async with asyncio.timeout(deadline):
                pending = await self._send_batches(producer, records)
                await asyncio.gather(*pending)
        except TimeoutError as exc:
            msg = f"Kafka did not acknowledge the batch within {deadline:g} s"
            raise DependencyUnavailable(msg) from exc
        except KafkaError as exc:
            msg = f"Kafka refused the batch ({type(exc).__name__})"
            raise DependencyUnavailable(msg) from exc

    async def _send_batches(
        self, producer: AIOKafkaProducer, records: Sequence[Record]
    ) -> list[asyncio.Future[object]]:
        pending: list[asyncio.Future[object]] = []
        for chunk in await fill_batches(producer, records):
            pending.append(await send_chunk(producer, chunk))
        return pending

    async def ready(self) -> bool:
        """Whether a producer is connected and the raw topics' metadata is reachable."""
        producer = self._producer
        if producer is None:
            return False
        try:
            async with asyncio.timeout(2):
                return bool(await producer.partitions_for(self._probe_topic))
        except (TimeoutError, KafkaError):
            return False

    async def _connect_once(self) -> bool:
        producer = make_producer(
            self._settings, client_id=self._client_id, linger_ms=self._linger_ms
        )
        try:
            async with asyncio.timeout(self._settings.request_timeout_ms / 1000):
                await producer.start()
        except (TimeoutError, KafkaError, OSError) as exc:
            log.warning("kafka_unreachable", bootstrap=self._settings.bootstrap, error=repr(exc))
            with contextlib.suppress(Exception):
                await producer.stop()
            return False
        self._producer = producer
        log.info("kafka_connected", bootstrap=self._settings.bootstrap)
        return True

    async def _keep_connecting(self) -> None:
        while True:
            await asyncio.sleep(self._reconnect_seconds)
            if await self._connect_once():
                return
