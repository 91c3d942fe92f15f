"""Indicators from the rollup tables: a handful of GROUP BYs over days, never over events.

The report is assembled as plain data and validated into a KpiReport in one pass (one
call into pydantic's core instead of a model construction per bucket and group: a 30-day
city-wide report has about a thousand of them).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date
from typing import Any, NamedTuple

from asyncpg import Record

from quanhub.ledger.kpis.fine import FineHistogram, Histograms, period_rows, week_bounds
from quanhub.ledger.kpis.models import (
    CARRIER_VOLUME_TARGET,
    E_WAYBILL_TARGET,
    RECYCLABLE_BAG_TARGET,
    SMART_LOCKER_TARGET,
    Distribution,
    KpiReport,
    Period,
    ShareFigure,
)
from quanhub.ledger.kpis.percentiles import histogram, merge, percentiles_hours, sufficient
from quanhub.ledger.read.params import Reader
from quanhub.ledger.store.rollups import DURATION_BUCKETS_HOURS

TOP_REASONS = 5
_BUCKET_COLUMNS = tuple(f"b{i}" for i in range(len(DURATION_BUCKETS_HOURS) + 1))
#: (lower, upper) hours of each bucket; the last is open-ended.
_BOUNDS: tuple[tuple[int, int | None], ...] = tuple(
    zip((0, *DURATION_BUCKETS_HOURS), (*DURATION_BUCKETS_HOURS, None), strict=True)
)


def share_fields(
    numerator: int, denominator: int, events: int, target: float | None = None
) -> dict[str, Any]:
    """A ShareFigure's fields; no data (null share) when the denominator is 0, and no
    verdict on the target below the minimum sample."""
    if denominator <= 0:
        return {
            "numerator": 0,
            "denominator": 0,
            "share": None,
            "target": target,
            "meets_target": None,
            "events": int(events),
            "status": "no_data",
            "sample": 0,
            "sufficient": False,
        }
    value = numerator / denominator
    enough = sufficient(denominator)
    return {
        "numerator": numerator,
        "denominator": denominator,
        "share": value,
        "target": target,
        "meets_target": None if target is None or not enough else value >= target,
        "events": int(events),
        "status": "ok",
        "sample": denominator,
        "sufficient": enough,
    }


def share(
    numerator: int, denominator: int, events: int, target: float | None = None
) -> ShareFigure:
    """A share figure; no data (null share) when the denominator is 0."""
    return ShareFigure.model_validate(share_fields(numerator, denominator, events, target))


def distribution_fields(
    count: int, events: int, seconds: int, counts: list[int], fine: Mapping[int, int]
) -> dict[str, Any]:
    """A Distribution's fields from rollup sums: the mean from the seconds, the coarse
    buckets from `counts`, the percentiles from the fine histogram `fine`; no data when
    nothing was measured."""
    buckets = [
        {"lower_hours": lower, "upper_hours": upper, "count": int(n)}
        for (lower, upper), n in zip(_BOUNDS, counts, strict=True)
    ]
    quantiles = percentiles_hours(fine)
    return {
        "count": max(count, 0),
        "mean_hours": seconds / count / 3600 if count > 0 else None,
        "p50_hours": quantiles[50],
        "p90_hours": quantiles[90],
        "p99_hours": quantiles[99],
        "buckets": buckets,
        "events": int(events),
        "status": "ok" if count > 0 else "no_data",
        "sample": max(count, 0),
        "sufficient": sufficient(count),
    }


def distribution(
    count: int, events: int, seconds: int, counts: list[int], fine: Mapping[int, int]
) -> Distribution:
    """A duration distribution from rollup sums; no data when nothing was measured."""
    return Distribution.model_validate(distribution_fields(count, events, seconds, counts, fine))


def durations(items: Iterable[tuple[int, int]]) -> Distribution:
    """The distribution of (whole seconds, events) pairs, counted into the same coarse and
    fine buckets as the rollups count them (the simulator's ground truth is stated so)."""
    pairs = list(items)
    counts = [0] * len(_BOUNDS)
    for seconds, _ in pairs:
        counts[sum(1 for edge in DURATION_BUCKETS_HOURS if seconds >= edge * 3600)] += 1
    return distribution(
        len(pairs),
        sum(e for _, e in pairs),
        sum(s for s, _ in pairs),
        counts,
        histogram(s for s, _ in pairs),
    )


def _where(district: str | None) -> str:
    base = "day BETWEEN $1 AND $2"
    return base if district is None else base + " AND district_code LIKE $3 || '%'"


def _sum(columns: tuple[str, ...]) -> str:
    return ", ".join(f"coalesce(sum({c}), 0)::bigint AS {c}" for c in columns)


_PARCEL_COLUMNS = (
    "parcels",
    "events",
    "ewaybill_known",
    "ewaybill_events",
    "ewaybill_yes",
    "bag_known",
    "bag_events",
    "bag_recyclable",
    "exceptions",
    "returns",
)
_DELIVERY_COLUMNS = (
    "delivered",
    "point_known",
    "point_events",
    "locker",
    "timed",
    "timed_events",
    "seconds_sum",
    *_BUCKET_COLUMNS,
)
_DECLARED_COLUMNS = ("with_receipt", "receipt_events", "rejected")
_CLEARANCE_COLUMNS = ("released", "events", "seconds_sum", *_BUCKET_COLUMNS)

# The queries are SQL templates over the rollup tables: `{sums}` is the sum of each of
# the part's columns (a fixed column list), `{rows}` the part's rollup rows of the period
# (and district) over bound parameters: its daily table filtered, or the whole weeks from
# its weekly twin and the edge days from the daily one (fine.period_rows).
_PARCEL_ROWS = "SELECT carrier_id, {sums} FROM {rows} GROUP BY carrier_id HAVING sum(parcels) > 0"
_DELIVERY_ROWS = (
    "SELECT district_code, carrier_id, {sums} FROM {rows} "
    "GROUP BY district_code, carrier_id HAVING sum(delivered) > 0"
)
_DECLARED_ROWS = "SELECT {sums} FROM {rows}"
_REASON_ROWS = (
    "SELECT reason, sum(declarations)::bigint AS n FROM {rows} "
    "GROUP BY reason HAVING sum(declarations) > 0 "
    "ORDER BY n DESC, reason LIMIT {top}"
)
_CLEARANCE_ROWS = (
    "SELECT trade_mode, {sums} FROM {rows} GROUP BY trade_mode HAVING sum(released) > 0"
)
#: The fine histograms the report reads (percentiles of each group and overall).
DELIVERY_HIST = FineHistogram(
    "delivery_hist",
    "kpi_delivery_hist",
    "kpi_delivery_hist_weekly",
    "parcels",
    ("district_code", "carrier_id"),
)
CLEARANCE_HIST = FineHistogram(
    "clearance_hist",
    "kpi_clearance_hist",
    "kpi_clearance_hist_weekly",
    "released",
    ("trade_mode",),
)
#: One part's row tuples as an array column `{name}` (`{order}`: its ORDER BY, if any).
_PART = "ARRAY(SELECT t FROM ({query}) t{order}) AS {name}"


class _Part(NamedTuple):
    """A part of the report: its result column, its rows' field names, the query over the
    rollups, the columns the query sums, the ORDER BY of its rows (if more than one), its
    daily rollup and that rollup's weekly twin (if it has one)."""

    name: str
    fields: tuple[str, ...]
    query: str
    sums: tuple[str, ...]
    order: str
    table: str
    weekly: str = ""

    def rows(self, where: str, weeks: int) -> str:
        """The FROM item of the period's rows (`where`, `weeks`: as period_rows)."""
        if not self.weekly:
            return f"{self.table} WHERE {where}"
        columns = ", ".join(self.fields)
        return f"({period_rows(self.table, self.weekly, columns, where, weeks)}) r"


_PARTS = (
    _Part(
        "parcel_rows",
        ("carrier_id", *_PARCEL_COLUMNS),
        _PARCEL_ROWS,
        _PARCEL_COLUMNS,
        "t.parcels DESC, t.carrier_id",
        "kpi_parcel_daily",
        "kpi_parcel_weekly",
    ),
    _Part(
        "delivery_rows",
        ("district_code", "carrier_id", *_DELIVERY_COLUMNS),
        _DELIVERY_ROWS,
        _DELIVERY_COLUMNS,
        "t.district_code, t.carrier_id",
        "kpi_delivery_daily",
        "kpi_delivery_weekly",
    ),
    _Part(
        "declared_rows",
        _DECLARED_COLUMNS,
        _DECLARED_ROWS,
        _DECLARED_COLUMNS,
        "",
        "kpi_customs_daily",
    ),
    _Part(
        "reason_rows",
        ("reason", "n"),
        _REASON_ROWS,
        (),
        "t.n DESC, t.reason",
        "kpi_rejection_reasons",
    ),
    _Part(
        "clearance_rows",
        ("trade_mode", *_CLEARANCE_COLUMNS),
        _CLEARANCE_ROWS,
        _CLEARANCE_COLUMNS,
        "t.trade_mode",
        "kpi_clearance_daily",
    ),
)


#: The report's statement: histogram CTEs, the parts' arrays, the histograms' arrays.
_WITH_HISTOGRAMS = "WITH {ctes} SELECT {arrays}, * FROM {sources}"


def report_sql(district: str | None, *, whole: bool = False) -> str:
    """Every rollup aggregate of a period as one statement (one snapshot, one round trip):
    one array of row tuples per part of _PARTS, and the fine histograms' arrays. `whole`:
    every group, unfiltered and unranked (HAVING, LIMIT), for summing with the same
    statement's answers on other instances (quanhub.ledger.kpis.summed)."""
    where = _where(district)
    weeks = 3 if district is None else 4  # the parameters after the period (and district)
    arrays = ", ".join(
        _PART.format(
            query=(_whole(part.query) if whole else part.query).format(
                sums=_sum(part.sums), rows=part.rows(where, weeks), top=TOP_REASONS
            ),
            order=f" ORDER BY {part.order}" if part.order and not whole else "",
            name=part.name,
        )
        for part in _PARTS
    )
    hists = (DELIVERY_HIST, CLEARANCE_HIST)
    ctes = ", ".join(h.cte(where, weeks) for h in hists)
    sources = " CROSS JOIN ".join(h.arrays() for h in hists)
    return _WITH_HISTOGRAMS.format(ctes=ctes, arrays=arrays, sources=sources)


def _whole(query: str) -> str:
    """A part's query without its HAVING (and what follows it: ORDER BY, LIMIT)."""
    return query.split(" HAVING ", 1)[0]


_REPORT_SQL = {False: report_sql(None), True: report_sql("")}


def part_rows(result: Record) -> dict[str, list[dict[str, Any]]]:
    """Each part's row tuples as dicts of its field names."""
    return {
        name: [dict(zip(fields, values, strict=True)) for values in result[name]]
        for name, fields, *_ in _PARTS
    }


def _parcel_figures(rows: list[dict[str, Any]], days: int) -> dict[str, Any]:
    total = {c: sum(int(r[c]) for r in rows) for c in _PARCEL_COLUMNS}
    carriers = [
        {
            "carrier_id": r["carrier_id"],
            "parcels": int(r["parcels"]),
            "parcels_per_year": int(r["parcels"]) * 365 / days,
            "meets_target": int(r["parcels"]) * 365 / days >= CARRIER_VOLUME_TARGET,
            "events": int(r["events"]),
        }
        for r in rows
    ]
    return {
        "e_waybill_share": share_fields(
            total["ewaybill_yes"],
            total["ewaybill_known"],
            total["ewaybill_events"],
            E_WAYBILL_TARGET,
        ),
        "recyclable_bag_share": share_fields(
            total["bag_recyclable"],
            total["bag_known"],
            total["bag_events"],
            RECYCLABLE_BAG_TARGET,
        ),
        "exception_rate": share_fields(total["exceptions"], total["parcels"], total["events"]),
        "return_rate": share_fields(total["returns"], total["parcels"], total["events"]),
        "carrier_volumes": {
            "carriers_meeting_target": sum(1 for c in carriers if c["meets_target"]),
            "carriers": carriers,
            "events": total["events"],
            "status": "ok" if carriers else "no_data",
        },
    }


def _dist(
    values: dict[str, Any], count: str, events: str, fine: Mapping[int, int]
) -> dict[str, Any]:
    """A duration distribution from one rollup row (or total): `count` objects timed,
    `events` behind them, their seconds and bucket counts, and their fine histogram."""
    return distribution_fields(
        int(values[count]),
        int(values[events]),
        int(values["seconds_sum"]),
        [int(values[b]) for b in _BUCKET_COLUMNS],
        fine,
    )


def _delivery_figures(rows: list[dict[str, Any]], hist: Histograms) -> dict[str, Any]:
    total = {c: sum(int(r[c]) for r in rows) for c in _DELIVERY_COLUMNS}

    groups = [
        {
            "district_code": r["district_code"],
            "carrier_id": r["carrier_id"],
            "distribution": _dist(
                r, "timed", "timed_events", hist.get((r["district_code"], r["carrier_id"]), {})
            ),
        }
        for r in rows
        if int(r["timed"]) > 0
    ]
    return {
        "smart_locker_share": share_fields(
            total["locker"], total["point_known"], total["point_events"], SMART_LOCKER_TARGET
        ),
        "pickup_to_delivery": {
            "overall": _dist(total, "timed", "timed_events", merge(hist.values())),
            "groups": groups,
        },
    }


def _customs_figures(
    declared: list[dict[str, Any]],
    reasons: list[dict[str, Any]],
    cleared: list[dict[str, Any]],
    hist: Histograms,
) -> dict[str, Any]:
    total = {c: sum(int(r[c]) for r in cleared) for c in _CLEARANCE_COLUMNS}
    d = declared[0]
    return {
        "customs_rejection": {
            "rate": share_fields(
                int(d["rejected"]), int(d["with_receipt"]), int(d["receipt_events"])
            ),
            "top_reasons": [{"reason": r["reason"], "declarations": int(r["n"])} for r in reasons],
        },
        "customs_clearance": {
            "overall": _dist(total, "released", "events", merge(hist.values())),
            "by_trade_mode": [
                {
                    "trade_mode": r["trade_mode"],
                    "distribution": _dist(
                        r, "released", "events", hist.get((r["trade_mode"],), {})
                    ),
                }
                for r in cleared
            ],
        },
    }


async def kpi_report(conn: Reader, start: date, end: date, district: str | None) -> KpiReport:
    """Every indicator for [start, end] (CST days, inclusive), optionally one district."""
    args: list[Any] = [start, end] if district is None else [start, end, district]
    args += week_bounds(start, end)
    result = await conn.fetchrow(_REPORT_SQL[district is not None], *args)
    assert result is not None  # noqa: S101 - a SELECT without FROM answers one row
    return KpiReport.model_validate(report_figures(result, start, end, district))


def report_figures(result: Record, start: date, end: date, district: str | None) -> dict[str, Any]:
    """A KpiReport's fields from the answer of report_sql for [start, end] (and district)."""
    return figures(
        part_rows(result),
        DELIVERY_HIST.read(result),
        CLEARANCE_HIST.read(result),
        Period(from_date=start, to_date=end, days=(end - start).days + 1, district=district),
    )


def figures(
    rows: dict[str, list[dict[str, Any]]],
    delivery: Histograms,
    clearance: Histograms,
    period: Period,
) -> dict[str, Any]:
    """A KpiReport's fields from each part's rows (part_rows) and the fine histograms."""
    result: dict[str, Any] = {"period": period}
    result |= _parcel_figures(rows["parcel_rows"], period.days)
    result |= _delivery_figures(rows["delivery_rows"], delivery)
    result |= _customs_figures(
        rows["declared_rows"], rows["reason_rows"], rows["clearance_rows"], clearance
    )
    return result
