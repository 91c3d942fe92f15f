"""Small simulated runs shared by the simulator's unit tests (generated once per session)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from quanhub.simulator.config import AnomalyRates, SimulationConfig
from quanhub.simulator.generator import Simulation, generate

#: Well after every event of the runs below, so no valid event is "in the future".
JUDGED_AT = datetime(2027, 1, 1, tzinfo=UTC)


@pytest.fixture(scope="session")
def judged_at() -> datetime:
    """The hub's clock when it validates the runs' events."""
    return JUDGED_AT


@pytest.fixture(scope="session")
def busy_config() -> SimulationConfig:
    """Many cross-border orders and every anomaly, so each branch shows up."""
    return SimulationConfig(
        orders=600,
        seed=11,
        cross_border_share=0.4,
        anomalies=AnomalyRates(
            duplicate=0.05, out_of_order=0.05, unknown_code=0.03, malformed=0.03
        ),
    )


@pytest.fixture(scope="session")
def busy_run(busy_config: SimulationConfig) -> Simulation:
    """The generated busy run."""
    return generate(busy_config)
