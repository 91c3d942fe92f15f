"""`quanhub simulate` as an operator runs it: keys from the environment, traffic through the
gateway, a summary file, and --check waiting until GET /v1/kpis equals the ground truth."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import orjson
import pytest

from quanhub.stack.servicegroup import RunningServices

pytestmark = pytest.mark.e2e

_DEMO_CARRIERS = "SF,ZTO,YTO,STO,YUNDA,EMS"
_QUANHUB = str(Path(sys.executable).with_name("quanhub"))


@pytest.mark.parametrize(
    ("start", "seed", "warmup"),
    [
        # Periods of their own (September; July), apart from any other traffic of the
        # session, and seeds of their own: event ids follow the seed and order number.
        ("2026-09-01T00:00:00+08:00", "9", None),
        # A warm-up's events come before --start; the truth's period starts with them.
        ("2026-07-10T00:00:00+08:00", "10", "2"),
    ],
    ids=["cold", "warmup"],
)
def test_simulate_sends_and_the_hub_agrees(
    services: RunningServices, tmp_path: Path, start: str, seed: str, warmup: str | None
) -> None:
    summary = tmp_path / "s.json"
    env = {
        **services.env,
        "QUANHUB_SIMULATOR_KEYS": json.dumps(services.demo_keys),
        "QUANHUB_SIMULATOR_LEDGER_URL": services.ledger_url,
        "COLUMNS": "200",
    }
    command = [
        _QUANHUB,
        "simulate",
        "--orders",
        "300",
        "--seed",
        seed,
        "--start",
        start,
        "--days",
        "2",
        *(["--warmup-days", warmup] if warmup else []),
        "--cross-border-share",
        "0.3",
        "--carriers",
        _DEMO_CARRIERS,
        "--gateway",
        services.gateway_url,
        "--summary",
        str(summary),
        "--check",
        services.ledger_url,
        "--check-patience",
        "180",
        "--quiet",
        "--wait-ready",
        "30",
        "--show-dashboard",
    ]
    done = subprocess.run(
        command, env=env, capture_output=True, text=True, timeout=600, check=False
    )
    output = done.stdout + done.stderr
    assert done.returncode == 0, output
    assert "GET /v1/kpis equals the ground truth" in output
    analyst = services.demo_keys["JNCOMMERCE"]
    assert f"dashboard: {services.ledger_url}/dashboard#key={analyst}" in output
    truth = orjson.loads(summary.read_bytes())
    assert truth["config"]["seed"] == int(seed)
    if warmup:
        assert truth["config"]["warmup_order_count"] == 300
        assert truth["kpis"]["period"]["from_date"] < start[:10]
    accepted = truth["gateway"]["accepted"]
    assert f"{accepted} (expected {accepted})" in output


def test_simulate_refuses_a_run_it_has_no_keys_for(services: RunningServices) -> None:
    env = {**services.env, "QUANHUB_SIMULATOR_KEYS": "SF=only-this-one"}
    done = subprocess.run(
        [_QUANHUB, "simulate", "--orders", "5", "--gateway", services.gateway_url, "--quiet"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 2
    assert "no API key for" in done.stderr
