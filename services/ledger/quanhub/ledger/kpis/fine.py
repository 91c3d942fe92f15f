"""Reading a period's fine histograms (kpi_delivery_hist, kpi_clearance_hist) per group.

The counts come back as parallel arrays of scalars at the top of the answer, one element
per (group, bucket), filled by one aggregate: asyncpg decodes no array inside a record,
scalar arrays decode in C, and one pass needs no sort.
"""

from __future__ import annotations

from dataclasses import dataclass

from asyncpg import Record

Histograms = dict[tuple[str, ...], dict[int, int]]


@dataclass(frozen=True, slots=True)
class FineHistogram:
    """A histogram rollup summed over a period by the group columns `keys`; `name` names
    its CTE and its answer's columns."""

    name: str
    table: str
    count: str
    keys: tuple[str, ...]

    def cte(self, where: str) -> str:
        """The period's sums by group and bucket (`where`: a filter over bound parameters)."""
        group = ", ".join((*self.keys, "bucket"))
        # Names are this package's constants, never input; `where` binds its values.
        sums = f"sum({self.count})"
        return (
            f"{self.name} AS MATERIALIZED (SELECT {group}, {sums}::bigint AS n "  # noqa: S608
            f"FROM {self.table} WHERE {where} GROUP BY {group} HAVING {sums} <> 0)"
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
