"""The shards stage's cgroup runs, their pure parts: quotas from shares, when they are
skipped, and each shard's rate held against its share."""

from __future__ import annotations

from pathlib import Path

from quanhub.bench.shard_cgroups import Share, quotas, share_figures, unavailable


def test_quotas_split_the_budget_by_share() -> None:
    assert quotas([1, 1], 1.0) == [50_000, 50_000]
    assert quotas([2, 1], 1.5) == [100_000, 50_000]
    assert quotas([1, 1, 1, 1], 1.0) == [25_000] * 4


def test_no_cpu_controller_is_a_reason_to_skip(tmp_path: Path) -> None:
    reason = unavailable(tmp_path / "nowhere")
    assert reason is not None


def _share(shard: int, share: float, events: int, wall: float) -> Share:
    return Share(shard, share, round(share * 100_000), events, wall, wall * share, 0.1, (5, 10))


def test_each_shard_is_held_against_its_share_of_the_whole_rate() -> None:
    runs = [_share(0, 2 / 3, 2000, 1.0), _share(1, 1 / 3, 1000, 1.0)]
    out = {m.name: m for m in share_figures("S=2, cgroups 2:1", runs, 1.0, "load")}
    assert out["S=2, cgroups 2:1: events/s, all shards"].value == 3000
    first = out["S=2, cgroups 2:1: shard 0 events/s, against its share"]
    second = out["S=2, cgroups 2:1: shard 1 events/s, against its share"]
    assert (first.ratio, second.ratio) == (1.0, 1.0)  # proportional
    assert "throttled in 5 of 10 periods" in first.note
    assert out["S=2, cgroups 2:1: shard 1 cores used, against its quota"].ratio == 1.0
