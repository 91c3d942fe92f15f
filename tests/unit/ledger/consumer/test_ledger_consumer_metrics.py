"""The consumer's seq and lag gauges per shard: each shard's writer and projector report
in their own numbering, and the lag of all shards is their sum."""

from __future__ import annotations

from quanhub.ledger.consumer.metrics import ConsumerMetrics
from quanhub.ledger.store.shards import base


def _value(metrics: ConsumerMetrics, name: str, shard: int | None = None) -> float | None:
    labels = {} if shard is None else {"shard": str(shard)}
    return metrics.registry.get_sample_value(name, labels)


def test_seq_and_lag_gauges_are_labelled_by_shard() -> None:
    metrics = ConsumerMetrics()
    metrics.appended_to(0, 120)
    metrics.appended_to(3, base(3) + 40)
    metrics.projected_to(0, 100, 20)
    metrics.projected_to(3, base(3) + 40, 0)
    metrics.appended_to(0, 130)  # a later batch of shard 0 leaves shard 3's gauge alone

    assert _value(metrics, "quanhub_ledger_last_seq", 0) == 130
    assert _value(metrics, "quanhub_ledger_last_seq", 3) == base(3) + 40
    assert _value(metrics, "quanhub_ledger_visible_seq", 0) == 100
    assert _value(metrics, "quanhub_ledger_visible_seq", 3) == base(3) + 40
    assert _value(metrics, "quanhub_ledger_shard_projection_lag_events", 0) == 20
    assert _value(metrics, "quanhub_ledger_shard_projection_lag_events", 3) == 0
    assert _value(metrics, "quanhub_ledger_projection_lag_events") == 20


def test_projection_lag_sums_the_latest_step_of_each_shard() -> None:
    metrics = ConsumerMetrics()
    metrics.projected_to(0, 10, 5)
    metrics.projected_to(1, base(1) + 10, 7)
    metrics.projected_to(0, 15, 0)

    assert _value(metrics, "quanhub_ledger_projection_lag_events") == 7
