"""Kafka plumbing: producers and consumers configured the one safe way, and topic creation.

Producers are idempotent with acks=all, so a produce that returns has been written to every
in-sync replica and a retried send never duplicates within a producer session. Consumers
never auto-commit: each service commits (or stores) offsets only after its output is safe.
"""

from __future__ import annotations

import asyncio
import contextlib
import random
import struct
from collections.abc import Iterable, Sequence
from typing import Any, Generic, NamedTuple, Protocol, TypeVar

import structlog
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.admin.config_resource import ConfigResource, ConfigResourceType
from aiokafka.errors import TopicAlreadyExistsError, for_code

from quanhub.common.consuming.ports import Producer, ProducerBatch
from quanhub.common.settings import KafkaSettings
from quanhub.common.topics import TopicSpec

log = structlog.get_logger(__name__)

_M = 0x5BD1E995
_U32 = 0xFFFFFFFF
_WORDS = struct.Struct("<I").iter_unpack


#: Each 4-byte word's mixed form (the half of murmur2's step that depends on the word
#: alone), for the words seen lately. Business keys are mostly digits behind a few
#: prefixes, so their words repeat across keys, and one dict lookup costs less than the
#: two multiplications. Emptied when it reaches _MIXED_MAX words.
_MIXED: dict[int, int] = {}
_MIXED_MAX = 1 << 16


def _mixed(word: int) -> int:
    if len(_MIXED) >= _MIXED_MAX:
        _MIXED.clear()
    k = (word * _M) & _U32
    mixed = _MIXED[word] = ((k ^ (k >> 24)) * _M) & _U32
    return mixed


def murmur2(data: bytes) -> int:
    """Kafka's murmur2 of a key (org.apache.kafka.common.utils.Utils.murmur2), equal to
    aiokafka.partitioner.murmur2 in ~45% of its time: struct reads the body as
    little-endian words instead of Python assembling each word byte by byte, and each
    word's mixing comes from _MIXED when it was seen before."""
    length = len(data)
    h = 0x9747B28C ^ length
    end = length & ~3
    mixed = _MIXED.get
    for (word,) in _WORDS(memoryview(data)[:end]):
        h = ((h * _M) & _U32) ^ (mixed(word) or _mixed(word))
    rest = length & 3
    if rest == 3:
        h ^= data[end + 2] << 16
    if rest >= 2:
        h ^= data[end + 1] << 8
    if rest:
        h = ((h ^ data[end]) * _M) & _U32
    h ^= h >> 13
    h = (h * _M) & _U32
    return h ^ (h >> 15)


def partition_of(key: bytes | None, partitions: Sequence[int], key_hash: int | None = None) -> int:
    """The partition aiokafka's DefaultPartitioner (Kafka's rule) gives a record, for
    producers that build their own batches; `partitions` sorted by id, as `send` passes
    them. A record without a key goes to a random partition, as there. `key_hash`: the
    key's murmur2 when the caller has it already."""
    if key is None:
        return random.choice(partitions)  # noqa: S311 - spreading load, not a secret
    h = murmur2(key) if key_hash is None else key_hash
    return partitions[(h & 0x7FFFFFFF) % len(partitions)]


class _Producible(Protocol):
    @property
    def topic(self) -> str: ...
    @property
    def key(self) -> bytes | None: ...
    @property
    def value(self) -> bytes: ...
    @property
    def headers(self) -> list[tuple[str, bytes]]: ...
    @property
    def key_hash(self) -> int | None:
        """murmur2(key), when the producer of the record computed it already."""


_P = TypeVar("_P", bound=_Producible)

#: Records at least this large are produced with `send` on their own (which checks the
#: producer's request size limit) rather than in a shared batch.
SINGLE_SEND_BYTES = 256 * 1024


class Chunk(NamedTuple, Generic[_P]):
    """Records for one partition, in order: in a filled producer batch (for `send_batch`),
    or, when `batch` is None, one large record to `send` on its own."""

    topic: str
    partition: int
    batch: ProducerBatch | None
    records: list[_P]


async def fill_batches(producer: Producer, records: Iterable[_P]) -> list[Chunk[_P]]:
    """`records` as producer batches, one per partition until it is full (partitions as
    `send` would choose them, record order kept within each): far less per-record work
    than a `send` each."""
    chunks: list[Chunk[_P]] = []
    for (topic, partition), group in (await _by_partition(producer, records)).items():
        batch = producer.create_batch()
        members: list[_P] = []
        for record in group:
            if len(record.value) >= SINGLE_SEND_BYTES:
                if members:
                    chunks.append(Chunk(topic, partition, batch, members))
                    batch, members = producer.create_batch(), []
                chunks.append(Chunk(topic, partition, None, [record]))
                continue
            key, value, headers = record.key, record.value, record.headers
            while batch.append(key=key, value=value, timestamp=None, headers=headers) is None:
                # Full: close it and start the next one (an empty batch takes any record).
                chunks.append(Chunk(topic, partition, batch, members))
                batch, members = producer.create_batch(), []
            members.append(record)
        if members:
            chunks.append(Chunk(topic, partition, batch, members))
    return chunks


async def send_chunk(producer: Producer, chunk: Chunk[_P]) -> asyncio.Future[object]:
    """Hand one chunk of `fill_batches` to the producer; the future of its acknowledgement."""
    if chunk.batch is None:  # one large record: `send` checks the request size limit
        (record,) = chunk.records
        return await producer.send(
            chunk.topic,
            record.value,
            key=record.key,
            headers=record.headers,
            partition=chunk.partition,
        )
    return await producer.send_batch(chunk.batch, chunk.topic, partition=chunk.partition)


async def _by_partition(
    producer: Producer, records: Iterable[_P]
) -> dict[tuple[str, int], list[_P]]:
    """`records` by (topic, partition) as `partition_of` places them, in record order within
    each (for one batch per partition); `producer` supplies each topic's partitions."""
    # Per topic: its partitions, and the partition of each key seen here (one object's
    # events often come together; murmur2 is the costly part).
    partitions: dict[str, tuple[list[int], dict[bytes, int]]] = {}
    groups: dict[tuple[str, int], list[_P]] = {}
    for record in records:
        topic = record.topic
        known = partitions.get(topic)
        if known is None:
            known = partitions[topic] = (sorted(await producer.partitions_for(topic)), {})
        key = record.key
        partition = None if key is None else known[1].get(key)
        if partition is None:
            partition = partition_of(key, known[0], record.key_hash)  # keyless: random
            if key is not None:
                known[1][key] = partition
        group = groups.get((topic, partition))
        if group is None:
            groups[topic, partition] = [record]
        else:
            group.append(record)
    return groups


def make_producer(settings: KafkaSettings, *, client_id: str, **overrides: Any) -> AIOKafkaProducer:
    """An idempotent, acks=all producer (not started)."""
    options: dict[str, Any] = {
        "bootstrap_servers": settings.bootstrap,
        "client_id": client_id,
        "acks": "all",
        "enable_idempotence": True,
        "linger_ms": 5,
        "max_batch_size": 256 * 1024,
        "request_timeout_ms": settings.request_timeout_ms,
        "compression_type": None,
    }
    options.update(overrides)
    return AIOKafkaProducer(**options)


async def start_producer(
    settings: KafkaSettings, *, client_id: str, **overrides: Any
) -> AIOKafkaProducer:
    """make_producer's producer, started; stopped again when it cannot start (an unstarted
    producer left behind keeps its client's sockets and tasks until it is collected, and a
    caller that retries would leave one per attempt)."""
    producer = make_producer(settings, client_id=client_id, **overrides)
    try:
        await producer.start()
    except BaseException:
        with contextlib.suppress(Exception):
            await producer.stop()
        raise
    return producer


def make_consumer(
    settings: KafkaSettings, *topics: str, group_id: str | None, client_id: str, **overrides: Any
) -> AIOKafkaConsumer:
    """A manual-commit consumer reading only committed data (not started)."""
    options: dict[str, Any] = {
        "bootstrap_servers": settings.bootstrap,
        "client_id": client_id,
        "group_id": group_id,
        "enable_auto_commit": False,
        "auto_offset_reset": "earliest",
        "isolation_level": "read_committed",
        "max_poll_interval_ms": 300_000,
        "request_timeout_ms": max(settings.request_timeout_ms, 40_000),
    }
    options.update(overrides)
    return AIOKafkaConsumer(*topics, **options)


def raise_topic_errors(topic_errors: Iterable[Sequence[Any]]) -> None:
    """Raise the first error of a CreateTopics answer. aiokafka's `create_topics` returns
    the broker's per-topic error codes rather than raising them, so a refused topic (or
    one another process created first) would otherwise pass for created."""
    for topic, code, *message in topic_errors:
        if code:
            detail = message[0] if message and message[0] else ""
            raise for_code(code)(f"could not create topic {topic}: {detail}".rstrip(": "))


async def ensure_topics(settings: KafkaSettings, specs: list[TopicSpec]) -> list[str]:
    """Create the topics that do not exist yet; return the names created. An existing
    topic with fewer partitions than its spec is left as it is and logged: adding
    partitions would move keys, and with them an object's order of events."""
    admin = AIOKafkaAdminClient(
        bootstrap_servers=settings.bootstrap, request_timeout_ms=settings.request_timeout_ms
    )
    await admin.start()
    try:
        existing = {t["topic"]: len(t["partitions"]) for t in await admin.describe_topics()}
        for spec in specs:
            if 0 < existing.get(spec.name, spec.partitions) < spec.partitions:
                log.warning(
                    "topic_has_fewer_partitions",
                    topic=spec.name,
                    partitions=existing[spec.name],
                    configured=spec.partitions,
                )
        missing = [s for s in specs if s.name not in existing]
        created: list[str] = []
        for spec in missing:
            topic = NewTopic(
                name=spec.name,
                num_partitions=spec.partitions,
                replication_factor=settings.replication_factor,
                topic_configs={
                    "retention.ms": str(spec.retention_ms),
                    "cleanup.policy": spec.cleanup_policy,
                    "message.timestamp.type": spec.timestamp_type,
                    "min.insync.replicas": str(min(2, settings.replication_factor)),
                },
            )
            try:
                raise_topic_errors((await admin.create_topics([topic])).topic_errors)
                created.append(spec.name)
            except TopicAlreadyExistsError:
                pass  # another process created it between our listing and our request
        if created:
            log.info("topics_created", topics=created)
        return created
    finally:
        await admin.close()


async def delete_topics_with_prefix(settings: KafkaSettings, prefix: str) -> list[str]:
    """Delete every topic whose name starts with `prefix` (a test run's or a benchmark's
    namespace, e.g. "test1a2b." or "test1a2b" for it and the namespaces derived from it)."""
    admin = AIOKafkaAdminClient(
        bootstrap_servers=settings.bootstrap, request_timeout_ms=settings.request_timeout_ms
    )
    await admin.start()
    try:
        mine = [name for name in await admin.list_topics() if name.startswith(prefix)]
        if mine:
            await admin.delete_topics(mine)
        return mine
    finally:
        await admin.close()


#: How often a topic's configuration is asked again while it is not there yet.
_CONFIG_INTERVAL_SECONDS = 0.25
#: DescribeConfigs' answer for a topic the broker does not know (yet).
_UNKNOWN_TOPIC = 3


async def max_message_bytes(
    settings: KafkaSettings, topics: Sequence[str], *, wait_seconds: float = 5.0
) -> dict[str, int]:
    """Each topic's effective max.message.bytes: the largest record batch the broker
    appends to it (the topic's own setting, else the broker's message.max.bytes).

    A topic just created can be unknown to the broker answering, or its configuration not
    there yet, for a moment: such topics are asked again for up to `wait_seconds`, then
    left out of the answer (a topic that does not exist has no limit to read). Any other
    error the broker answers is raised."""
    admin = AIOKafkaAdminClient(
        bootstrap_servers=settings.bootstrap, request_timeout_ms=settings.request_timeout_ms
    )
    await admin.start()
    try:
        wanted = list(dict.fromkeys(topics))
        found: dict[str, int] = {}
        deadline = asyncio.get_running_loop().time() + wait_seconds
        while True:
            found.update(await _described_max_message_bytes(admin, wanted))
            wanted = [t for t in wanted if t not in found]
            if not wanted or asyncio.get_running_loop().time() >= deadline:
                return found
            await asyncio.sleep(_CONFIG_INTERVAL_SECONDS)
    finally:
        await admin.close()


async def _described_max_message_bytes(
    admin: AIOKafkaAdminClient, topics: Sequence[str]
) -> dict[str, int]:
    """One DescribeConfigs round: max.message.bytes of the topics the broker knows and
    whose configuration holds it already."""
    wanted = {"max.message.bytes": None}
    resources = [ConfigResource(ConfigResourceType.TOPIC, t, dict(wanted)) for t in topics]
    found: dict[str, int] = {}
    for answer in await admin.describe_configs(resources):
        for error_code, _message, _type, name, entries in answer.resources:
            if error_code == _UNKNOWN_TOPIC:
                continue
            if error_code:
                raise for_code(error_code)(f"describing {name}")
            for entry in entries:
                if entry[0] == "max.message.bytes" and entry[1] is not None:
                    found[name] = int(entry[1])
    return found
