"""quanhub.common.kafka.partition_of is Kafka's rule: every key lands where aiokafka's
DefaultPartitioner puts it, and fill_batches (the gateway's and the normalizer's own
batches) places every record once, on that partition, in order."""

from __future__ import annotations

from typing import NamedTuple

import pytest
from aiokafka.errors import InvalidReplicationFactorError, TopicAlreadyExistsError
from aiokafka.partitioner import DefaultPartitioner
from aiokafka.partitioner import murmur2 as reference_murmur2
from aiokafka.producer.message_accumulator import BatchBuilder
from hypothesis import given
from hypothesis import strategies as st

from quanhub.common import kafka
from quanhub.common.kafka import (
    SINGLE_SEND_BYTES,
    Chunk,
    fill_batches,
    murmur2,
    partition_of,
    raise_topic_errors,
)


@given(st.binary(max_size=300))
def test_murmur2_equals_aiokafkas(key: bytes) -> None:
    assert murmur2(key) == reference_murmur2(key)


def test_every_length_remainder_and_high_bytes() -> None:
    for length in range(64):
        key = bytes((0xFF - i * 7) % 256 for i in range(length))
        assert murmur2(key) == reference_murmur2(key), length


def test_murmur2_stays_exact_while_its_word_cache_empties(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(kafka, "_MIXED_MAX", 5)
    monkeypatch.setattr(kafka, "_MIXED", {})
    keys = [f"P|SF|SF{i:010d}".encode() for i in range(0, 3000, 7)]
    for key in keys + keys:  # the second pass meets words both cached and evicted
        assert murmur2(key) == reference_murmur2(key)
        assert len(kafka._MIXED) <= 5


@given(st.binary(min_size=1, max_size=120), st.integers(min_value=1, max_value=64))
def test_partition_rule_matches_the_default_partitioner(key: bytes, count: int) -> None:
    partitions = list(range(count))
    expected = DefaultPartitioner()(key, partitions, partitions)
    assert partition_of(key, partitions) == expected


def test_a_record_without_key_goes_to_one_of_the_partitions() -> None:
    assert {partition_of(None, [3, 5]) for _ in range(200)} == {3, 5}


class _Out(NamedTuple):
    topic: str
    key: bytes | None
    value: bytes
    headers: list[tuple[str, bytes]]
    key_hash: int | None = None


class _Producer:
    """What fill_batches uses of AIOKafkaProducer, with aiokafka's own batch builder (small,
    so that batches fill up)."""

    async def partitions_for(self, topic: str) -> set[int]:
        return {0, 1, 2}

    def create_batch(self) -> BatchBuilder:
        return BatchBuilder(2048, 0)


async def test_fill_batches_places_every_record_once_in_order_per_partition() -> None:
    keys = [f"P|SF|{i % 17}".encode() for i in range(300)]
    # Some records come with their key's murmur2 (the gateway's native path computes it).
    records = [
        _Out(f"t{i % 2}", key, f"{i:04d}".encode() * 20, [], murmur2(key) if i % 3 else None)
        for i, key in enumerate(keys)
    ]
    big = _Out("t0", b"P|SF|big", b"x" * SINGLE_SEND_BYTES, [("h", b"v")])
    records.insert(150, big)

    chunks = await fill_batches(_Producer(), records)

    placed = [r for chunk in chunks for r in chunk.records]
    assert sorted(placed, key=records.index) == records  # each record exactly once
    assert [c for c in chunks if c.batch is None] == [
        Chunk("t0", partition_of(big.key, [0, 1, 2]), None, [big])
    ]
    for chunk in chunks:
        assert all(partition_of(r.key, [0, 1, 2]) == chunk.partition for r in chunk.records)
        if chunk.batch is not None:
            assert chunk.batch.record_count() == len(chunk.records)
    assert len(chunks) > 7  # 2 topics x 3 partitions + the large record: full batches split
    by_partition: dict[tuple[str, int], list[_Out]] = {}
    for chunk in chunks:
        by_partition.setdefault((chunk.topic, chunk.partition), []).extend(chunk.records)
    for (topic, partition), members in by_partition.items():
        expected = [
            r for r in records if r.topic == topic and partition_of(r.key, [0, 1, 2]) == partition
        ]
        assert members == expected


async def test_a_given_key_hash_places_the_record_without_hashing_again() -> None:
    # A hash that is not the key's murmur2 shows fill_batches used the one given.
    record = _Out("t0", b"P|SF|1", b"v", [], key_hash=2)
    (chunk,) = await fill_batches(_Producer(), [record])
    assert chunk.partition == 2 != partition_of(record.key, [0, 1, 2])


def test_create_topics_answers_raise_their_errors() -> None:
    raise_topic_errors([("quanhub.canonical", 0, None)])  # created: nothing to raise
    with pytest.raises(TopicAlreadyExistsError):
        raise_topic_errors([("quanhub.canonical", 36, "Topic already exists.")])
    with pytest.raises(InvalidReplicationFactorError, match=r"quanhub\.dlq"):
        raise_topic_errors([("quanhub.canonical", 0), ("quanhub.dlq", 38)])
