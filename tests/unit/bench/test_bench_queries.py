"""The query stage's ceilings: one object 10 ms, a report or list over many 100 ms."""

from __future__ import annotations

import pytest

from quanhub.bench.queries import FIRST, INDICATOR_P99_MS, POINT_P99_MS, _measures


@pytest.mark.parametrize(
    ("endpoint", "ceiling"),
    [
        ("GET /v1/parcels/{carrier}/{waybill}", POINT_P99_MS),
        ("GET /v1/parcels/{carrier}/{waybill} (in transit, predicted)", POINT_P99_MS),
        ("GET /v1/orders/{platform}/{order}", POINT_P99_MS),
        ("GET /v1/customs/declarations/{id}", POINT_P99_MS),
        ("GET /v1/customs/declarations?from&to (list)", INDICATOR_P99_MS),
        ("GET /v1/kpis (30 days)", INDICATOR_P99_MS),
        ("GET /v1/kpis/delivery-times (30 days, by carrier)", INDICATOR_P99_MS),
        ("GET /v1/alerts (one carrier, list)", INDICATOR_P99_MS),
        ("GET /v1/incidents (list)", INDICATOR_P99_MS),
    ],
)
def test_p99_ceiling_by_endpoint(endpoint: str, ceiling: float) -> None:
    p50, p99 = _measures("10M events", {endpoint: [1.0, 2.0, 3.0]}, 4)
    assert p50.target is None
    assert p99.target == ceiling


def test_first_asks_are_measured_apart_without_a_ceiling() -> None:
    endpoint = "GET /v1/kpis (30 days)"
    samples = {endpoint: [1.0, 2.0, 90.0], endpoint + FIRST: [90.0]}
    measures = _measures("10M events", samples, 4)
    (first,) = [m for m in measures if FIRST in m.name]
    assert first.name == f"{endpoint}{FIRST} p99 at 10M events"
    assert (first.value, first.target) == (90.0, None)
    assert len(measures) == 3
