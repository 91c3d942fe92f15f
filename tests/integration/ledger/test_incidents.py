"""Incident detection on a real PostgreSQL: scans appended and projected, the flow rollup
kept by the projector's step, GET /v1/incidents for each role and as_of, and migration
0032 filling a ledger that already had events."""

from __future__ import annotations

from collections import Counter
from datetime import datetime, timedelta
from typing import Any

import asyncpg
import pytest
from incident_traffic import DAY8, NOW, PER_WINDOW, START, STOP, scans
from ledger_support import Api, append_and_project

from quanhub.bench.rows import canonical_records
from quanhub.bench.workload import DEMO_CARRIERS, Send
from quanhub.canonical.v1 import canonical_pb2 as cpb
from quanhub.common.access.demo import DEMO_PARTNERS
from quanhub.common.db import load_migrations
from quanhub.ledger.incidents.detect import window_of, window_start
from quanhub.ledger.store.rebuild import verify
from quanhub.simulator.conditions import Incident
from quanhub.simulator.config import SimulationConfig
from quanhub.simulator.generator import generate
from quanhub.simulator.model import Scan

PARTNER_CODES = frozenset(p.code for p in DEMO_PARTNERS)


def _query(as_of: datetime, extra: str = "", day: datetime = DAY8) -> str:
    return (
        f"/v1/incidents?from={day.isoformat()}&to={(day + timedelta(days=1)).isoformat()}"
        f"&as_of={as_of.isoformat()}{extra}".replace("+", "%2B")
    )


async def _sf_stop(api: Api, day: datetime, stop: tuple[datetime, datetime]) -> dict[str, Any]:
    """The one incident of `day` asked 6 hours in: SF's at 370112, exactly `stop`, raised
    within 30 minutes."""
    answer = await api.get(_query(day + timedelta(hours=6), day=day), "ADMIN")
    assert answer.status_code == 200, answer.text
    (incident,) = answer.json()["incidents"]
    assert (incident["carrier"], incident["district"]) == ("SF", "370112")
    assert datetime.fromisoformat(incident["start"]) == stop[0]
    assert datetime.fromisoformat(incident["end"]) == stop[1]
    assert datetime.fromisoformat(incident["detected_at"]) - stop[0] <= timedelta(minutes=30)
    return dict(incident)


async def test_a_stop_is_raised_for_its_carrier_and_the_city(
    ledger_pool: asyncpg.Pool, ledger_api: Api
) -> None:
    # Two batches, the later days first: the rollup follows event time, not arrival.
    await append_and_project(ledger_pool, scans(range(4, 8)), now=NOW, topic="a")
    await append_and_project(ledger_pool, scans(range(4)), now=NOW, topic="b")

    answer = await ledger_api.get(_query(DAY8 + timedelta(hours=6)), "ADMIN")
    assert answer.status_code == 200, answer.text
    report = answer.json()
    assert report["window_minutes"] == 10
    (incident,) = report["incidents"]
    assert (incident["carrier"], incident["district"]) == ("SF", "370112")
    assert datetime.fromisoformat(incident["start"]) == STOP[0]
    assert datetime.fromisoformat(incident["end"]) == STOP[1]
    assert datetime.fromisoformat(incident["detected_at"]) == STOP[0] + timedelta(minutes=20)
    assert incident["open"] is False
    assert (incident["observed_scans"], incident["missing_scans"]) == (0, 12 * PER_WINDOW)
    # The backlog grows by 9 scans a window for 12 windows: 9 x (1 + ... + 12) x 1/6 h.
    assert incident["delay_hours"] == pytest.approx(117.0)

    # As the detector saw it then: nothing 10 minutes in, open 20 minutes in.
    early = (await ledger_api.get(_query(STOP[0] + timedelta(minutes=10)), "ADMIN")).json()
    assert early["incidents"] == []
    live = (await ledger_api.get(_query(STOP[0] + timedelta(minutes=20)), "ADMIN")).json()
    assert [(i["open"], i["end"]) for i in live["incidents"]] == [(True, None)]

    later = _query(DAY8 + timedelta(hours=6))
    for reader in ("JNCOMMERCE", "QCCUSTOMS", "SF"):
        seen = (await ledger_api.get(later, reader)).json()["incidents"]
        assert [i["carrier"] for i in seen] == ["SF"], reader
    # A competitor sees nothing of SF's, however it asks; a platform may not ask.
    for extra in ("", "&carrier=SF", "&district=370112"):
        other = await ledger_api.get(_query(DAY8 + timedelta(hours=6), extra), "ZTO")
        assert other.status_code == 200
        assert other.json()["incidents"] == [], extra
    assert (await ledger_api.get(later, "TMALL")).status_code == 403
    filtered = await ledger_api.get(_query(DAY8 + timedelta(hours=6), "&carrier=ZTO"), "ADMIN")
    assert filtered.json()["incidents"] == []

    async with ledger_pool.acquire() as conn:
        assert all(d.equal for d in await verify(conn))


async def test_one_day_of_history_is_enough_for_a_steady_flow(
    ledger_pool: asyncpg.Pool, ledger_api: Api
) -> None:
    """The ledger's second day: its only baseline is the first, whose own noise widens the
    bound, and 9 scans a window still raise a stop within 30 minutes."""
    day2 = START + timedelta(days=1)
    stop = (day2 + timedelta(hours=2), day2 + timedelta(hours=4))
    await append_and_project(ledger_pool, scans(range(2), stop=stop), now=NOW)
    await _sf_stop(ledger_api, day2, stop)


async def test_a_stop_in_a_growing_flow_is_raised_by_its_share(
    ledger_pool: asyncpg.Pool, ledger_api: Api
) -> None:
    """A network filling up: 2, 2, 9, then 12 scans a window per carrier. On the 4th day
    the previous days' median (72 scans a day) is no baseline, but the flow is watched by
    its latest day (324) and held to its share of the district since midnight."""
    day4 = START + timedelta(days=3)
    stop = (day4 + timedelta(hours=4), day4 + timedelta(hours=5))
    events = scans(
        range(4),
        stop=stop,
        per_window=lambda day: (2, 2, 9, 12)[day],
        prefix="G",
        spacing=timedelta(seconds=30),
    )
    await append_and_project(ledger_pool, events, now=NOW)
    incident = await _sf_stop(ledger_api, day4, stop)
    # Sized by its share today, not by the thin days before: 6 windows of 12 scans.
    assert (incident["observed_scans"], incident["missing_scans"]) == (0, 72)


async def test_bad_periods_are_refused(ledger_api: Api) -> None:
    backwards = "/v1/incidents?from=2026-11-02T00:00:00Z&to=2026-11-01T00:00:00Z"
    assert (await ledger_api.get(backwards, "ADMIN")).status_code == 400
    long = "/v1/incidents?from=2026-01-01T00:00:00Z&to=2026-11-01T00:00:00Z"
    assert (await ledger_api.get(long, "ADMIN")).status_code == 400


async def test_migration_0032_fills_a_ledger_that_had_events(ledger_pool: asyncpg.Pool) -> None:
    await append_and_project(ledger_pool, scans(range(2)), now=NOW)
    (incidents,) = [m for m in load_migrations() if m.version == 32]
    (by_shard,) = [m for m in load_migrations() if m.version == 43]
    async with ledger_pool.acquire() as conn:
        async with conn.transaction():
            await conn.execute("DROP TABLE incident_flow, incident_flow_daily")
        async with conn.transaction():
            await conn.execute(incidents.sql)
            await conn.execute(by_shard.sql)  # and the schema since (rollups by shard)
        for table in ("incident_flow", "incident_flow_daily"):
            total = await conn.fetchval(f"SELECT sum(scans) FROM {table}")  # noqa: S608
            assert total == 2 * 36 * 3 * PER_WINDOW, table
        assert all(d.equal for d in await verify(conn))


async def test_simulated_scans_are_counted_as_the_simulator_counts_them(
    ledger_pool: asyncpg.Pool,
) -> None:
    """The simulator's sends, through the gateway's envelope, the normalizer and the
    ledger, fill the flow rollup exactly as `incidents-eval --simulate` counts them from
    the simulation: the offline figures are the ledger's."""
    config = SimulationConfig(
        orders=300,
        seed=3,
        days=2,
        carriers=DEMO_CARRIERS,
        incidents=(
            Incident.parse("carrier=ZTO,district=370112,start=2026-11-02T08:00+08:00,hours=3"),
        ),
    )
    simulation = generate(config)
    sends = [
        Send(step.partner, event)
        for step, event in simulation.valid_distinct()
        if step.partner in PARTNER_CODES
    ]
    expected: Counter[tuple[str, str, datetime]] = Counter()
    for step, _ in simulation.valid_distinct():
        body = step.body
        if step.partner in PARTNER_CODES and isinstance(body, Scan) and body.district_code:
            window = window_start(window_of(step.at))
            expected[(body.parcel.carrier.carrier_id, body.district_code, window)] += 1
    events = [cpb.CanonicalEvent.FromString(value) for _, value in canonical_records(sends)]
    await append_and_project(ledger_pool, events, now=NOW)
    async with ledger_pool.acquire() as conn:
        rows = await conn.fetch(
            "SELECT carrier_id, district_code, window_start, scans FROM incident_flow"
        )
    assert sum(expected.values()) > 1000
    assert {(r[0], r[1], r[2]): r[3] for r in rows} == dict(expected)
