"""Reads with four shards on two PostgreSQL instances answer exactly as with the four
shards on one: parcel and order views (each object read on its instance, its links and
linked objects on theirs), declaration views and the declarations list (every instance),
and the indicators (rollups summed, histograms merged); the partner registry (home's only)
applies off home, and a partner who may not see an object gets 404 on both."""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, date, datetime
from typing import Any

import asyncpg
import httpx
import pytest
from google.protobuf import text_format
from ledger_scenarios import ORDER_NO, WAYBILL, import_1210_consignment, random_traffic
from ledger_support import PARTNERS, Api, all_pages, api_settings, api_with_partners
from sharded_support import write_spread

from quanhub.canonical.v1 import canonical_pb2 as cpb
from quanhub.common.canonical import customs_key
from quanhub.common.settings import DatabaseSettings
from quanhub.ledger.edd.store import train
from quanhub.ledger.read.route import Route
from quanhub.ledger.store.shard_map import ShardMap

pytestmark = pytest.mark.integration

SHARDS, PARTITIONS = 4, 8
#: The order shards are projected in, on one instance as on two (home's shards step and
#: publish first; the sequencer then publishes 1 and 3), so global seqs agree.
STEPS = (0, 2, 1, 3)
NOW = datetime(2026, 11, 28, 12, tzinfo=UTC)
CONSIGNMENTS = 10


def _consignment(n: int) -> list[cpb.CanonicalEvent]:
    """The 1210 consignment under numbers of its own; every third one's parcel never names
    its order (a link the platform asserts alone)."""
    events = []
    for event in import_1210_consignment():
        text = text_format.MessageToString(event, as_utf8=True)
        text = text.replace(ORDER_NO, f"TM20261120-1210-{n:04d}").replace('-0001"', f'-{n:04d}"')
        text = text.replace(WAYBILL, f"SF121{n:07d}").replace(event.event_id, "")
        copy = text_format.Parse(text, cpb.CanonicalEvent())
        copy.event_id = str(uuid.uuid5(uuid.NAMESPACE_URL, f"{event.event_id}/{n}"))
        if n % 3 == 0 and copy.WhichOneof("body") == "parcel":
            copy.parcel.ClearField("platform_code")
            copy.parcel.ClearField("order_no")
        events.append(copy)
    return events


def _traffic() -> list[cpb.CanonicalEvent]:
    """The consignments, and parcel scans enough for the indicators' percentiles."""
    consignments = [e for n in range(1, CONSIGNMENTS + 1) for e in _consignment(n)]
    return consignments + random_traffic(1500, seed=7, parcels=300)


async def _write(conns: list[asyncpg.Connection], shard_map: ShardMap) -> None:
    """Append the traffic as a consumer of four shards over eight partitions would, each
    shard on its instance of `shard_map`, then project and publish in STEPS order."""
    await write_spread(
        conns,
        shard_map,
        _traffic(),
        shards=SHARDS,
        partitions=PARTITIONS,
        steps=STEPS,
        recorded_at=NOW,
        topic="t",
    )


async def _same(
    apis: tuple[Api, Api], paths: list[str], codes: list[str]
) -> dict[tuple[str, str], tuple[int, Any]]:
    """Each path as each partner reads it, asserted the same from both APIs."""
    answers = {}
    for path in paths:
        for code in codes:
            expected = _comparable(await apis[0].get(path, code))
            assert _comparable(await apis[1].get(path, code)) == expected, (path, code)
            answers[path, code] = expected
    return answers


def _comparable(response: httpx.Response) -> tuple[int, Any]:
    """Status and body; declarations declared at the same instant in id order (a view
    orders them by declared_at alone, so ties come in either order, on one instance too)."""
    body = response.json()
    if response.status_code == 200:
        for field in ("declarations", "customs"):
            if field in body:
                body[field].sort(key=lambda d: (d["declared_at"], d["id"]))
    return response.status_code, body


async def test_point_reads_on_two_instances_answer_as_on_one(
    new_database: Callable[[], Awaitable[DatabaseSettings]],
    second_database: DatabaseSettings,
) -> None:
    one, home = await new_database(), await new_database()
    spread_map = ShardMap.of(home.url, [second_database.url])
    conns = {i: await asyncpg.connect(d.url) for i, d in enumerate((one, home, second_database))}
    try:
        await _write([conns[0]], ShardMap.of(one.url))
        await _write([conns[1], conns[2]], spread_map)
        for conn in (conns[1], conns[2]):  # each instance holds some of the rollups
            assert await conn.fetchval("SELECT sum(delivered) FROM kpi_delivery_daily") > 0
        # Predicted delivery learns from every instance's counts: as from one holding all.
        for end_day in (date(2026, 11, 24), date(2026, 11, 28), date(2026, 12, 1)):
            alone = await train(conns[0], end_day)
            summed = await train(conns[1], end_day, others=[conns[2]])
            assert alone.parcels > 0
            assert summed._counts == alone._counts
    finally:
        for conn in conns.values():
            await conn.close()

    where = Route(spread_map, SHARDS, PARTITIONS)
    parcels = [("SF", f"SF121{n:07d}") for n in range(1, CONSIGNMENTS + 1)]
    orders = [("TMALL", f"TM20261120-1210-{n:04d}") for n in range(1, CONSIGNMENTS + 1)]
    # The traffic does spread: parcels and orders on both instances.
    assert {where.parcel(*k) for k in parcels} == {0, 1}
    assert {where.order(*k) for k in orders} == {0, 1}
    # Some declarations that tie to their order only through the registry (ebp_code is
    # TMALL's customs code) live off home, where the registry is not.
    declarations = [customs_key("TMALL", f"ORD-{n:04d}") for n in range(1, CONSIGNMENTS + 1)]
    assert {where.instance_of_key(k) for k in declarations} == {0, 1}

    paths = [f"/v1/parcels/{c}/{w}" for c, w in parcels] + [
        f"/v1/orders/{p}/{o}" for p, o in orders
    ]
    scanned = [f"/v1/parcels/{c}/RW{n:06d}" for n in range(40) for c in ("SF", "ZTO")]
    reports = [
        "/v1/kpis",
        "/v1/kpis?district=370102",
        "/v1/kpis?from=2026-11-16&to=2026-11-29",
        "/v1/kpis/delivery-times",
        "/v1/kpis/delivery-times?group_by=carrier",
        "/v1/kpis/delivery-times?group_by=lane&carrier=SF",
        "/v1/kpis/delivery-times?group_by=district&from=2026-11-16&to=2026-11-29",
    ]
    single = api_settings(one, shards=SHARDS, partitions=PARTITIONS)
    spread = api_settings(home, second_database, shards=SHARDS, partitions=PARTITIONS)
    answers: dict[tuple[str, str], tuple[int, Any]] = {}
    everyone = [code for code, *_ in PARTNERS]
    async with api_with_partners(single, NOW) as on_one, api_with_partners(spread, NOW) as on_two:
        apis = (on_one, on_two)
        answers |= await _same(apis, paths, everyone)
        answers |= await _same(apis, scanned, ["ADMIN"])
        for code in everyone:
            lists = [await all_pages(api, "/v1/customs/declarations?limit=7", code) for api in apis]
            assert lists[0] == lists[1], code
            answers["declarations", code] = (200, lists[0])
        _, admin_pages = answers["declarations", "ADMIN"]
        idents = [item["id"] for _, page in admin_pages for item in page["items"]]
        answers |= await _same(apis, [f"/v1/customs/declarations/{i}" for i in idents], everyone)
        answers |= await _same(apis, reports, ["JNCOMMERCE", "ADMIN"])

    def status(path: str, code: str) -> int:
        return answers[path, code][0]

    # The owners see their objects, outsiders nothing, wherever the object lives.
    for path in paths:
        assert status(path, "ADMIN") == 200
        assert status(path, "JD") == status(path, "ZTO") == 404
        assert status(path, "JNCOMMERCE") == 403
    assert all(status(p, "SF") == 200 for p in paths if "/parcels/" in p)
    assert all(status(p, "TMALL") == 200 for p in paths if "/orders/" in p)
    # The carrier's own assertion shares its parcel with the platform; without it, not.
    for n, (carrier, waybill) in enumerate(parcels, start=1):
        assert status(f"/v1/parcels/{carrier}/{waybill}", "TMALL") == (404 if n % 3 == 0 else 200)
    # Declarations tie to orders through the registry (ebp_code 3701PT0001 is TMALL's
    # customs code), on orders off home too.
    for platform, number in orders:
        _, body = answers[f"/v1/orders/{platform}/{number}", "TMALL"]
        assert {d["document"] for d in body["declarations"]} >= {"ORDER", "PAYMENT"}
        assert len(body["timeline"]) >= 8
        seqs = [e["seq"] for e in body["timeline"]]
        assert len(set(seqs)) == len(seqs)

    # The indicators rest on rollups of both instances: counts summed, percentiles read
    # from the merged histograms.
    _, report = answers["/v1/kpis", "ADMIN"]
    overall = report["pickup_to_delivery"]["overall"]
    assert overall["sufficient"]
    assert overall["p50_hours"] is not None
    assert overall["p90_hours"] is not None
    _, times = answers["/v1/kpis/delivery-times?group_by=carrier", "ADMIN"]
    assert times["overall"]["full_delivery_time"]["p50_hours"] is not None
    assert [g["carrier_id"] for g in times["groups"]] == ["SF", "ZTO"]
    # The declarations list walks both instances' declarations newest first.
    _, pages = answers["declarations", "ADMIN"]
    listed = [item["id"] for _, page in pages for item in page["items"]]
    assert len(listed) == len(set(listed)) == 4 * CONSIGNMENTS
    assert answers["declarations", "JNCOMMERCE"][1][0][0] == 403
    # A declaration view joins what lives on both instances: the inventory's order and
    # parcel, its siblings for the match, and the buyer's year for the entitled.
    views = [
        b
        for (path, code), (st, b) in answers.items()
        if st == 200
        and code == "QCCUSTOMS"
        and path.startswith("/v1/customs/declarations/")
        and b["document"] == "INVENTORY"
    ]
    assert len(views) == CONSIGNMENTS
    assert all(v["order"] is not None and v["parcels"] for v in views)
    assert all(v["limits"]["buyer_year_orders"] == CONSIGNMENTS for v in views)
