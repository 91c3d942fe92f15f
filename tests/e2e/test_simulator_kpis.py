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


async def _wait_for_ledger(
    database: DatabaseSettings, sent: list[tuple[str, str]], timeout: float
) -> int:
    """How many of these (partner, event id) pairs the ledger holds and shows (projected),
    once all or at timeout.

    The e2e services share one database with the other e2e tests, so only this run's own
    events are counted.
    """
    partners, event_ids = [p for p, _ in sent], [e for _, e in sent]
    conn = await asyncpg.connect(database.url)
    try:
        deadline = time.monotonic() + timeout
        count = 0
        while time.monotonic() < deadline:
            count = await conn.fetchval(
                """SELECT count(*) FROM ledger_events e
                   JOIN unnest($1::text[], $2::text[]) AS s(partner, event_id)
                     ON e.source_partner = s.partner AND e.source_event_id = s.event_id
                   WHERE e.seq <= (SELECT last_seq FROM ledger_sequence)""",
                partners,
                event_ids,
            )
            if count >= len(sent):
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

    sent = [(step.partner, step.event_id) for step, _ in simulation.valid_distinct()]
    assert len(sent) == summary["ledger"]["events"]
    held = await _wait_for_ledger(database_settings, sent, timeout=180)
    assert held == len(sent)

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
