"""On partition assignment, seek to the offsets stored in PostgreSQL with the ledger rows."""

from __future__ import annotations

import asyncio
from typing import Any

import asyncpg
import structlog
from aiokafka import AIOKafkaConsumer, ConsumerRebalanceListener, TopicPartition

from quanhub.ledger.store.writer import stored_offsets

log = structlog.get_logger(__name__)


class SeekToStoredOffsets(ConsumerRebalanceListener):  # type: ignore[misc]
    """Kafka's own committed offsets are never used: PostgreSQL's are the truth.

    Revocation waits for the batch being written (`write_lock`), so the next owner of a
    partition reads offsets that already include it.
    """

    def __init__(
        self,
        consumer: AIOKafkaConsumer,
        pool: asyncpg.Pool,
        *,
        group_id: str,
        write_lock: asyncio.Lock,
    ) -> None:
        self._consumer = consumer
        self._pool = pool
        self._group_id = group_id
        self._write_lock = write_lock
        self.assigned: set[TopicPartition] = set()

    async def on_partitions_revoked(self, revoked: Any) -> None:
        """Let the batch in flight commit before the partitions move."""
        async with self._write_lock:
            self.assigned -= set(revoked)
        log.info("partitions_revoked", partitions=sorted(str(tp) for tp in revoked))

    async def on_partitions_assigned(self, assigned: Any) -> None:
        """Seek every assigned partition to its stored next offset, or to its beginning."""
        by_topic: dict[str, list[TopicPartition]] = {}
        for tp in assigned:
            by_topic.setdefault(tp.topic, []).append(tp)
        async with self._pool.acquire() as conn:
            for topic, tps in by_topic.items():
                stored = await stored_offsets(conn, self._group_id, topic)
                fresh = [tp for tp in tps if tp.partition not in stored]
                for tp in tps:
                    if tp.partition in stored:
                        self._consumer.seek(tp, stored[tp.partition])
                if fresh:
                    await self._consumer.seek_to_beginning(*fresh)
                log.info(
                    "partitions_assigned",
                    topic=topic,
                    stored={tp.partition: stored.get(tp.partition) for tp in tps},
                )
        self.assigned |= set(assigned)
