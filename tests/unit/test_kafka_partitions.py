"""quanhub.common.kafka.partition_of is Kafka's rule: every key lands where aiokafka's
DefaultPartitioner puts it (the gateway and the normalizer build their own batches)."""

from __future__ import annotations

from aiokafka.partitioner import DefaultPartitioner
from aiokafka.partitioner import murmur2 as reference_murmur2
from hypothesis import given
from hypothesis import strategies as st

from quanhub.common.kafka import murmur2, partition_of


@given(st.binary(max_size=300))
def test_murmur2_equals_aiokafkas(key: bytes) -> None:
    assert murmur2(key) == reference_murmur2(key)


def test_every_length_remainder_and_high_bytes() -> None:
    for length in range(64):
        key = bytes((0xFF - i * 7) % 256 for i in range(length))
        assert murmur2(key) == reference_murmur2(key), length


@given(st.binary(min_size=1, max_size=120), st.integers(min_value=1, max_value=64))
def test_partition_rule_matches_the_default_partitioner(key: bytes, count: int) -> None:
    partitions = list(range(count))
    expected = DefaultPartitioner()(key, partitions, partitions)
    assert partition_of(key, partitions) == expected


def test_a_record_without_key_goes_to_one_of_the_partitions() -> None:
    assert {partition_of(None, [3, 5]) for _ in range(200)} == {3, 5}
