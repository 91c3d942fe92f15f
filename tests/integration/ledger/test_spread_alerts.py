"""Alerts with four shards on two PostgreSQL instances answer exactly as with the four
shards on one: GET /v1/alerts for every partner (now and at an earlier instant, every
page, every filter), the norms learned on the fly from both instances' gaps, the
watcher's decisions (alerts raised and predicted deliveries, from both instances'
parcels and both instances' delivery counts), and the kept answers move when a step off
home changes an alert before the sequencer has published it."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg
import pytest
from google.protobuf import text_format
from incident_traffic import scans
from ledger_scenarios import ORDER_NO, T0, WAYBILL, import_1210_consignment, keyed, random_traffic
from ledger_support import PARTNERS, all_pages, api_settings, api_with_partners
from prometheus_client import CollectorRegistry
from sharded_support import write_spread

from quanhub.bench.synthetic import parcel_event
from quanhub.canonical.v1 import canonical_pb2 as cpb
from quanhub.common.canonical import customs_key, parcel_key
from quanhub.common.kafka import partition_of
from quanhub.common.settings import DatabaseSettings
from quanhub.ledger.alerts.provider import WINDOW
from quanhub.ledger.alerts.store import learn, ledger_clock
from quanhub.ledger.decode import decode
from quanhub.ledger.read.route import Route
from quanhub.ledger.read.spread import Instances
from quanhub.ledger.store.projector import project_all
from quanhub.ledger.store.shard_map import ShardMap
from quanhub.ledger.store.writer import Position, prepare, write_batch
from quanhub.ledger.watcher.decide import Draft
from quanhub.ledger.watcher.service import Watcher, WatcherMetrics
from quanhub.ledger.watcher.types import InsightType

pytestmark = pytest.mark.integration

SHARDS, PARTITIONS = 4, 8
#: The order shards are projected in, on one instance as on two (home's shards step and
#: publish first; the sequencer then publishes 1 and 3), so global seqs agree.
STEPS = (0, 2, 1, 3)
NOW = datetime(2026, 11, 28, 12, tzinfo=UTC)
CONSIGNMENTS = 12
#: Consignments whose parcel goes quiet in transit (never delivered): stalled parcels
#: that declarations name, so the customs liaison may list them, wherever they live.
QUIET = range(1, CONSIGNMENTS + 1, 3)


def _consignment(n: int) -> list[cpb.CanonicalEvent]:
    """The 1210 consignment under numbers of its own; a QUIET one's parcel stops after its
    transit scans."""
    events = []
    for event in import_1210_consignment():
        if n in QUIET and event.source_event_id in {"p-out", "p-delivered"}:
            continue
        text = text_format.MessageToString(event, as_utf8=True)
        text = text.replace(ORDER_NO, f"TM20261120-1210-{n:04d}").replace('-0001"', f'-{n:04d}"')
        text = text.replace(WAYBILL, f"SF121{n:07d}").replace(event.event_id, "")
        copy = text_format.Parse(text, cpb.CanonicalEvent())
        copy.event_id = str(uuid.uuid5(uuid.NAMESPACE_URL, f"{event.event_id}/{n}"))
        events.append(copy)
    return events


def _traffic() -> list[cpb.CanonicalEvent]:
    """The consignments, and parcel scans at random: dense ones (short gaps to learn
    from, so a quiet parcel stands out) and sparse ones (stalls, lockers)."""
    consignments = [e for n in range(1, CONSIGNMENTS + 1) for e in _consignment(n)]
    dense = random_traffic(2000, seed=11, parcels=50)
    return consignments + dense + random_traffic(600, seed=12, parcels=400)


async def _write(
    conns: list[asyncpg.Connection], shard_map: ShardMap, events: list[cpb.CanonicalEvent]
) -> None:
    """Append the events as a consumer of four shards over eight partitions would, each
    shard on its instance of `shard_map`, then project and publish in STEPS order."""
    await write_spread(
        conns,
        shard_map,
        events,
        shards=SHARDS,
        partitions=PARTITIONS,
        steps=STEPS,
        recorded_at=NOW,
        topic="t",
    )


async def _ledgers(
    new_database: Callable[[], Awaitable[DatabaseSettings]],
    second: DatabaseSettings,
    traffic: Callable[[], list[cpb.CanonicalEvent]] = _traffic,
) -> tuple[DatabaseSettings, DatabaseSettings, ShardMap]:
    """The traffic written on one instance (returned first) and on two (home returned)."""
    one, home = await new_database(), await new_database()
    spread_map = ShardMap.of(home.url, [second.url])
    conns = {i: await asyncpg.connect(d.url) for i, d in enumerate((one, home, second))}
    try:
        await _write([conns[0]], ShardMap.of(one.url), traffic())
        await _write([conns[1], conns[2]], spread_map, traffic())
    finally:
        for conn in conns.values():
            await conn.close()
    return one, home, spread_map


async def test_alerts_on_two_instances_answer_as_on_one(
    new_database: Callable[[], Awaitable[DatabaseSettings]],
    second_database: DatabaseSettings,
) -> None:
    one, home, spread_map = await _ledgers(new_database, second_database)
    where = Route(spread_map, SHARDS, PARTITIONS)

    conns = [await asyncpg.connect(d.url) for d in (one, home, second_database)]
    try:
        clock = await ledger_clock(conns[0])
    finally:
        for conn in conns:
            await conn.close()
    assert clock is not None

    def at(instant: datetime) -> str:
        return f"as_of={instant.isoformat().replace('+00:00', 'Z')}"

    # The API's clock (NOW) is before the ledger's: "" is rebuilt from the events up to
    # it; at the ledger's clock the projections answer.
    queries = [
        "",
        "kind=stalled&limit=25",
        "kind=uncollected",
        "kind=customs_stuck",
        "carrier=SF&district=3701",
        at(clock - timedelta(days=4)),
        at(clock),
        f"{at(clock)}&kind=stalled&limit=25",
        f"{at(clock)}&carrier=ZTO",
    ]
    everyone = [code for code, *_ in PARTNERS]
    answers: dict[tuple[str, str], list[tuple[int, Any]]] = {}
    async with (
        api_with_partners(api_settings(one, shards=SHARDS, partitions=PARTITIONS), NOW) as on_one,
        api_with_partners(
            api_settings(home, second_database, shards=SHARDS, partitions=PARTITIONS), NOW
        ) as on_two,
    ):
        for query in queries:
            for code in everyone:
                expected = await all_pages(on_one, f"/v1/alerts?{query}", code)
                assert await all_pages(on_two, f"/v1/alerts?{query}", code) == expected, (
                    query,
                    code,
                )
                answers[query, code] = expected

    # The norms learned over both instances' gaps are those learned on one.
    conns = [await asyncpg.connect(d.url) for d in (one, home, second_database)]
    try:
        alone = await learn(conns[0], clock, WINDOW)
        both = await learn(conns[1], clock, WINDOW, others=[conns[2]])
    finally:
        for conn in conns:
            await conn.close()
    assert {(n.scope, n.segment): n for n in both.norms} == {
        (n.scope, n.segment): n for n in alone.norms
    }
    assert len(alone.norms) > 4
    assert any(n.samples > 100 for n in alone.norms)

    def keys(query: str, code: str) -> set[str]:
        return {i["key"] for _, page in answers[query, code] for i in page.get("items", [])}

    admin = answers["", "ADMIN"][0][1]
    assert admin["norms_until"] is not None  # learned on the fly, from both instances
    assert keys(at(clock), "ADMIN")
    flagged = keys("", "ADMIN")
    parcels = [k.split("|")[1:] for k in flagged if k.startswith("P|")]
    # Alerts on both instances, of both kinds the traffic makes.
    assert {where.parcel(c, w) for c, w in parcels} == {0, 1}
    assert {i["kind"] for i in admin["items"]} >= {"stalled", "uncollected"}
    # The quiet consignments' parcels are stalled; the customs liaison lists them (their
    # declarations name them), some of them with the declaration on the other instance.
    quiet = {f"P|SF|SF121{n:07d}" for n in QUIET}
    assert quiet <= flagged
    assert quiet <= keys("", "QCCUSTOMS")

    # (The carrier's waybill and the agent's inventory name the parcel; for one at least
    # both live on the other instance, so only the OR over the instances lists it.)
    def naming(n: int) -> set[int]:
        names = [customs_key("SF", f"WB-{n:04d}"), customs_key("JNAGENT", f"INV-{n:04d}")]
        return {where.instance_of_key(k) for k in names}

    assert any(where.parcel("SF", f"SF121{n:07d}") not in naming(n) for n in QUIET)
    # A carrier lists its own parcels, never a competitor's.
    assert {k for k in keys("", "SF") if k.startswith("P|SF|")}
    assert not {k for k in keys("", "SF") if k.startswith("P|ZTO|")}
    assert not {k for k in keys("", "ZTO") if k.startswith("P|SF|")}


def _decided(drafts: Sequence[Draft]) -> list[tuple[str, str, bytes]]:
    """The drafts as (event id, key, insight) in a stable order."""
    return sorted((d.event_id, d.key, d.insight.SerializeToString()) for d in drafts)


async def _watch(home: DatabaseSettings, second: DatabaseSettings | None) -> list[Draft]:
    """What a watcher that never announced anything publishes at its first pass."""
    published: list[Draft] = []

    async def publish(drafts: Sequence[Draft]) -> None:
        published.extend(drafts)

    async def caught_up() -> bool:
        return True

    pools = [await asyncpg.create_pool(home.url, min_size=1, max_size=4)]
    if second is not None:
        pools.append(await asyncpg.create_pool(second.url, min_size=1, max_size=4))
    try:
        instances = None
        if second is not None:
            shard_map = ShardMap.of(home.url, [second.url])
            instances = Instances(Route(shard_map, SHARDS, PARTITIONS), pools)
        watcher = Watcher(
            pools[0],
            publish,
            caught_up,
            WatcherMetrics(CollectorRegistry()),
            interval=60,
            move_threshold=timedelta(hours=2),
            batch_size=100,
            instances=instances,
        )
        await watcher.recover()
        await watcher.pass_once()
    finally:
        for pool in pools:
            await pool.close()
    return published


async def test_the_watcher_on_two_instances_decides_as_on_one(
    new_database: Callable[[], Awaitable[DatabaseSettings]],
    second_database: DatabaseSettings,
) -> None:
    one, home, _ = await _ledgers(new_database, second_database)

    alone, spread = await _watch(one, None), await _watch(home, second_database)

    assert _decided(spread) == _decided(alone)
    types = {d.insight.type for d in alone}
    assert {InsightType.STALLED.value, InsightType.DELIVERY_PREDICTED.value} <= types


async def test_the_watcher_on_two_instances_finds_the_incidents_of_one(
    new_database: Callable[[], Awaitable[DatabaseSettings]],
    second_database: DatabaseSettings,
) -> None:
    # Seven days of three carriers' sorting-centre scans, SF's stopping for two hours on
    # the eighth: its flow rows are on whichever instances its parcels' shards are.
    one, home, _ = await _ledgers(new_database, second_database, lambda: scans(range(8)))

    alone, spread = await _watch(one, None), await _watch(home, second_database)

    assert _decided(spread) == _decided(alone)
    opened = [d for d in alone if d.insight.type == InsightType.INCIDENT_OPENED.value]
    assert [(d.insight.carrier_id, d.insight.district_code) for d in opened] == [("SF", "370112")]


async def test_a_kept_alert_answer_moves_with_a_step_off_home(
    new_database: Callable[[], Awaitable[DatabaseSettings]],
    second_database: DatabaseSettings,
) -> None:
    _, home, spread_map = await _ledgers(new_database, second_database)
    where = Route(spread_map, SHARDS, PARTITIONS)
    # A parcel of a shard off home, quiet for ten days before the ledger's clock.
    waybill = next(f"LATE{n:05d}" for n in range(1000) if where.parcel("ZTO", f"LATE{n:05d}"))
    key = parcel_key("ZTO", waybill)
    partition = partition_of(key, range(PARTITIONS))
    shard = partition % SHARDS
    scan = parcel_event(
        f"late-{waybill}",
        carrier_id="ZTO",
        waybill_no=waybill,
        status="IN_TRANSIT",
        occurred_at=T0,
        district_code="370112",
    )

    async with api_with_partners(
        api_settings(home, second_database, shards=SHARDS, partitions=PARTITIONS), NOW
    ) as api:
        before = await all_pages(api, "/v1/alerts?kind=stalled", "ADMIN")
        assert await all_pages(api, "/v1/alerts?kind=stalled", "ADMIN") == before  # kept
        conn = await asyncpg.connect(second_database.url)
        try:
            row = decode(keyed(scan)[1], topic="t2", partition=partition, offset=0, recorded_at=NOW)
            await prepare(conn)
            await write_batch(
                conn,
                [row],
                group_id="g",
                positions=[Position("t2", partition, 1)],
                now=NOW,
                shard=shard,
            )
            await project_all(conn, shard=shard, publish=False)
        finally:
            await conn.close()
        # Projected off home, not yet published on home: the answer shows it already.
        after = await all_pages(api, "/v1/alerts?kind=stalled", "ADMIN")
    listed = {i["key"] for _, page in after for i in page["items"]}
    assert f"P|ZTO|{waybill}" in listed
    assert after != before
