"""On partition assignment, seek to the offsets stored in PostgreSQL with the ledger rows."""

from __future__ import annotations

from collections.abc import Sequence

import asyncpg
import structlog
from aiokafka import TopicPartition

from quanhub.common.consuming import Consumer, DrainBeforeRevoke, Drains
from quanhub.ledger.store.writer import stored_offsets

log = structlog.get_logger(__name__)


class SeekToStoredOffsets(DrainBeforeRevoke):
    """Kafka's own committed offsets are never used: PostgreSQL's are the truth.

    Revocation waits for the batch being written (DrainBeforeRevoke), so the next owner of
    a partition reads offsets that already include it.
    """

    def __init__(
        self,
        loop: Drains,
        consumer: Consumer,
        pool: asyncpg.Pool,
        *,
        group_id: str,
    ) -> None:
        super().__init__(loop)
        self._consumer = consumer
        self._pool = pool
        self._group_id = group_id

    async def assigning(self, assigned: Sequence[TopicPartition]) -> None:
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
