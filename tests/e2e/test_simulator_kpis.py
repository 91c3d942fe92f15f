"""Simulated multi-partner traffic through every service: GET /v1/kpis equals the ground truth.

The simulator sends a run through the gateway with each partner's own key (the demo partners:
every platform, all ten carriers, the customs agent), waits until the ledger holds
every distinct valid event, and compares the hub's indicators with the run's summary, for
the whole city and for one district.
"""

from __future__ import annotations

import asyncio
import time

import asyncpg
import httpx
import pytest

from quanhub.common.settings import DatabaseSettings
from quanhub.simulator.batches import batches
from quanhub.simulator.config import SimulationConfig
from quanhub.simulator.generator import generate
from quanhub.simulator.sender import Sender, SendOptions
from quanhub.simulator.summary import summarize
from quanhub.simulator.verify import compare_kpis
from quanhub.stack.servicegroup import RunningServices

pytestmark = pytest.mark.e2e


async def _wait_for_ledger(database: DatabaseSettings, events: int, timeout: float) -> int:
    conn = await asyncpg.connect(database.url)
    try:
        deadline = time.monotonic() + timeout
        count = 0
        while time.monotonic() < deadline:
            count = await conn.fetchval("SELECT count(*) FROM ledger_events")
            if count >= events:
                return int(count)
            await asyncio.sleep(0.5)
        return int(count)
    finally:
        await conn.close()


async def test_hub_indicators_equal_the_simulated_ground_truth(
    services: RunningServices, database_settings: DatabaseSettings
) -> None:
    keys = dict(services.demo_keys)
    config = SimulationConfig(
        orders=1200,
        seed=5,
        cross_border_share=0.3,
    )
    simulation = generate(config)
    summary = summarize(simulation)
    options = SendOptions(gateway_url=services.gateway_url, concurrency=4)
    async with httpx.AsyncClient(timeout=30) as client:
        tally = await Sender(client, keys, options).run(batches(simulation.encoded(), 500))
    assert tally.failed_batches == 0, tally.as_dict()
    assert tally.accepted == summary["gateway"]["accepted"], tally.as_dict()
    assert sum(tally.rejected.values()) == summary["gateway"]["rejected"], tally.as_dict()

    held = await _wait_for_ledger(database_settings, summary["ledger"]["events"], timeout=180)
    assert held == summary["ledger"]["events"]

    period = summary["kpis"]["period"]
    headers = {"Authorization": f"Bearer {keys['JNCOMMERCE']}"}
    async with httpx.AsyncClient(base_url=services.ledger_url, headers=headers, timeout=30) as c:
        city = await c.get(
            "/v1/kpis", params={"from": period["from_date"], "to": period["to_date"]}
        )
        assert city.status_code == 200, city.text
        assert compare_kpis(city.json(), summary["kpis"]) == []
        lixia = await c.get(
            "/v1/kpis",
            params={"from": period["from_date"], "to": period["to_date"], "district": "370102"},
        )
        assert lixia.status_code == 200, lixia.text
        assert compare_kpis(lixia.json(), summary["kpis_by_district"]["370102"]) == []
