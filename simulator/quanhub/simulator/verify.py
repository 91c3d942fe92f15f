"""Comparing a hub's GET /v1/kpis answer with the indicators a run's summary expects.

Lists are matched by their natural keys (carrier, district and carrier, trade mode, reason)
so order never matters where the hub may order ties differently; numbers are equal within
a small tolerance (they are computed from the same integers on both sides).
"""

from __future__ import annotations

import asyncio
import math
import time
from collections.abc import Awaitable, Callable
from typing import Any

import httpx

#: How list items are matched, by the name of the list.
_LIST_KEYS: dict[str, tuple[str, ...]] = {
    "carriers": ("carrier_id",),
    "groups": ("district_code", "carrier_id"),
    "by_trade_mode": ("trade_mode",),
    "top_reasons": ("reason",),
    "buckets": ("lower_hours",),
}


def _close(a: Any, b: Any, tolerance: float) -> bool:
    if isinstance(a, bool) or isinstance(b, bool):
        return a is b
    if isinstance(a, int | float) and isinstance(b, int | float):
        return math.isclose(a, b, rel_tol=tolerance, abs_tol=tolerance)
    return bool(a == b)


def compare_kpis(
    actual: Any, expected: Any, tolerance: float = 1e-6, path: str = "kpis"
) -> list[str]:
    """Every difference between two KPI reports, as readable lines (empty when equal)."""
    if isinstance(expected, dict) and isinstance(actual, dict):
        out: list[str] = []
        for name in sorted(set(expected) | set(actual)):
            if name not in actual or name not in expected:
                out.append(f"{path}.{name}: only in {'expected' if name in expected else 'actual'}")
                continue
            out += _compare_field(name, actual[name], expected[name], tolerance, f"{path}.{name}")
        return out
    if not _close(actual, expected, tolerance):
        return [f"{path}: hub {actual!r}, expected {expected!r}"]
    return []


def _compare_field(name: str, actual: Any, expected: Any, tolerance: float, path: str) -> list[str]:
    keys = _LIST_KEYS.get(name)
    if keys is None or not isinstance(actual, list) or not isinstance(expected, list):
        return compare_kpis(actual, expected, tolerance, path)
    if name == "top_reasons":
        # The hub keeps the top few; reasons tied at the cut may differ, counts may not.
        counts_a = sorted((r["declarations"] for r in actual), reverse=True)
        counts_e = sorted((r["declarations"] for r in expected), reverse=True)
        if counts_a != counts_e:
            return [f"{path}: hub counts {counts_a}, expected {counts_e}"]
        cut = min(counts_e, default=0)
        actual = [r for r in actual if r["declarations"] > cut]
        expected = [r for r in expected if r["declarations"] > cut]
    by_key_a = {tuple(item.get(k) for k in keys): item for item in actual}
    by_key_e = {tuple(item.get(k) for k in keys): item for item in expected}
    out: list[str] = []
    for key in sorted(set(by_key_a) | set(by_key_e), key=str):
        label = f"{path}[{'/'.join(str(k) for k in key)}]"
        if key not in by_key_a or key not in by_key_e:
            out.append(f"{label}: only in {'expected' if key in by_key_e else 'actual'}")
            continue
        out += compare_kpis(by_key_a[key], by_key_e[key], tolerance, label)
    return out


async def await_kpis(
    client: httpx.AsyncClient,
    expected: dict[str, Any],
    *,
    patience: float,
    interval: float = 2.0,
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    clock: Callable[[], float] = time.monotonic,
) -> list[str]:
    """Poll GET /v1/kpis for the expected report's period and district until the answer
    equals it or `patience` seconds pass (events may still be on their way through the
    pipeline); the remaining differences (empty: equal)."""
    period = expected["period"]
    params = {"from": period["from_date"], "to": period["to_date"]}
    if period.get("district"):
        params["district"] = period["district"]
    deadline = clock() + patience
    while True:
        response = await client.get("/v1/kpis", params=params)
        if response.status_code != 200:
            differences = [f"GET /v1/kpis answered {response.status_code}: {response.text[:300]}"]
        else:
            differences = compare_kpis(response.json(), expected)
        if not differences or clock() >= deadline:
            return differences
        await sleep(interval)
