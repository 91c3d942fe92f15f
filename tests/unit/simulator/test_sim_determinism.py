"""Same configuration, same bytes; another seed, other traffic."""

from __future__ import annotations

from dataclasses import replace

from quanhub.simulator.batches import batches
from quanhub.simulator.config import SimulationConfig
from quanhub.simulator.generator import Simulation, generate
from quanhub.simulator.output import send_line


def _bytes(simulation: Simulation) -> bytes:
    return b"".join(send_line(step, event) for step, event in simulation.encoded())


def test_same_seed_gives_identical_bytes(busy_config: SimulationConfig) -> None:
    first, second = generate(busy_config), generate(busy_config)
    assert _bytes(first) == _bytes(second)
    bodies = [b.body for b in batches(first.encoded(), 100)]
    assert bodies == [b.body for b in batches(second.encoded(), 100)]


def test_another_seed_gives_other_traffic(busy_config: SimulationConfig) -> None:
    one = generate(busy_config)
    other = generate(replace(busy_config, seed=busy_config.seed + 1))
    ids = {s.event_id for s in one.sends}
    assert not ids & {s.event_id for s in other.sends}
    assert _bytes(one) != _bytes(other)


def test_a_shorter_run_is_a_prefix_of_a_longer_one(busy_config: SimulationConfig) -> None:
    short = generate(replace(busy_config, orders=50))
    long = generate(replace(busy_config, orders=120))
    assert short.stories == long.stories[:50]


def test_until_cuts_stories_and_nothing_after_it_is_sent(busy_config: SimulationConfig) -> None:
    full = generate(replace(busy_config, orders=100))
    cut_at = busy_config.start + (max(s.at for s in full.sends) - busy_config.start) / 3
    cut = generate(replace(busy_config, orders=100, until=cut_at))
    assert cut.sends
    assert all(s.at <= cut_at for s in cut.sends if s.anomaly.value != "duplicate")
    assert len(cut.sends) < len(full.sends)
