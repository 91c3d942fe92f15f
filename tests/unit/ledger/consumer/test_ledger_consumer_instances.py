"""The consumer places each shard's lanes on its instance of the shard map; only shards
off the home instance need the sequencer, and only several instances exchange links."""

from __future__ import annotations

from typing import Any, cast

from quanhub.common.clock import SystemClock
from quanhub.common.settings import DatabaseSettings, KafkaSettings
from quanhub.ledger.consumer.metrics import ConsumerMetrics
from quanhub.ledger.consumer.service import LedgerConsumer
from quanhub.ledger.settings import LedgerConsumerSettings, ShardMapSettings

HOME = "postgresql://q@home/quanhub"
OTHER = "postgresql://q@other/quanhub"


def _consumer(shards: int, *others: str) -> LedgerConsumer:
    config = LedgerConsumerSettings(
        kafka=KafkaSettings(topic_namespace="t"),
        database=DatabaseSettings(url=HOME),
        shards=shards,
        shard_map=ShardMapSettings(shard_instances=list(others)),
    )
    return LedgerConsumer(config, cast(Any, None), clock=SystemClock(), metrics=ConsumerMetrics())


def test_one_instance_every_step_publishes_and_no_sequencer() -> None:
    consumer = _consumer(4)
    assert [p.publish for p in consumer.projectors] == [True] * 4
    assert consumer.sequencer is None


def test_two_instances_odd_shards_leave_publishing_to_the_sequencer() -> None:
    consumer = _consumer(4, OTHER)
    assert [p.publish for p in consumer.projectors] == [True, False, True, False]
    assert consumer.sequencer is not None


def test_one_shard_with_a_second_instance_needs_no_sequencer() -> None:
    consumer = _consumer(1, OTHER)
    assert [p.publish for p in consumer.projectors] == [True]
    assert consumer.sequencer is None


def test_only_several_instances_exchange_links() -> None:
    one = _consumer(4)
    assert one.links is None
    assert all(p.router is None for p in one.projectors)  # today's step SQL
    assert _consumer(4, OTHER).links is not None
