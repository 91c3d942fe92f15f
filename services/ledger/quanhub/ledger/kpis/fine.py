"""Reading a period's fine histograms (kpi_delivery_hist, kpi_clearance_hist) per group.

The counts come back as parallel arrays of scalars at the top of the answer, one element
per (group, bucket) in one order: asyncpg decodes no array inside a record, and scalar
arrays decode in C, faster than as many records.
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

    def columns(self) -> str:
        """One array column per group column, the bucket and the count, in one order."""
        order = ", ".join((*self.keys, "bucket"))
        return ", ".join(
            f"ARRAY(SELECT {c} FROM {self.name} ORDER BY {order}) AS {self.name}_{c}"  # noqa: S608
            for c in (*self.keys, "bucket", "n")
        )

    def read(self, result: Record) -> Histograms:
        """Each group's histogram (bucket -> count) by its key values."""
        keys = zip(*(result[f"{self.name}_{k}"] for k in self.keys), strict=True)
        buckets, counts = result[f"{self.name}_bucket"], result[f"{self.name}_n"]
        out: Histograms = {}
        if not self.keys:
            return {(): dict(zip(buckets, counts, strict=True))} if buckets else {}
        for key, bucket, n in zip(keys, buckets, counts, strict=True):
            out.setdefault(key, {})[bucket] = n
        return out
