"""Incidents and EDD accuracy with four shards on two PostgreSQL instances answer exactly
as with the four shards on one: the flow rollups, deliveries and EDD rollups of both
instances are read and added up (never home's alone), the finished days' incidents
computed ahead notice late scans that land off home, and the answers stay equal after
them. /v1/carriers/detect reads no ledger data and answers the same."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from datetime import datetime, timedelta
from typing import Any

import asyncpg
from incident_traffic import DAY8, NOW, START, STOP, scans
from ledger_scenarios import door_delivery
from ledger_support import Api, api_settings, register_partners, serve_in_process, wait_for
from sharded_support import write_spread

from quanhub.canonical.v1 import canonical_pb2 as cpb
from quanhub.common.clock import FixedClock
from quanhub.common.settings import DatabaseSettings
from quanhub.ledger.api.app import create_app
from quanhub.ledger.incidents.ahead import IncidentsAhead, WorkerDetector, day_windows
from quanhub.ledger.incidents.detect import Thresholds, day_of, window_of, window_start
from quanhub.ledger.incidents.store import KeptIncidents, detection_key
from quanhub.ledger.read.route import Route
from quanhub.ledger.settings import LedgerApiSettings
from quanhub.ledger.store.shard_map import ShardMap

SHARDS, PARTITIONS = 4, 8
#: Home's shards step first, then the others (the sequencer publishes those off home).
STEPS = (0, 2, 1, 3)
H = timedelta(hours=1)
S20 = timedelta(seconds=20)
#: The CST days of the scans, all finished at NOW.
DAYS = range(day_of(window_of(START)), day_of(window_of(NOW)))


def _deliveries() -> list[cpb.CanonicalEvent]:
    """Parcels delivered over the first days (the models learn from them), and parcels
    picked up later and scored by the model of their pickup day."""
    events = []
    for i in range(60):
        picked = START + timedelta(hours=1 + i % 24)
        events += door_delivery("SF", f"SFTRAIN{i:03d}", picked, (20 + i % 40) * H)
        events += door_delivery("ZTO", f"ZTOTRAIN{i:03d}", picked, (10 + i % 7) * H)
    for i in range(40):
        picked = START + timedelta(days=5, hours=1 + i % 20)
        events += door_delivery("SF", f"SFACC{i:03d}", picked, (18 + i) * H)
        events += door_delivery("ZTO", f"ZTOACC{i:03d}", picked, (9 + i % 5) * H)
    return events


class _Ledger:
    """A ledger of four shards over eight partitions, each shard on its instance of
    `shard_map`; events are appended as the consumer would, then projected and published."""

    def __init__(self, conns: list[asyncpg.Connection], shard_map: ShardMap) -> None:
        self.conns = conns
        self.shard_map = shard_map

    async def write(self, events: list[cpb.CanonicalEvent], topic: str) -> None:
        await write_spread(
            self.conns,
            self.shard_map,
            events,
            shards=SHARDS,
            partitions=PARTITIONS,
            steps=STEPS,
            recorded_at=NOW,
            topic=topic,
        )


@asynccontextmanager
async def _api(settings: LedgerApiSettings) -> AsyncIterator[tuple[Api, Any]]:
    """The query API over `settings` (its clock at NOW), the test partners registered on
    its home only; and the app (its kept incidents)."""
    clock = FixedClock(NOW)
    pool = await asyncpg.create_pool(settings.database.url, min_size=1, max_size=2)
    try:
        keys = await register_partners(pool, clock)
        app = create_app(settings, clock=clock)
        async with serve_in_process(app) as client:
            yield Api(client, keys), app
    finally:
        await pool.close()


def _incidents(day: int, as_of: datetime | None = None, extra: str = "") -> str:
    start = window_start(day_windows(day)[0])
    end = start + timedelta(days=1)
    return (
        f"/v1/incidents?from={start.isoformat()}&to={end.isoformat()}"
        f"&as_of={(as_of or end).isoformat()}{extra}".replace("+", "%2B")
    )


#: EDD accuracy questions: the default (the ledger's clock), periods, a carrier, a district.
ACCURACY = [
    "/v1/edd/accuracy",
    "/v1/edd/accuracy?from=2026-11-01&to=2026-11-09&as_of=2026-11-10T00:00:00Z",
    "/v1/edd/accuracy?from=2026-11-05&as_of=2026-11-10T00:00:00Z&carrier=SF",
    "/v1/edd/accuracy?from=2026-11-01&as_of=2026-11-10T00:00:00Z&district=3701",
]


async def _same(apis: tuple[Api, Api], paths: list[str], codes: list[str]) -> dict[Any, Any]:
    """Each path as each partner reads it, asserted the same from both APIs."""
    answers = {}
    for path in paths:
        for code in codes:
            first = await apis[0].get(path, code)
            second = await apis[1].get(path, code)
            assert first.status_code == 200, first.text
            assert (second.status_code, second.json()) == (200, first.json()), (path, code)
            answers[path, code] = first.json()
    return answers


async def _ahead_done(app: Any) -> None:
    """Wait until the API computed every finished day's incidents ahead."""
    kept: KeptIncidents = app.state.incidents.kept
    keys = [detection_key(*day_windows(day), None, Thresholds()) for day in DAYS]

    async def computed() -> bool:
        return all(kept.ahead_version(key) is not None for key in keys)

    await wait_for(computed, timeout=60, what="the finished days computed ahead")


async def test_incidents_and_accuracy_on_two_instances_answer_as_on_one(
    new_database: Callable[[], Awaitable[DatabaseSettings]],
    second_database: DatabaseSettings,
) -> None:
    one, home = await new_database(), await new_database()
    spread_map = ShardMap.of(home.url, [second_database.url])
    where = Route(spread_map, SHARDS, PARTITIONS)
    conns = {i: await asyncpg.connect(d.url) for i, d in enumerate((one, home, second_database))}
    pools = [
        await asyncpg.create_pool(d.url, min_size=1, max_size=3) for d in (home, second_database)
    ]
    detector = WorkerDetector()
    try:
        alone = _Ledger([conns[0]], ShardMap.of(one.url))
        spread = _Ledger([conns[1], conns[2]], spread_map)
        base = scans(range(9)) + _deliveries()
        for ledger in (alone, spread):
            await ledger.write(base, "t")
        for conn in (conns[1], conns[2]):  # each instance holds some of the rollups
            assert await conn.fetchval("SELECT sum(scans) FROM incident_flow_daily") > 0
            assert (
                await conn.fetchval("SELECT count(*) FROM parcels WHERE delivered_at IS NOT NULL")
                > 0
            )

        # The finished days computed ahead over both instances.
        kept = KeptIncidents()
        ahead = IncidentsAhead(pools[0], FixedClock(NOW), kept, detector=detector, others=pools[1:])
        assert await ahead.catch_up() == len(DAYS)
        assert await ahead.catch_up() == 0

        single = api_settings(one, shards=SHARDS, partitions=PARTITIONS)
        two = api_settings(home, second_database, shards=SHARDS, partitions=PARTITIONS)
        asked = [_incidents(day) for day in DAYS] + [
            _incidents(day_of(window_of(DAY8)), DAY8 + timedelta(hours=h)) for h in (2.5, 3, 6)
        ]
        asked += [_incidents(day_of(window_of(DAY8)), extra="&district=370112")]
        async with _api(single) as (on_one, app_one), _api(two) as (on_two, app_two):
            apis = (on_one, on_two)
            await _ahead_done(app_one)
            await _ahead_done(app_two)
            answers = await _same(apis, asked, ["ADMIN", "SF", "ZTO"])
            answers |= await _same(apis, ACCURACY, ["ADMIN", "SF"])
            answers |= await _same(apis, ["/v1/carriers/detect?waybill=SF1234567890123"], ["TMALL"])

            # SF's stop, whole: every scan of its baseline counted, on both instances.
            (stop,) = answers[_incidents(day_of(window_of(DAY8))), "ADMIN"]["incidents"]
            assert (stop["carrier"], stop["district"]) == ("SF", "370112")
            assert datetime.fromisoformat(stop["start"]) == STOP[0]
            assert (stop["observed_scans"], stop["missing_scans"]) == (0, 12 * 9)
            figures = answers[ACCURACY[1], "ADMIN"]["overall"]
            assert figures["delivered"] == 200
            assert figures["predicted"] > 0
            assert answers[ACCURACY[0], "ADMIN"]["overall"]["delivered"] > 0

            # SF's scans of the stop arrive late, every one on the second instance.
            late = [
                e
                for e in scans(
                    range(7, 8), late=True, per_window=lambda _: 24, prefix="L", spacing=S20
                )
                if where.parcel(e.parcel.carrier_id, e.parcel.waybill_no) == 1
            ]
            assert len(late) >= 12 * 9
            await alone.write(late, "late")
            await spread.write(late, "late")
            stopped = (
                "SELECT coalesce(sum(scans), 0) FROM incident_flow WHERE carrier_id = 'SF' "
                "AND district_code = '370112' "
                "AND window_start >= $1 AND window_start < $2"
            )
            assert await conns[1].fetchval(stopped, *STOP) == 0  # none on home
            assert await conns[2].fetchval(stopped, *STOP) == len(late)
            # The ahead pass over both instances computes again the stop's day and the
            # days that read it as their baseline (the 9 after it, within DAYS).
            stop_day = day_of(window_of(DAY8))
            assert await ahead.catch_up() == len([d for d in DAYS if d - 9 <= stop_day <= d])
            # The APIs' kept detections see the new version on ask: still equal answers,
            # and the stop is gone.
            answers = await _same(apis, asked, ["ADMIN", "SF"])
            assert answers[_incidents(stop_day), "ADMIN"]["incidents"] == []
    finally:
        await detector.aclose()
        for pool in pools:
            await pool.close()
        for conn in conns.values():
            await conn.close()
