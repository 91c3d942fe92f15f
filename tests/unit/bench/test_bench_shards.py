"""The shards stage's pure parts: what it reports for shard counts a ledger cannot have,
how it places rows on partitions, shards and runs, the offsets it stores per batch, its
figures per shard, and storage per event (its lock timing and cgroups: their own tests)."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from quanhub.bench import shard_lanes, shards
from quanhub.bench.lock_timing import Locks
from quanhub.bench.shard_costs import Lane, Run, Sample, figures, storage
from quanhub.bench.shard_locks import lock_figures, paced_against_one


@dataclass
class _Arrived:
    kafka_topic: str
    kafka_partition: int
    kafka_offset: int


async def test_a_shard_count_a_ledger_cannot_have_is_reported_not_measured() -> None:
    # No database is reached: the URL would refuse any connection.
    out = await shards.measure("postgresql://nobody@127.0.0.1:1/none", lambda _: [], 5000, (0,))
    assert [(m.name, m.value) for m in out] == [("S=0: not measured", None)]
    assert "1 to" in out[0].note


def test_rows_go_to_the_shard_of_their_partition_in_their_order() -> None:
    rows = [_Arrived("t", p, o) for o, p in enumerate([0, 1, 2, 3, 4, 5, 6, 7, 4])]
    parts = shards.split(rows, 4)  # type: ignore[arg-type]
    assert [[r.kafka_partition for r in part] for part in parts] == [
        [0, 4, 4],
        [1, 5],
        [2, 6],
        [3, 7],
    ]
    assert [r.kafka_offset for r in parts[0]] == [0, 4, 8]
    assert shards.split(rows, 1) == [rows]  # type: ignore[arg-type]


def test_one_key_lands_on_one_partition_with_offsets_counted_per_partition(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    records = [(b"parcel-1", b"a"), (b"parcel-2", b"b"), (b"parcel-1", b"c"), (b"order-9", b"d")]
    monkeypatch.setattr(shards, "canonical_records", lambda _sends: records)
    monkeypatch.setattr(
        shards,
        "decode",
        lambda value, *, topic, partition, offset, recorded_at: _Arrived(topic, partition, offset),
    )
    rows = shards.rows_by_key([], partitions=48)
    assert rows[0].kafka_partition == rows[2].kafka_partition
    assert all(0 <= r.kafka_partition < 48 for r in rows)
    by_partition: dict[int, list[int]] = {}
    for r in rows:
        by_partition.setdefault(r.kafka_partition, []).append(r.kafka_offset)
    assert all(offsets == list(range(len(offsets))) for offsets in by_partition.values())


def test_a_batch_stores_the_next_offset_of_each_partition_it_read() -> None:
    chunk = [_Arrived("t", 0, 7), _Arrived("t", 1, 3), _Arrived("t", 0, 9), _Arrived("t", 1, 2)]
    positions = shard_lanes.positions(chunk)  # type: ignore[arg-type]
    assert {(p.partition, p.next_offset) for p in positions} == {(0, 10), (1, 4)}


def _sample(wall: float, client: float, backends: dict[str, float], server: float) -> Sample:
    return Sample(wall, client, backends, server, "0/0", 0, (1.0, 1.0, 1.0))


def _two_shards() -> Run:
    lanes = (
        Lane("writer", 0, events=600, locks=Locks(held=1.0, turns=2)),
        Lane("writer", 1, events=400, locks=Locks(held=0.5, turns=2)),
        Lane(
            "projector",
            0,
            events=600,
            locks=Locks(held=1.5, turns=3, global_held=0.5, global_waited=0.5, global_turns=3),
        ),
        Lane(
            "projector",
            1,
            events=400,
            locks=Locks(held=1.0, turns=3, global_held=0.25, global_waited=0.25, global_turns=2),
        ),
    )
    keys = [lane.key for lane in lanes]
    before = _sample(10.0, 1.0, dict.fromkeys(keys, 0.0), 5.0)
    after = _sample(12.0, 1.01, {"writer 0": 0.01, "writer 1": 0.01}, 5.05)
    after.backend_cpu |= {"projector 0": 0.02, "projector 1": 0.01}
    return Run("together", 1000, before, after, lanes)


def test_figures_give_each_shard_its_rate_and_the_cpu_of_all() -> None:
    out = {m.name: m.value for m in figures(_two_shards(), 2, wal=2_000_000.0, conditions="")}
    assert out["S=2, together: events/s"] == 500
    # The rate per shard counts the events that ended the run: those made visible.
    assert out["S=2, together: shard 0 events/s"] == 300
    assert out["S=2, together: shard 1 events/s"] == 200
    assert out["S=2, together: CPU, writer backends"] == pytest.approx(20)
    assert out["S=2, together: CPU, projector backends"] == pytest.approx(30)
    assert out["S=2, together: CPU, client + server"] == pytest.approx(60)
    # 20 us per event of writer CPU, 10,000 events/s over two shards: 0.1 s a second each.
    lock = "CPU under each shard's lock, per 10,000 events/s"
    assert out[f"S=2, together: writer {lock}"] == pytest.approx(0.1)
    assert out[f"S=2, together: projector {lock}"] == pytest.approx(0.15)
    assert out["S=2, together: WAL"] == 2000


def test_lock_figures_give_each_shard_its_locks_and_the_global_lock_its_ceiling() -> None:
    run = _two_shards()
    out = {m.name: m.value for m in lock_figures("S=2, together", run.lanes, 2.0, 2)}
    assert out["S=2, together: shard 1 writer lock utilisation"] == 0.25
    assert out["S=2, together: shard 0 writer lane, events per lock-second"] == 600
    assert out["S=2, together: writer lock utilisation per shard (mean)"] == 0.375
    assert out["S=2, together: projector lock utilisation per shard (mean)"] == 0.625
    # Less the global-lock waits: (1.5 - 0.5 + 1.0 - 0.25) / 2 shards / 2 s.
    name = "S=2, together: projector lock utilisation less its global-lock waits per shard (mean)"
    assert out[name] == 0.4375
    # The global lock: 0.75 s held over 2 s by both shards' five steps.
    assert out["S=2, together: global lock (ledger_sequence) utilisation"] == 0.375
    assert out["S=2, together: global lock, waiting for it per wall second (all shards)"] == 0.375
    assert out["S=2, together: global lock, held per step"] == pytest.approx(150)
    # 1,000 events made visible over 0.75 s of the global lock.
    assert out["S=2, together: G, events per global-lock-second"] == pytest.approx(1333.33, 0.001)


def test_one_shard_has_no_per_shard_means_and_a_lone_lane_its_cpu_ceiling() -> None:
    run = _two_shards()
    alone = Run("writer alone", 600, run.before, run.after, run.lanes[:1])
    out = {m.name: m.value for m in figures(alone, 1, wal=0.0, conditions="")}
    out |= {m.name: m.value for m in lock_figures("S=1, writer alone", alone.lanes, 2.0, 1)}
    assert "S=1, writer alone: shard 0 events/s" not in out
    assert not any("per shard (mean)" in name for name in out)
    assert "S=1, writer alone: global lock (ledger_sequence) utilisation" not in out
    # 600 events over 0.01 s of client and 0.01 s of its backend.
    assert out["S=1, writer alone: writer lanes, events per CPU-second"] == pytest.approx(30_000)


def test_paced_runs_are_held_against_one_shards_lanes_at_the_same_rate() -> None:
    label, reference = "paced at 9,000 events/s", "one shard's lanes paced at 9,000 events/s"
    measured = [
        *lock_figures(f"S=4, {reference}", _two_shards().lanes[:1], 2.0, 1),
        *lock_figures(f"S=4, {label}", _two_shards().lanes[:2], 4.0, 4),
        *lock_figures("S=4, writer alone", _two_shards().lanes[:2], 1.0, 4),
        *lock_figures(f"S=2, {label}", _two_shards().lanes[:2], 4.0, 2),
    ]
    out = {m.name: m for m in paced_against_one(measured, label, reference)}
    against = out[f"S=4, {label}: writer lock utilisation per shard, against one shard"]
    # One shard held its writer lock 0.5 of the time; each of four, (1.0 + 0.5) / 2 / 4 s.
    assert (against.value, against.baseline, against.ratio) == (0.1875, 0.5, 0.375)
    assert "1/S = 0.250" in against.note
    # No projector in the reference to hold the others against, no other run, and no
    # reference at S=2.
    assert len(out) == 1


def test_each_run_gets_its_slice_of_the_rows_in_order() -> None:
    rows = list(range(100))
    parts = shards.slices(rows)  # type: ignore[arg-type]
    assert list(parts) == list(shards.FRACTIONS)
    assert [x for part in parts.values() for x in part] == rows
    assert len(parts["together"]) == 18


def test_storage_is_growth_per_appended_event_and_size_per_row() -> None:
    before = {"heap": 1_000, "whole database": 5_000}
    after = {"heap": 3_000, "whole database": 9_000}
    out = {m.name: m.value for m in storage(before, after, added=10, rows=20)}
    assert out["storage per appended event: heap"] == 200
    assert out["storage per ledger_events row: heap"] == 150
    assert out["storage per appended event: whole database"] == 400
    assert "storage per ledger_events row: whole database" not in out
