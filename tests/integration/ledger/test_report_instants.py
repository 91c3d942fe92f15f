"""The instants and days the query routes take, at the edges of time: each route keeps its
own range, and every value outside it is a 400 invalid_query naming nothing internal,
never a 500 (quanhub.ledger.api.instants)."""

from __future__ import annotations

from datetime import UTC, datetime

import asyncpg
import pytest
from ledger_support import Api, append_and_project

from quanhub.bench.synthetic import parcel_event

#: (query, status): values at the edges of each route's range, and values without an offset.
CASES = [
    # alerts: any UTC instant from 0001-01-08 (thresholds are subtracted from it).
    ("/v1/alerts?as_of=2026-11-01T00:00:00", 400),
    ("/v1/alerts?as_of=0001-01-01T05:00:00%2B08:00", 400),
    ("/v1/alerts?as_of=0001-01-07T23:59:59Z", 400),
    ("/v1/alerts?as_of=0001-01-08T00:00:00Z", 200),
    ("/v1/alerts?as_of=9999-12-31T23:59:59Z", 200),
    # customs declarations: any UTC instant, compared in SQL.
    ("/v1/customs/declarations?from=2026-11-01T00:00:00", 400),
    ("/v1/customs/declarations?to=2026-11-01", 400),
    ("/v1/customs/declarations?to=0001-01-01T00:16:51%2B01:01", 400),
    ("/v1/customs/declarations?from=9999-12-31T23:59:59-05:00", 400),
    ("/v1/customs/declarations?from=0001-01-01T00:00:00Z", 200),
    ("/v1/customs/declarations?to=9999-12-31T23:59:59Z", 200),
    # incidents and EDD accuracy: [1970, 2200).
    ("/v1/incidents?to=2026-11-01T00:00:00", 400),
    ("/v1/incidents?to=2026-11-01T00:00:00Z&as_of=2026-11-01T00:00:00", 400),
    ("/v1/incidents?to=0001-01-01", 400),
    ("/v1/incidents?to=1970-01-01T00:00:00Z", 200),  # a default period from 1969 is kept
    ("/v1/incidents?to=1970-01-02T00:00:00Z", 200),
    ("/v1/incidents?as_of=2200-01-01T00:00:00Z&to=2026-11-01T00:00:00Z", 400),
    ("/v1/edd/accuracy?as_of=2026-11-01T00:00:00", 400),
    ("/v1/edd/accuracy?as_of=1969-12-31T23:59:59Z", 400),
    ("/v1/edd/accuracy?as_of=1970-01-01T00:00:00Z", 200),
    ("/v1/edd/accuracy?to=0001-01-29", 400),
    ("/v1/edd/accuracy?from=2199-12-31&as_of=2199-12-31T00:00:00Z", 200),
    # kpis: any day; a default or `period` start never before 0001-01-01.
    ("/v1/kpis?to=0001-01-05", 200),
    ("/v1/kpis/delivery-times?to=0001-01-05&period=30d", 200),
    ("/v1/kpis?from=0001-01-01&to=9999-12-31", 400),
]


@pytest.mark.parametrize(("query", "status"), CASES)
async def test_report_instants_are_answered_or_refused_not_failed(
    query: str, status: int, ledger_api: Api
) -> None:
    answer = await ledger_api.get(query, "ADMIN")
    assert answer.status_code == status, answer.text
    if status == 400:
        assert answer.json()["code"] == "invalid_query"


@pytest.mark.parametrize(
    "as_of", ["0001-01-01T00:00:00%2B08:00", "0001-01-01T00:00:00Z", "9999-12-31T23:59:59-05:00"]
)
async def test_a_parcels_prediction_at_the_edges_of_time(
    as_of: str, ledger_api: Api, ledger_pool: asyncpg.Pool
) -> None:
    at = datetime(2026, 11, 20, 8, tzinfo=UTC)
    event = parcel_event(
        "edge-1", carrier_id="SF", waybill_no="SFEDGE01", status="PICKED_UP", occurred_at=at
    )
    await append_and_project(ledger_pool, [event], now=at)
    answer = await ledger_api.get(f"/v1/parcels/SF/SFEDGE01?as_of={as_of}", "ADMIN")
    assert answer.status_code < 500, answer.text
