"""Reading, filtering and replaying the dead-letter topic (behind `quanhub dlq`)."""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from typing import NamedTuple

from aiokafka import AIOKafkaConsumer, TopicPartition

from quanhub.common.kafka import make_producer
from quanhub.common.settings import KafkaSettings
from quanhub.common.topics import Topics
from quanhub.common.tracecontext import TRACEPARENT, child_traceparent
from quanhub.common.traceids import new_trace_id
from quanhub.normalizer.deadletter import DeadLetterRecord, read_dead_letter

__all__ = ["Replayed", "read_dead_letters", "replay", "select"]


async def read_dead_letters(
    settings: KafkaSettings, *, wait_seconds: float = 30.0
) -> list[DeadLetterRecord]:
    """Every record on the dead-letter topic, up to its current end, oldest first."""
    topic = Topics(settings).dlq
    consumer = AIOKafkaConsumer(
        bootstrap_servers=settings.bootstrap,
        group_id=None,
        enable_auto_commit=False,
        auto_offset_reset="earliest",
        request_timeout_ms=max(settings.request_timeout_ms, 40_000),
    )
    await consumer.start()
    try:
        partitions = consumer.partitions_for_topic(topic) or set()
        if not partitions:
            await consumer._client.force_metadata_update()
            partitions = consumer.partitions_for_topic(topic) or set()
        tps = [TopicPartition(topic, p) for p in sorted(partitions)]
        if not tps:
            return []
        consumer.assign(tps)
        await consumer.seek_to_beginning(*tps)
        ends = await consumer.end_offsets(tps)
        out: list[DeadLetterRecord] = []
        loop = asyncio.get_running_loop()
        deadline = loop.time() + wait_seconds
        while loop.time() < deadline:
            positions = [await consumer.position(tp) for tp in tps]
            if all(pos >= ends[tp] for pos, tp in zip(positions, tps, strict=True)):
                break
            batch = await consumer.getmany(timeout_ms=200)
            for records in batch.values():
                for r in records:
                    if r.offset < ends[TopicPartition(r.topic, r.partition)]:
                        out.append(
                            read_dead_letter(r.offset, r.timestamp, r.key, r.value, r.headers)
                        )
        out.sort(key=lambda d: d.offset)
        return out
    finally:
        await consumer.stop()


def select(
    records: Iterable[DeadLetterRecord],
    *,
    code: str | None = None,
    partner: str | None = None,
    source_topic: str | None = None,
    from_offset: int | None = None,
    to_offset: int | None = None,
) -> list[DeadLetterRecord]:
    """The dead letters matching every given filter (offsets inclusive)."""
    return [
        r
        for r in records
        if (code is None or r.error_code == code)
        and (partner is None or r.partner == partner)
        and (source_topic is None or r.source_topic == source_topic)
        and (from_offset is None or r.offset >= from_offset)
        and (to_offset is None or r.offset <= to_offset)
    ]


class Replayed(NamedTuple):
    """What a replay did: how many it re-drove, and each dead letter it refused, and why."""

    sent: int
    refused: list[tuple[DeadLetterRecord, str]]


async def replay(settings: KafkaSettings, records: Iterable[DeadLetterRecord]) -> Replayed:
    """Re-drive dead letters to their source (or replay) topic.

    Refused (DeadLetterRecord.replay_refusal says why): references (no key or value: the
    record was too large for a dead letter), withheld payloads, and dead letters marked
    not_replayable (an unauthorised publisher's event must never reach a raw topic, which
    the normalizer trusts).

    The original key and bytes go back unchanged with `partner`, `first_seen`,
    `replayed_from` and `traceparent` (the dead letter's trace, a new span) headers, so a
    record that fails again keeps its first-seen time and its trace.
    """
    ready: list[DeadLetterRecord] = []
    refused: list[tuple[DeadLetterRecord, str]] = []
    for r in records:
        if why := r.replay_refusal():
            refused.append((r, why))
        else:
            ready.append(r)
    if not ready:
        return Replayed(0, refused)
    dlq = Topics(settings).dlq
    producer = make_producer(settings, client_id="quanhub-dlq-replay")
    await producer.start()
    sent = 0
    try:
        for r in ready:
            headers = [
                ("partner", r.partner.encode()),
                ("first_seen", r.first_seen.encode()),
                ("replayed_from", f"{dlq}:{r.offset}".encode()),
                (TRACEPARENT, child_traceparent(r.trace_id or new_trace_id()).encode()),
            ]
            await producer.send_and_wait(r.target_topic, r.value, key=r.key, headers=headers)
            sent += 1
    finally:
        await producer.stop()
    return Replayed(sent, refused)
