"""The State Post Bureau's delivery measures (GET /v1/kpis/delivery-times) from the rollups.

Definitions (days are China Standard Time calendar days, `from` and `to` inclusive):

- The cohort: parcels whose delivery time (earliest DELIVERED event) falls in the period,
  `delivered`; of them, `timed` are those with a pickup time (earliest PICKED_UP event)
  at or before delivery.
- 48 h / 72 h on-time rate (48小时/72小时妥投率): the share of timed parcels delivered
  within 48 h / 72 h of pickup (whole seconds, the limit included).
- Full delivery time (全程时限): pickup to first delivered, in hours, over timed parcels:
  mean (exact) and nearest-rank p50/p90/p99 from the fine histogram, stated as the middle
  of their bucket (quanhub.ledger.kpis.percentiles).
- Carrier: the parcel's carrier (hub id). District: the destination, the latest district
  named by the parcel's events. Origin: the district of its earliest PICKED_UP event that
  names one. Lane: origin -> destination. A parcel without one of them counts under "".
- Minimum sample: below 30 timed parcels (MIN_SAMPLE) a rate or time says
  `too_little_data` with a null value; `sample` always says how many parcels it is over.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from typing import Any, Literal, NamedTuple

from asyncpg import Record
from pydantic import BaseModel

from quanhub.ledger.kpis.fine import FineHistogram, Histograms, period_rows, week_bounds
from quanhub.ledger.kpis.models import Period
from quanhub.ledger.kpis.percentiles import MIN_SAMPLE, merge, percentiles_hours, sufficient
from quanhub.ledger.read.params import Reader
from quanhub.ledger.store.histogram import FINE_TIERS, OPEN_FROM_SECONDS
from quanhub.ledger.store.rollups import ON_TIME_HOURS

MeasureStatus = Literal["ok", "no_data", "too_little_data"]
#: The dimensions a report may be grouped by, and their rollup columns.
DIMENSIONS: dict[str, str] = {
    "carrier": "carrier_id",
    "origin": "origin_district",
    "district": "district_code",
}
#: `group_by` shorthands: lane = origin and destination.
ALIASES: dict[str, tuple[str, ...]] = {"lane": ("origin", "district")}


class OnTimeRate(BaseModel):
    """Share of timed parcels delivered within `hours` of pickup."""

    hours: int
    within: int
    sample: int
    #: within / sample; null without data or below the minimum sample.
    rate: float | None
    sufficient: bool
    status: MeasureStatus


class FullDeliveryTime(BaseModel):
    """Pickup to first delivered, in hours; null values below the minimum sample."""

    sample: int
    mean_hours: float | None
    p50_hours: float | None
    p90_hours: float | None
    p99_hours: float | None
    sufficient: bool
    status: MeasureStatus


class Measures(BaseModel):
    """The measures of one group (or of the whole selection)."""

    delivered: int
    timed: int
    #: Ledger events of the timed parcels.
    events: int
    on_time_48h: OnTimeRate
    on_time_72h: OnTimeRate
    full_delivery_time: FullDeliveryTime


class MeasuresGroup(BaseModel):
    """One group's key (null for a dimension not grouped by) and measures."""

    carrier_id: str | None = None
    origin_district: str | None = None
    district_code: str | None = None
    measures: Measures


class Resolution(BaseModel):
    """How exact the percentiles are: the fine histogram's bucket widths."""

    minutes_below_72h: int = FINE_TIERS[0][1]
    minutes_72h_to_360h: int = FINE_TIERS[1][1]
    #: Durations from here on share one bucket; a percentile there reads this value.
    open_from_hours: int = OPEN_FROM_SECONDS // 3600


class DeliveryTimesReport(BaseModel):
    """The Post Bureau's measures for a period, filtered and grouped as asked."""

    period: Period
    carrier: str | None
    origin: str | None
    group_by: list[str]
    minimum_sample: int = MIN_SAMPLE
    percentile_resolution: Resolution = Resolution()
    overall: Measures
    groups: list[MeasuresGroup]


_SUMS = ("delivered", "timed", "timed_events", "within_48h", "within_72h", "seconds_sum")


def _histogram(keys: tuple[str, ...]) -> FineHistogram:
    """Full delivery times by `keys` and bucket."""
    return FineHistogram("hist", "kpi_delivery_hist", "kpi_delivery_hist_weekly", "parcels", keys)


def _status(sample: int) -> MeasureStatus:
    if sample <= 0:
        return "no_data"
    return "ok" if sufficient(sample) else "too_little_data"


def measures_fields(sums: Mapping[str, int], fine: Mapping[int, int]) -> dict[str, Any]:
    """A Measures' fields from a group's rollup sums and its fine histogram."""
    timed = int(sums["timed"])
    status = _status(timed)
    shown = status == "ok"
    rates = {
        f"on_time_{h}h": {
            "hours": h,
            "within": int(sums[f"within_{h}h"]),
            "sample": timed,
            "rate": int(sums[f"within_{h}h"]) / timed if shown else None,
            "sufficient": shown,
            "status": status,
        }
        for h in ON_TIME_HOURS
    }
    quantiles = percentiles_hours(fine) if shown else dict.fromkeys((50, 90, 99))
    return {
        "delivered": int(sums["delivered"]),
        "timed": timed,
        "events": int(sums["timed_events"]),
        **rates,
        "full_delivery_time": {
            "sample": timed,
            "mean_hours": int(sums["seconds_sum"]) / timed / 3600 if shown else None,
            "p50_hours": quantiles[50],
            "p90_hours": quantiles[90],
            "p99_hours": quantiles[99],
            "sufficient": shown,
            "status": status,
        },
    }


def group_columns(group_by: Sequence[str]) -> tuple[str, ...]:
    """The rollup columns of `group_by` names (aliases expanded, in DIMENSIONS order)."""
    names = {n for g in group_by for n in ALIASES.get(g, (g,))}
    return tuple(column for name, column in DIMENSIONS.items() if name in names)


def _where(carrier: bool, origin: bool, district: bool) -> str:
    """The period and filter predicate over $1.. (day range, then the filters given)."""
    clauses = ["day BETWEEN $1 AND $2"]
    filters = (
        (carrier, "carrier_id = ${}"),
        (origin, "origin_district LIKE ${} || '%'"),
        (district, "district_code LIKE ${} || '%'"),
    )
    for given, clause in filters:
        if given:
            clauses.append(clause.format(len(clauses) + 2))  # $3 onwards
    return " AND ".join(clauses)


#: Template: the histogram's CTE, then the lane sums by group as an array of row tuples
#: and the histogram's arrays; every slot is this module's fixed text or column names, and
#: `{rows}` (the period's whole weeks from kpi_lane_weekly, its edge days from
#: kpi_lane_daily: period_rows) binds its values as parameters.
_REPORT = (
    "WITH {cte} SELECT ARRAY(SELECT t FROM (SELECT {select} FROM ({rows}) r"
    "{group} HAVING sum(delivered) > 0) t{order}) AS rows, * FROM {hist_arrays}"
)
#: The lane rollups' columns a report reads: every group key and every sum.
_LANE_COLUMNS = ", ".join((*DIMENSIONS.values(), *_SUMS))


def report_sql(keys: tuple[str, ...], where: str, *, whole: bool = False) -> str:
    """The lane sums by `keys` and their fine histograms, in one statement. `whole`: every
    group, unfiltered (no HAVING), for summing with other instances' (kpis.summed)."""
    hist = _histogram(keys)
    sums = ", ".join(f"coalesce(sum({c}), 0)::bigint AS {c}" for c in _SUMS)
    weeks = where.count("$") + 1  # week bounds follow the filter's $n
    sql = _REPORT.format(
        cte=hist.cte(where, weeks),
        select=", ".join((*keys, sums)),
        rows=period_rows("kpi_lane_daily", "kpi_lane_weekly", _LANE_COLUMNS, where, weeks),
        group=f" GROUP BY {', '.join(keys)}" if keys else "",
        order=f" ORDER BY {', '.join(f't.{k}' for k in keys)}" if keys else "",
        hist_arrays=hist.arrays(),
    )
    return sql.replace(_HAVING, "") if whole else sql


_HAVING = " HAVING sum(delivered) > 0"


class Ask(NamedTuple):
    """What a delivery-times request asks: the period, the filters, the group columns."""

    start: date
    end: date
    carrier: str | None
    origin: str | None
    district: str | None
    keys: tuple[str, ...]

    def statement(self, *, whole: bool = False) -> tuple[str, list[Any]]:
        """report_sql for the request, and its arguments."""
        given = (self.carrier, self.origin, self.district)
        where = _where(*(v is not None for v in given))
        args: list[Any] = [self.start, self.end, *(v for v in given if v is not None)]
        args += week_bounds(self.start, self.end)
        return report_sql(self.keys, where, whole=whole), args

    def groups(self, result: Record) -> list[dict[str, Any]]:
        """The answer's group rows (keys and sums) as dicts."""
        return [dict(zip((*self.keys, *_SUMS), r, strict=True)) for r in result["rows"]]

    def histograms(self, result: Record) -> Histograms:
        """The answer's fine histograms by group."""
        return _histogram(self.keys).read(result)


async def delivery_times(
    conn: Reader,
    start: date,
    end: date,
    *,
    carrier: str | None,
    origin: str | None,
    district: str | None,
    group_by: Sequence[str],
) -> DeliveryTimesReport:
    """The measures for [start, end] (CST days), filtered and grouped as asked."""
    ask = Ask(start, end, carrier, origin, district, group_columns(group_by))
    sql, args = ask.statement()
    result = await conn.fetchrow(sql, *args)
    assert result is not None  # noqa: S101 - a SELECT without FROM answers one row
    return report(ask, ask.groups(result), ask.histograms(result))


def report(ask: Ask, rows: list[dict[str, Any]], hist: Histograms) -> DeliveryTimesReport:
    """The report from the groups' sums (ordered by the group keys) and histograms."""
    keys = ask.keys
    total = {c: sum(int(r[c]) for r in rows) for c in _SUMS}
    names = {column: name for name, column in DIMENSIONS.items()}
    groups = [
        {
            **{column: r[column] for column in keys},
            "measures": measures_fields(r, hist.get(tuple(r[k] for k in keys), {})),
        }
        for r in rows
    ]
    return DeliveryTimesReport.model_validate(
        {
            "period": Period(
                from_date=ask.start,
                to_date=ask.end,
                days=(ask.end - ask.start).days + 1,
                district=ask.district,
            ),
            "carrier": ask.carrier,
            "origin": ask.origin,
            "group_by": [names[k] for k in keys],
            "overall": measures_fields(total, merge(hist.values())),
            "groups": groups if keys else [],
        }
    )
