"""The shards stage on two instances, its pure parts: the sequencer's NOTIFY payloads, and
the figures of a run (rate to published, CPU and WAL per instance and in all, the home's
global lock from home steps and sequencer passes, G, the sequencer's lag)."""

from __future__ import annotations

from typing import Any

import pytest

from quanhub.bench.lock_timing import Locks
from quanhub.bench.shard_costs import Lane, Sample
from quanhub.bench.shard_instance_figures import Instances
from quanhub.bench.shard_sequencer import Sequencer, heard
from quanhub.ledger.store.shard_map import ShardMap


def test_a_step_notify_names_its_shard_and_visible_seq() -> None:
    assert heard("3:12884901960") == (3, 12884901960)


def _sample(
    wall: float, cpu: float, server: float | None, backends: dict[str, float], fpi: int = 0
) -> Sample:
    return Sample(wall, cpu, backends, server, "0/0", fpi, (1.0, 1.0, 1.0))


def _lane(name: str, shard: int, events: int, held: float, global_held: float) -> Lane:
    return Lane(name, shard, events, Locks(held=held, turns=1, global_held=global_held))


def _figures(sequencer: Sequencer) -> dict[str, Any]:
    shard_map = ShardMap.of("postgresql://home", ["postgresql://second"])
    keys = ["writer 0", "projector 0", "writer 1", "projector 1"]
    before = [_sample(0.0, 1.0, 10.0, dict.fromkeys(keys, 0.0))] * 2
    after = [
        _sample(2.0, 1.5, 11.0, dict.fromkeys(keys, 0.1)),
        _sample(2.0, 1.5, 10.5, dict.fromkeys(keys, 0.2), fpi=300),
    ]
    run = Instances(shard_map, 2, 10_000, before, after, [8e6, 6e6], "conditions")
    lanes = [
        _lane("writer", 0, 5_000, 0.8, 0.0),
        _lane("writer", 1, 5_000, 0.6, 0.0),
        _lane("projector", 0, 5_000, 1.0, 0.4),
        _lane("projector", 1, 5_000, 0.9, 0.3),
    ]
    out = run.figures(lanes, sequencer, visible=1.5)
    return {
        m.name.removeprefix("S=2, two instances, writer and projector together: "): m.value
        for m in out
    }


def test_a_run_on_two_instances_counts_both_servers_and_the_home_global_lock() -> None:
    sequencer = Sequencer(None, {})  # type: ignore[arg-type]
    sequencer.passing, sequencer.passes, sequencer.published = 0.25, 5, 5_000
    sequencer.locks.global_waited = 0.05
    sequencer.lags = [0.010, 0.030, 0.020]
    got = _figures(sequencer)

    assert got["events/s"] == pytest.approx(5_000)
    assert got["shard 1 events/s"] == pytest.approx(2_500)
    # Both servers' trees: 1.0 + 0.5 s, with the client's 0.5 s, over 10,000 events.
    assert got["CPU, PostgreSQL instance 1 (all processes)"] == pytest.approx(50)
    assert got["CPU, client + both servers"] == pytest.approx(200)
    assert got["WAL, instance 0"] == pytest.approx(800)
    assert got["WAL, both instances"] == pytest.approx(1_400)
    assert got["WAL full-page images, instance 1"] == pytest.approx(30)
    # Home: shard 0's steps (0.4 s) and the passes less their waits (0.2 s), over 2 s.
    assert got["global lock on home (ledger_sequence) utilisation"] == pytest.approx(0.3)
    assert got["G on two instances, events per home global-lock-second"] == pytest.approx(
        10_000 / 0.6
    )
    assert got["ledger_sequence on instance 1 utilisation (off-home steps)"] == pytest.approx(0.15)
    assert got["sequencer passes, global lock held per pass"] == pytest.approx(40)
    assert got["sequencer lag, visible → published (mean)"] == pytest.approx(20)
    assert got["sequencer lag, visible → published (max)"] == pytest.approx(30)
    assert got["shard 1 projector lock utilisation"] == pytest.approx(0.45)
    # The one-instance global lock figures would mix two instances' locks: left out.
    assert not [name for name in got if "global lock (ledger_sequence)" in name]


def test_without_passes_or_steps_heard_the_sequencer_figures_are_empty() -> None:
    got = _figures(Sequencer(None, {}))  # type: ignore[arg-type]
    assert got["sequencer passes, global lock held per pass"] is None
    assert got["sequencer lag, visible → published (mean)"] is None
