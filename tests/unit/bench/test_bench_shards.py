"""The shards stage's pure parts: what it reports for shard counts the ledger cannot run,
the offsets it stores per batch, and storage per event."""

from __future__ import annotations

from dataclasses import dataclass

from quanhub.bench import shards
from quanhub.bench.shard_costs import storage


@dataclass
class _Arrived:
    kafka_topic: str
    kafka_partition: int
    kafka_offset: int


async def test_a_shard_count_the_ledger_cannot_run_is_reported_not_measured() -> None:
    # No database is reached: the URL would refuse any connection.
    out = await shards.measure("postgresql://nobody@127.0.0.1:1/none", [], 5000, (4,))
    assert [(m.name, m.value) for m in out] == [("S=4: not measured", None)]
    assert "runs: 1" in out[0].note


def test_a_batch_stores_the_next_offset_of_each_partition_it_read() -> None:
    chunk = [_Arrived("t", 0, 7), _Arrived("t", 1, 3), _Arrived("t", 0, 9), _Arrived("t", 1, 2)]
    positions = shards._positions(chunk)  # type: ignore[arg-type]
    assert {(p.partition, p.next_offset) for p in positions} == {(0, 10), (1, 4)}


def test_storage_is_growth_per_appended_event_and_size_per_row() -> None:
    before = {"heap": 1_000, "whole database": 5_000}
    after = {"heap": 3_000, "whole database": 9_000}
    out = {m.name: m.value for m in storage(before, after, added=10, rows=20)}
    assert out["storage per appended event: heap"] == 200
    assert out["storage per ledger_events row: heap"] == 150
    assert out["storage per appended event: whole database"] == 400
    assert "storage per ledger_events row: whole database" not in out
