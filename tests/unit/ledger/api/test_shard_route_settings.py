"""The query API finds an object's shard with the variables the consumer and the
producers read, not variables of its own that could disagree with them."""

from __future__ import annotations

import pytest

from quanhub.ledger.settings import LedgerApiSettings, LedgerConsumerSettings


def test_the_api_reads_the_consumers_shards_and_the_topics_partitions(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("QUANHUB_LEDGER_CONSUMER_SHARDS", "4")
    monkeypatch.setenv("QUANHUB_KAFKA_CANONICAL_PARTITIONS", "8")
    monkeypatch.setenv("QUANHUB_LEDGER_SHARD_INSTANCES", '["postgresql://second/q"]')
    api, consumer = LedgerApiSettings(), LedgerConsumerSettings()
    assert api.shard_route.shards == consumer.shards == 4
    assert api.shard_route.canonical_partitions == consumer.kafka.canonical_partitions == 8
    assert api.shard_map.shard_instances == consumer.shard_map.shard_instances
