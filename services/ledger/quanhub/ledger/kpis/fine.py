"""Reading a period from daily rollups and their weekly twins; the fine histograms
(kpi_delivery_hist, kpi_clearance_hist) per group.

A period's whole ISO weeks are read from the weekly rollup and only its edge days from the
daily one (week_bounds, period_rows), which sums the same counts from fewer rows. A
histogram's counts come back as parallel arrays of scalars at the top of the answer, one
element per (group, bucket), filled by one aggregate: asyncpg decodes no array inside a
record, scalar arrays decode in C, and one pass needs no sort.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from asyncpg import Record

Histograms = dict[tuple[str, ...], dict[int, int]]
#: How every period filter over the daily rollups starts (the days are $1 and $2).
PERIOD = "day BETWEEN $1 AND $2"
#: week_bounds of a period without a whole week: no week, every day.
NO_WEEKS = (date.max, date.min)


def week_bounds(start: date, end: date) -> tuple[date, date]:
    """The Monday of the first and the Sunday of the last whole ISO week in [start, end]
    (NO_WEEKS when there is none)."""
    if (end - start).days < 6:
        return NO_WEEKS
    first = start + timedelta(days=(7 - start.weekday()) % 7)
    last = end - timedelta(days=(end.weekday() + 1) % 7)
    return (first, last) if first + timedelta(days=6) <= last else NO_WEEKS


def period_rows(daily: str, weekly: str, columns: str, where: str, weeks: int) -> str:
    """The rows of a period from a daily rollup and its weekly twin (`columns` of each):
    the whole weeks' from `weekly`, the edge days' from `daily`. `where` filters the daily
    rows over bound parameters and starts with PERIOD; parameters `weeks` and `weeks + 1`
    are the period's week_bounds."""
    if not where.startswith(PERIOD):
        msg = f"a period's filter starts with {PERIOD!r}"
        raise ValueError(msg)
    first, last = f"${weeks}", f"${weeks + 1}"
    # The edge days as two ranges of the index, before the first week and after the
    # last (NO_WEEKS: the first is the whole period, the second empty). `day NOT
    # BETWEEN` the weeks was a filter: the index read every day of the period and the
    # filter dropped the weeks' days, in the generic plan the API's statements settle on.
    before = f"{where} AND day < {first}"
    after = f"{where} AND day > {last} AND day >= {first}"
    weeks_only = f"week BETWEEN {first} AND {last}{where.removeprefix(PERIOD)}"
    # Names are this package's constants, never input; the filters bind their values.
    select = f"SELECT {columns} FROM"
    return (
        f"{select} {daily} WHERE {before} "
        f"UNION ALL {select} {daily} WHERE {after} "
        f"UNION ALL {select} {weekly} WHERE {weeks_only}"
    )


@dataclass(frozen=True, slots=True)
class FineHistogram:
    """A histogram rollup (daily `table`, its `weekly` twin) summed over a period by the
    group columns `keys`; `name` names its CTE and its answer's columns."""

    name: str
    table: str
    weekly: str
    count: str
    keys: tuple[str, ...]

    def cte(self, where: str, weeks: int) -> str:
        """The period's sums by group and bucket. `where` filters the daily rows over bound
        parameters and starts with PERIOD; parameters `weeks` and `weeks + 1` are the
        period's week_bounds."""
        group = ", ".join((*self.keys, "bucket"))
        rows = period_rows(self.table, self.weekly, f"{group}, {self.count} AS n", where, weeks)
        return (
            f"{self.name} AS MATERIALIZED (SELECT {group}, sum(n)::bigint AS n "  # noqa: S608
            f"FROM ({rows}) h GROUP BY {group} HAVING sum(n) <> 0)"
        )

    def arrays(self) -> str:
        """A FROM item of one row: one array per group column, the bucket and the count.
        One aggregate feeds every array from the same rows in the same order (no sort):
        element i of each is one (group, bucket) of the CTE."""
        aggregates = ", ".join(
            f"array_agg({c}) AS {self.name}_{c}" for c in (*self.keys, "bucket", "n")
        )
        return f"(SELECT {aggregates} FROM {self.name}) AS {self.name}_arrays"  # noqa: S608

    def read(self, result: Record) -> Histograms:
        """Each group's histogram (bucket -> count) by its key values."""
        buckets = result[f"{self.name}_bucket"] or []
        counts = result[f"{self.name}_n"] or []
        if not self.keys:
            return {(): dict(zip(buckets, counts, strict=True))} if buckets else {}
        keys = zip(*(result[f"{self.name}_{k}"] or [] for k in self.keys), strict=True)
        out: Histograms = {}
        for key, bucket, n in zip(keys, buckets, counts, strict=True):
            out.setdefault(key, {})[bucket] = n
        return out
