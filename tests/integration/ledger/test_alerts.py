"""GET /v1/alerts on a real PostgreSQL: stalled and uncollected parcels and stuck
declarations flagged with since-when, at the ledger's clock and at an earlier instant, and
each partner sees only its own (a competitor learns nothing, not even a count)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg
from ledger_support import Api, append_and_project

from quanhub.bench.synthetic import parcel_event
from quanhub.canonical.v1 import canonical_pb2 as cpb
from quanhub.ledger.alerts.store import learn, save

NOW = datetime(2026, 11, 28, 12, tzinfo=UTC)
H = timedelta(hours=1)
T0 = NOW - 9 * 24 * H  # nine days before the clock: past the default threshold (a week)


def _scan(
    name: str, carrier: str, status: str, at: datetime, district: str, **extra: Any
) -> cpb.CanonicalEvent:
    return parcel_event(
        f"{name}-{status}-{at.isoformat()}",
        carrier_id=carrier,
        waybill_no=name,
        status=status,
        occurred_at=at,
        district_code=district,
        **extra,
    )


def _traffic() -> list[cpb.CanonicalEvent]:
    """SF and ZTO each lose a parcel in Jinan's sorting centre; an SF parcel sits in a
    locker; an SF parcel is delivered; an SF scan an hour ago sets the ledger's clock. The
    SF parcel names a Tmall order, so Tmall may read it."""
    order = {"platform_code": "TMALL", "order_no": "TM-1"}
    return [
        _scan("SFSTALL", "SF", "PICKED_UP", T0, "370102", **order),
        _scan("SFSTALL", "SF", "IN_TRANSIT", T0 + 2 * H, "370112", **order),
        _scan("ZTOSTALL", "ZTO", "PICKED_UP", T0, "370103"),
        _scan("ZTOSTALL", "ZTO", "IN_TRANSIT", T0 + 3 * H, "370112"),
        _scan("SFLOCKER", "SF", "OUT_FOR_DELIVERY", T0 + 24 * H, "370103"),
        _scan("SFLOCKER", "SF", "AVAILABLE_FOR_PICKUP", T0 + 25 * H, "370103"),
        _scan("SFDONE", "SF", "PICKED_UP", T0, "370102"),
        _scan("SFDONE", "SF", "DELIVERED", T0 + 30 * H, "370104"),
        _scan("SFCLOCK", "SF", "IN_TRANSIT", NOW - H, "370112"),
    ]


async def _alerts(api: Api, partner: str, query: str = "") -> dict[str, Any]:
    answer = await api.get(f"/v1/alerts{query}", partner)
    assert answer.status_code == 200, answer.text
    body: dict[str, Any] = answer.json()
    return body


def _keys(body: dict[str, Any]) -> dict[str, str]:
    return {item["key"]: item["kind"] for item in body["items"]}


async def test_the_city_sees_every_alert_with_since_when(
    ledger_pool: asyncpg.Pool, ledger_api: Api
) -> None:
    await append_and_project(ledger_pool, _traffic(), now=NOW)

    body = await _alerts(ledger_api, "ADMIN")

    assert body["as_of"] == (NOW - H).isoformat().replace("+00:00", "Z")
    assert _keys(body) == {
        "P|SF|SFSTALL": "stalled",
        "P|ZTO|ZTOSTALL": "stalled",
        "P|SF|SFLOCKER": "uncollected",
    }
    stalled = next(i for i in body["items"] if i["key"] == "P|SF|SFSTALL")
    assert stalled["since"].startswith((T0 + 2 * H).isoformat()[:19])
    assert stalled["status"] == "IN_TRANSIT"
    assert stalled["district"] == "370112"
    assert stalled["silent_hours"] == (NOW - H - T0 - 2 * H) / H
    # Nothing learned yet (three gaps): the default threshold applies.
    assert (stalled["threshold_hours"], stalled["norm"]) == (168.0, "")
    counts = {(c["carrier"], c["district"], c["kind"]): c["alerts"] for c in body["counts"]}
    assert counts == {
        ("SF", "370112", "stalled"): 1,
        ("ZTO", "370112", "stalled"): 1,
        ("SF", "370103", "uncollected"): 1,
    }


async def test_an_earlier_instant_is_answered_from_the_events(
    ledger_pool: asyncpg.Pool, ledger_api: Api
) -> None:
    await append_and_project(ledger_pool, _traffic(), now=NOW)
    in_locker = T0 + 25 * H

    def at(instant: datetime) -> str:
        return "?as_of=" + instant.isoformat().replace("+00:00", "Z")

    # 48 h in the locker is not yet uncollected; a minute later it is; the stalls are not
    # yet a week old.
    assert _keys(await _alerts(ledger_api, "ADMIN", at(in_locker + 48 * H))) == {}
    later = await _alerts(ledger_api, "ADMIN", at(in_locker + 48 * H + H / 60))
    assert _keys(later) == {"P|SF|SFLOCKER": "uncollected"}
    # Before the delivery, SFDONE was a parcel picked up and silent: not past a week, though.
    assert _keys(await _alerts(ledger_api, "ADMIN", at(T0 + 29 * H))) == {}
    # At the clock itself the events' answer equals the projections'.
    then = await _alerts(ledger_api, "ADMIN", at(NOW - H - timedelta(microseconds=1)))
    now = await _alerts(ledger_api, "ADMIN")
    assert _keys(then) == _keys(now)


async def test_partners_see_their_own_and_count_nothing_else(
    ledger_pool: asyncpg.Pool, ledger_api: Api
) -> None:
    await append_and_project(ledger_pool, _traffic(), now=NOW)

    sf = await _alerts(ledger_api, "SF")
    zto = await _alerts(ledger_api, "ZTO")
    tmall = await _alerts(ledger_api, "TMALL")
    jd = await _alerts(ledger_api, "JD")
    analyst = await _alerts(ledger_api, "JNCOMMERCE")

    assert set(_keys(sf)) == {"P|SF|SFSTALL", "P|SF|SFLOCKER"}
    assert {c["carrier"] for c in sf["counts"]} == {"SF"}
    assert set(_keys(zto)) == {"P|ZTO|ZTOSTALL"}
    assert [(c["carrier"], c["alerts"]) for c in zto["counts"]] == [("ZTO", 1)]
    # The carrier's scan named Tmall's order: Tmall reads that parcel, nothing else.
    assert set(_keys(tmall)) == {"P|SF|SFSTALL"}
    assert sum(c["alerts"] for c in tmall["counts"]) == 1
    assert (jd["items"], jd["counts"], jd["total"]) == ([], [], 0)
    # An analyst counts the city but lists no parcel.
    assert analyst["items"] == []
    assert sum(c["alerts"] for c in analyst["counts"]) == 3


async def test_filters_and_pages(ledger_pool: asyncpg.Pool, ledger_api: Api) -> None:
    await append_and_project(ledger_pool, _traffic(), now=NOW)

    assert set(_keys(await _alerts(ledger_api, "ADMIN", "?carrier=ZTO"))) == {"P|ZTO|ZTOSTALL"}
    assert set(_keys(await _alerts(ledger_api, "ADMIN", "?kind=uncollected"))) == {"P|SF|SFLOCKER"}
    assert set(_keys(await _alerts(ledger_api, "ADMIN", "?district=370103"))) == {"P|SF|SFLOCKER"}
    seen: list[str] = []
    query = "?limit=1"
    while True:
        body = await _alerts(ledger_api, "ADMIN", query)
        seen += [item["key"] for item in body["items"]]
        if body["next_cursor"] is None:
            break
        query = f"?limit=1&cursor={body['next_cursor']}"
    assert seen == ["P|SF|SFSTALL", "P|ZTO|ZTOSTALL", "P|SF|SFLOCKER"]
    bad = await ledger_api.get("/v1/alerts?cursor=nonsense", "ADMIN")
    assert bad.status_code == 400


async def test_learned_norms_flag_a_short_silence(
    ledger_pool: asyncpg.Pool, ledger_api: Api
) -> None:
    """Forty SF parcels move through the city scan by scan within two hours: once learned,
    an SF parcel silent for a day and a bit in the city is stalled (threshold: the floor)."""
    events = []
    for i in range(40):
        start = T0 + i * H
        name = f"SFNORM{i:02d}"
        events += [
            _scan(name, "SF", "IN_TRANSIT", start, "370112"),
            _scan(name, "SF", "IN_TRANSIT", start + (1 + i % 2) * H, "370112"),
            _scan(name, "SF", "DELIVERED", start + 3 * H, "370102"),
        ]
    events += [
        _scan("SFSHORT", "SF", "IN_TRANSIT", NOW - 30 * H, "370112"),
        _scan("SFCLOCK", "SF", "IN_TRANSIT", NOW - H, "370112"),
    ]
    await append_and_project(ledger_pool, events, now=NOW)
    async with ledger_pool.acquire() as conn:
        learned = await learn(conn, NOW - H, timedelta(days=28))
        await save(conn, learned)

    body = await _alerts(ledger_api, "ADMIN")

    item = next(i for i in body["items"] if i["key"] == "P|SF|SFSHORT")
    assert (item["kind"], item["norm"], item["threshold_hours"]) == (
        "stalled",
        "SF/IN_TRANSIT/city",
        24.0,
    )
    assert body["norms_until"] is not None


async def test_instants_at_the_edges_of_time_are_refused_not_failed(ledger_api: Api) -> None:
    for as_of in ("0001-01-01T00:00:00Z", "0001-01-01T05:00:00%2B08:00"):
        answer = await ledger_api.get(f"/v1/alerts?as_of={as_of}", "ADMIN")
        assert answer.status_code == 400, answer.text
    far = await ledger_api.get("/v1/alerts?as_of=9999-12-31T23:59:59Z", "ADMIN")
    assert far.status_code == 200, far.text
    naive = await ledger_api.get("/v1/alerts?as_of=2026-11-01T00:00:00", "ADMIN")
    assert naive.status_code == 400
