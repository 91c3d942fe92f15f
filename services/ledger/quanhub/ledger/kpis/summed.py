"""The indicators when the ledger's shards live on several PostgreSQL instances: each
instance's rollups (those of its shards' objects) summed.

Each instance answers the report's one statement with every group unfiltered and unranked
(compute.report_sql `whole`); the groups' counts are added, the fine histograms merged
bucket by bucket, and only then are groups filtered and ranked and percentiles read, from
the merged histograms (an average of percentiles is no percentile). The figures are those
one instance holding every rollup row would give.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable, Sequence
from datetime import date
from typing import Any

from quanhub.ledger.kpis.compute import (
    CLEARANCE_HIST,
    DELIVERY_HIST,
    TOP_REASONS,
    figures,
    part_rows,
    report_sql,
)
from quanhub.ledger.kpis.delivery_times import (
    Ask,
    DeliveryTimesReport,
    group_columns,
    report,
)
from quanhub.ledger.kpis.fine import Histograms, week_bounds
from quanhub.ledger.kpis.models import KpiReport, Period
from quanhub.ledger.read.params import Reader

_SQL = {False: report_sql(None, whole=True), True: report_sql("", whole=True)}


def _parts() -> dict[str, tuple[tuple[str, ...], str, Any]]:
    """Each part: its group columns, the count a group needs above 0 to be kept ("" keeps
    the one row), and the sort key of its kept rows (compute._PARTS' ORDER BY)."""
    return {
        "parcel_rows": (("carrier_id",), "parcels", lambda r: (-r["parcels"], r["carrier_id"])),
        "delivery_rows": (
            ("district_code", "carrier_id"),
            "delivered",
            lambda r: (r["district_code"], r["carrier_id"]),
        ),
        "declared_rows": ((), "", None),
        "reason_rows": (("reason",), "n", lambda r: (-r["n"], r["reason"])),
        "clearance_rows": (("trade_mode",), "released", lambda r: r["trade_mode"]),
    }


_PARTS = _parts()


def _add(parts: Sequence[dict[str, list[dict[str, Any]]]]) -> dict[str, list[dict[str, Any]]]:
    """Each part's groups with their counts added over the instances, filtered, ordered."""
    summed: dict[str, list[dict[str, Any]]] = {}
    for name, (keys, having, order) in _PARTS.items():
        groups: dict[tuple[Any, ...], dict[str, Any]] = {}
        for rows in parts:
            for row in rows[name]:
                key = tuple(row[k] for k in keys)
                total = groups.get(key)
                if total is None:
                    groups[key] = {c: (v if c in keys else int(v)) for c, v in row.items()}
                    continue
                for column, value in row.items():
                    if column not in keys:
                        total[column] += int(value)
        kept = [g for g in groups.values() if not having or g[having] > 0]
        if order is not None:
            kept.sort(key=order)
        summed[name] = kept[:TOP_REASONS] if name == "reason_rows" else kept
    return summed


def _merge(histograms: Sequence[Histograms]) -> Histograms:
    """Each group's histogram, bucket counts added over the instances."""
    merged: Histograms = {}
    for one in histograms:
        for key, buckets in one.items():
            into = merged.setdefault(key, {})
            for bucket, n in buckets.items():
                into[bucket] = into.get(bucket, 0) + n
    return {k: {b: n for b, n in h.items() if n} for k, h in merged.items()}


async def summed_kpi_report(
    readers: Sequence[Reader], start: date, end: date, district: str | None
) -> KpiReport:
    """compute.kpi_report over the rollups of every instance (`readers`, one each)."""
    args: list[Any] = [start, end] if district is None else [start, end, district]
    args += week_bounds(start, end)
    sql = _SQL[district is not None]
    results = await asyncio.gather(*(r.fetchrow(sql, *args) for r in readers))
    answers = [r for r in results if r is not None]
    rows = _add([part_rows(r) for r in answers])
    delivery = _merge([DELIVERY_HIST.read(r) for r in answers])
    clearance = _merge([CLEARANCE_HIST.read(r) for r in answers])
    period = Period(from_date=start, to_date=end, days=(end - start).days + 1, district=district)
    return KpiReport.model_validate(figures(rows, delivery, clearance, period))


def _add_groups(
    parts: Iterable[list[dict[str, Any]]], keys: tuple[str, ...]
) -> list[dict[str, Any]]:
    """Delivery-times groups: sums added over the instances, those with a delivery kept,
    in key order (the statement's HAVING and ORDER BY)."""
    groups: dict[tuple[Any, ...], dict[str, Any]] = {}
    for rows in parts:
        for row in rows:
            key = tuple(row[k] for k in keys)
            total = groups.setdefault(key, {k: row[k] for k in keys})
            for column, value in row.items():
                if column not in keys:
                    total[column] = total.get(column, 0) + int(value)
    return [groups[k] for k in sorted(groups) if groups[k]["delivered"] > 0]


async def summed_delivery_times(
    readers: Sequence[Reader],
    start: date,
    end: date,
    *,
    carrier: str | None,
    origin: str | None,
    district: str | None,
    group_by: Sequence[str],
) -> DeliveryTimesReport:
    """kpis.delivery_times over the lane rollups of every instance (`readers`)."""
    ask = Ask(start, end, carrier, origin, district, group_columns(group_by))
    sql, args = ask.statement(whole=True)
    results = [r for r in await asyncio.gather(*(c.fetchrow(sql, *args) for c in readers)) if r]
    rows = _add_groups((ask.groups(r) for r in results), ask.keys)
    return report(ask, rows, _merge([ask.histograms(r) for r in results]))
