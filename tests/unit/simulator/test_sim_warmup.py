"""The warm-up: orders placed before --start at the run's daily rate, so the city's network is
already full when the run begins, and every one of their events is sent and in the truth."""

from __future__ import annotations

from collections import Counter
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import orjson
import pytest
from typer.testing import CliRunner

from quanhub.cli.main import app
from quanhub.simulator.conditions import Incident
from quanhub.simulator.config import AnomalyRates, Mix, SimulationConfig
from quanhub.simulator.generator import Simulation, generate
from quanhub.simulator.model import Kind, Scan, Story
from quanhub.simulator.summary import GroundTruth, ground_truth

_START = datetime(2026, 11, 1, tzinfo=UTC)
#: ZTO at Jinan's sorting centre, on the run's first morning: warm-up parcels pass there then.
_STOP = Incident("ZTO", "370112", _START + timedelta(hours=2), _START + timedelta(hours=8))
_CONFIG = SimulationConfig(
    orders=1400,
    seed=31,
    days=7,
    warmup_days=3,
    anomalies=AnomalyRates(duplicate=0.02, out_of_order=0.03, unknown_code=0.01, malformed=0),
    mix=Mix(lost=0.02, stalled=0.04, uncollected=0.2),
    incidents=(_STOP,),
)


@pytest.fixture(scope="module")
def warm_run() -> Simulation:
    return generate(_CONFIG)


@pytest.fixture(scope="module")
def warm_truth(warm_run: Simulation) -> GroundTruth:
    return ground_truth(warm_run)


def _created(story: Story) -> datetime | None:
    """The platform's first event: placed, or paid (at most 2 h later) where it does not
    report placed orders; None when it reports nothing of the story."""
    return min((step.at for step in story.steps if step.kind is Kind.ORDER), default=None)


def test_warmup_orders_come_before_start_at_the_same_daily_rate(warm_run: Simulation) -> None:
    assert (_CONFIG.run_order_count, _CONFIG.warmup_order_count) == (1400, 600)
    assert _CONFIG.order_count == len(warm_run.stories) == 2000
    created = [_created(story) for story in warm_run.stories]
    assert all(_START <= at < _START + timedelta(days=8) for at in created[:1400] if at)
    warmup = [at for at in created[1400:] if at]
    assert all(_START - timedelta(days=3) <= at <= _START + timedelta(hours=2) for at in warmup)
    per_day = Counter((at - _START).days for at in warmup if at < _START)
    assert sorted(per_day) == [-3, -2, -1]
    assert all(150 <= n <= 250 for n in per_day.values())


def test_the_runs_own_orders_are_those_of_the_run_without_warmup(warm_run: Simulation) -> None:
    cold = generate(replace(_CONFIG, warmup_days=0))
    assert cold.config.order_count == 1400
    assert warm_run.stories[:1400] == cold.stories


def test_the_network_is_full_on_the_first_day(warm_run: Simulation) -> None:
    cold = generate(replace(_CONFIG, warmup_days=0, incidents=()))
    warm = generate(replace(_CONFIG, incidents=()))

    def scans_on(simulation: Simulation, day: int) -> int:
        begin = _START + timedelta(days=day)
        return sum(
            1
            for s in simulation.sends
            if isinstance(s.body, Scan)
            and s.body.district_code == "370112"
            and begin <= s.at < begin + timedelta(days=1)
        )

    steady = scans_on(warm, 4)
    assert scans_on(warm, 0) > 0.8 * steady
    assert scans_on(cold, 0) < 0.2 * steady


def test_every_event_of_the_warmup_is_sent(warm_run: Simulation) -> None:
    before = [s for s in warm_run.sends if s.at < _START]
    assert before
    keys = {s.object_key for story in warm_run.stories[1400:] for s in story.steps}
    sent = {s.object_key for s in warm_run.sends}
    assert keys <= sent
    steps = {step.event_id for story in warm_run.stories for step in story.steps}
    assert steps <= {s.event_id for s in warm_run.sends}


def test_same_config_same_warmup(warm_run: Simulation) -> None:
    again = generate(_CONFIG)
    assert again.sends == warm_run.sends


def test_the_summary_covers_the_warmup(warm_truth: GroundTruth) -> None:
    summary = warm_truth.summary
    config = summary["config"]
    assert (config["orders"], config["warmup_days"]) == (1400, 3)
    assert (config["order_count"], config["warmup_order_count"]) == (2000, 600)
    early = [
        r
        for r in warm_truth.parcels
        if r["pickup_at"] and datetime.fromisoformat(r["pickup_at"]) < _START
    ]
    assert early
    assert summary["post_bureau"]["overall"]["parcels"] == sum(
        1 for r in warm_truth.parcels if r["pickup_at"] and r["delivered_at"]
    )
    assert any(datetime.fromisoformat(row["since"]) < _START for row in summary["stalled"])
    held = {r["key"] for r in warm_truth.parcels if 0 in r["incidents"]}
    assert summary["incidents"][0]["parcels_held"] == len(held) > 0
    assert any(r["key"] in held for r in early)
    kpi_from = summary["kpis"]["period"]["from_date"]
    assert kpi_from < _START.date().isoformat()


def test_warmup_must_not_be_negative() -> None:
    with pytest.raises(ValueError, match="warmup_days"):
        SimulationConfig(orders=10, warmup_days=-1)


def test_the_cli_passes_the_warmup_to_the_summary(tmp_path: Path) -> None:
    summary = tmp_path / "s.json"
    result = CliRunner().invoke(
        app,
        [
            "simulate",
            "--orders", "140",
            "--seed", "4",
            "--warmup-days", "2",
            "--summary", str(summary),
            "--dry-run", str(tmp_path / "d.jsonl"),
            "--quiet",
        ],
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    config = orjson.loads(summary.read_bytes())["config"]
    assert (config["orders"], config["order_count"], config["warmup_days"]) == (140, 180, 2)
