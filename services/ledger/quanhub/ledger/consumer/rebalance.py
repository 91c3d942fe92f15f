"""On partition assignment, seek to the offsets stored in PostgreSQL with the ledger rows."""

from __future__ import annotations

from collections.abc import Callable, Sequence

import asyncpg
import structlog
from aiokafka import TopicPartition

from quanhub.common.consuming import Consumer, DrainBeforeRevoke, Drains
from quanhub.ledger.store.writer import stored_offsets

log = structlog.get_logger(__name__)


class SeekToStoredOffsets(DrainBeforeRevoke):
    """Kafka's own committed offsets are never used: PostgreSQL's are the truth.

    Revocation waits for the batch being written (DrainBeforeRevoke), so the next owner of
    a partition reads offsets that already include it. A partition's offsets are read
    where its rows are written: `placed(partition)` is the pool of its shard's instance
    (by default `pool`, every shard on one instance).
    """

    def __init__(
        self,
        loop: Drains,
        consumer: Consumer,
        pool: asyncpg.Pool,
        *,
        group_id: str,
        placed: Callable[[int], asyncpg.Pool] | None = None,
    ) -> None:
        super().__init__(loop)
        self._consumer = consumer
        self._placed = placed or (lambda _partition: pool)
        self._group_id = group_id

    async def assigning(self, assigned: Sequence[TopicPartition]) -> None:
        """Seek every assigned partition to its stored next offset, or to its beginning."""
        by_place: dict[tuple[str, asyncpg.Pool], list[TopicPartition]] = {}
        for tp in assigned:
            by_place.setdefault((tp.topic, self._placed(tp.partition)), []).append(tp)
        for (topic, pool), tps in by_place.items():
            async with pool.acquire() as conn:
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
