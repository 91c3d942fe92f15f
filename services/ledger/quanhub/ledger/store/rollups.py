"""KPI rollups kept exact: subtract an object's contribution, refresh it, add it back.

Each rollup is a GROUP BY over a projection restricted to the touched objects. Running it
with sign -1 before the projections are refreshed and +1 after keeps every rollup equal to
the same GROUP BY over the whole projection, which is what a rebuild computes.

Every rollup row is also keyed by shard (migration 0043): a projector step writes its own
shard's rows only, so steps of different shards share no rollup row and need not take
turns for them; readers sum over the shards. An object's events are in one shard (its
key picks the partition), so its whole contribution is in that shard's rows; a rebuild,
which has no step's shard, reads the object's shard from its events (RollupSpec.owner).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from quanhub.ledger.edd.rollup import EDD_TABLE, PICKUP_KEYS_SQL
from quanhub.ledger.store.histogram import fine_bucket_sql

#: Hour boundaries of the duration histograms (columns b0.. of the duration rollups); the
#: last bucket is open-ended. The KPI report reads its buckets with the same boundaries.
DURATION_BUCKETS_HOURS: tuple[int, ...] = (12, 24, 48, 72, 120)
#: The State Post Bureau's on-time limits: delivered within this many hours of pickup
#: (whole seconds, limit included); columns within_<h>h of kpi_lane_daily.
ON_TIME_HOURS: tuple[int, ...] = (48, 72)

_CST = "AT TIME ZONE 'Asia/Shanghai'"


@dataclass(frozen=True, slots=True)
class RollupSpec:
    """One rollup table: its key expressions, summed value expressions and source rows;
    `weekly` names its weekly twin (the same sums by the ISO week of its `day` key), if any;
    `owner` is the shard of a source row's object, read from its events (for a rebuild)."""

    table: str
    keys: dict[str, str]
    values: dict[str, str]
    source: str
    owner: str
    where: str = "true"
    joins: str = ""
    weekly: str = ""


def _buckets(seconds: str) -> dict[str, str]:
    edges = [0, *DURATION_BUCKETS_HOURS]
    out: dict[str, str] = {}
    for i, lower in enumerate(edges):
        upper = edges[i + 1] if i + 1 < len(edges) else None
        cond = f"{seconds} >= {lower * 3600}"
        if upper is not None:
            cond += f" AND {seconds} < {upper * 3600}"
        out[f"b{i}"] = f"count(*) FILTER (WHERE {cond})"
    return out


_DELIVERY_SECONDS = "floor(extract(epoch FROM p.delivered_at - p.picked_up_at))::bigint"
_TIMED = "p.picked_up_at IS NOT NULL AND p.delivered_at >= p.picked_up_at"
_CLEARANCE_SECONDS = "floor(extract(epoch FROM d.released_at - d.declared_at))::bigint"

_DELIVERED_TIMED = f"p.delivered_at IS NOT NULL AND {_TIMED}"
_PARCELS = "parcels p JOIN touched_parcels t USING (carrier_id, waybill_no)"
_RELEASED = (
    "d.document = 'INVENTORY' AND d.released_at IS NOT NULL AND d.released_at >= d.declared_at"
)
_DECLARATIONS = "declarations d JOIN touched_declarations t USING (declaration_id)"
# The shard of the parcel `p` / declaration `d`: the one its events are in (max: a shard
# count changed since, with its events split, attributes it to one of them).
_PARCEL_SHARD = (
    "(SELECT max(e.shard) FROM ledger_events e WHERE e.carrier_id = p.carrier_id "
    "AND e.waybill_no = p.waybill_no AND e.kind = 'parcel')"
)
_DECLARATION_SHARD = (
    "(SELECT max(e.shard) FROM ledger_events e WHERE e.declaration_id = d.declaration_id "
    "AND e.kind = 'customs')"
)
_OWNER = {_PARCELS: _PARCEL_SHARD, _DECLARATIONS: _DECLARATION_SHARD}


@dataclass(frozen=True, slots=True)
class _Histogram:
    """What a fine-histogram rollup counts: objects of `source` that pass `where`, by the
    CST day (or week) of the instant `at`, the `keys` and the fine bucket of `seconds`;
    `count` names the column that counts them."""

    at: str
    keys: dict[str, str]
    seconds: str
    count: str
    source: str
    where: str


def _day(at: str) -> str:
    return f"({at} {_CST})::date"


def _hist(table: str, h: _Histogram, weekly: str = "") -> RollupSpec:
    """The rollup of histogram `h` by CST day (and its `weekly` twin, if named): the
    delivery and clearance histograms and the EDD segments alike."""
    return RollupSpec(
        table=table,
        keys={"day": _day(h.at), **h.keys, "bucket": fine_bucket_sql(h.seconds)},
        values={h.count: "count(*)"},
        source=h.source,
        owner=_OWNER[h.source],
        where=h.where,
        weekly=weekly,
    )


_LANE = {
    "carrier_id": "p.carrier_id",
    "origin_district": "p.origin_district",
    "district_code": "p.district_code",
}
_DELIVERY_HIST = _Histogram(
    "p.delivered_at", _LANE, _DELIVERY_SECONDS, "parcels", _PARCELS, _DELIVERED_TIMED
)
_EDD_HIST = _Histogram(
    "p.delivered_at",
    {**_LANE, "delivery_point": "p.delivery_point", **PICKUP_KEYS_SQL},
    _DELIVERY_SECONDS,
    "parcels",
    _PARCELS,
    _DELIVERED_TIMED,
)
_CLEARANCE_HIST = _Histogram(
    "d.released_at",
    {"district_code": "d.district_code", "trade_mode": "d.trade_mode"},
    _CLEARANCE_SECONDS,
    "released",
    _DECLARATIONS,
    _RELEASED,
)

_PARCEL_DAILY = RollupSpec(
    table="kpi_parcel_daily",
    keys={
        "day": f"(p.first_event_at {_CST})::date",
        "district_code": "p.district_code",
        "carrier_id": "p.carrier_id",
    },
    values={
        "parcels": "count(*)",
        "events": "sum(p.event_count)",
        "ewaybill_known": "count(*) FILTER (WHERE p.e_waybill IS NOT NULL)",
        "ewaybill_events": "coalesce(sum(p.event_count) FILTER (WHERE p.e_waybill IS NOT NULL), 0)",
        "ewaybill_yes": "count(*) FILTER (WHERE p.e_waybill)",
        "bag_known": "count(*) FILTER (WHERE p.transit_bag <> '')",
        "bag_events": "coalesce(sum(p.event_count) FILTER (WHERE p.transit_bag <> ''), 0)",
        "bag_recyclable": "count(*) FILTER (WHERE p.transit_bag = 'RECYCLABLE')",
        "exceptions": "count(*) FILTER (WHERE p.had_exception)",
        "returns": "count(*) FILTER (WHERE p.had_return)",
    },
    source=_PARCELS,
    owner=_PARCEL_SHARD,
)
_DELIVERY_DAILY = RollupSpec(
    table="kpi_delivery_daily",
    keys={
        "day": f"(p.delivered_at {_CST})::date",
        "district_code": "p.district_code",
        "carrier_id": "p.carrier_id",
    },
    values={
        "delivered": "count(*)",
        "point_known": "count(*) FILTER (WHERE p.delivery_point <> '')",
        "point_events": "coalesce(sum(p.event_count) FILTER (WHERE p.delivery_point <> ''), 0)",
        "locker": "count(*) FILTER (WHERE p.delivery_point = 'SMART_LOCKER')",
        "timed": f"count(*) FILTER (WHERE {_TIMED})",
        "timed_events": f"coalesce(sum(p.event_count) FILTER (WHERE {_TIMED}), 0)",
        "seconds_sum": f"coalesce(sum({_DELIVERY_SECONDS}) FILTER (WHERE {_TIMED}), 0)",
        **{
            name: expr.replace("WHERE ", f"WHERE {_TIMED} AND ")
            for name, expr in _buckets(_DELIVERY_SECONDS).items()
        },
    },
    source=_PARCELS,
    owner=_PARCEL_SHARD,
    where="p.delivered_at IS NOT NULL",
)

_LANE_DAILY = RollupSpec(
    table="kpi_lane_daily",
    keys={
        "day": f"(p.delivered_at {_CST})::date",
        "carrier_id": "p.carrier_id",
        "origin_district": "p.origin_district",
        "district_code": "p.district_code",
    },
    values={
        "delivered": "count(*)",
        "timed": f"count(*) FILTER (WHERE {_TIMED})",
        "timed_events": f"coalesce(sum(p.event_count) FILTER (WHERE {_TIMED}), 0)",
        **{
            f"within_{hours}h": f"count(*) FILTER (WHERE {_TIMED} "
            f"AND {_DELIVERY_SECONDS} <= {hours * 3600})"
            for hours in ON_TIME_HOURS
        },
        "seconds_sum": f"coalesce(sum({_DELIVERY_SECONDS}) FILTER (WHERE {_TIMED}), 0)",
    },
    source=_PARCELS,
    owner=_PARCEL_SHARD,
    where="p.delivered_at IS NOT NULL",
)


def _weekly(daily: RollupSpec, table: str) -> RollupSpec:
    """A rollup by CST day with its weekly twin `table`: the same values by ISO week
    (Monday) in place of the day, kept from the day's contribution (contribution_sql)."""
    if "day" not in daily.keys:
        msg = f"{daily.table} has no day to sum by week"
        raise ValueError(msg)
    return replace(daily, weekly=table)


ROLLUPS: tuple[RollupSpec, ...] = (
    _weekly(_PARCEL_DAILY, "kpi_parcel_weekly"),
    _weekly(_DELIVERY_DAILY, "kpi_delivery_weekly"),
    _weekly(_LANE_DAILY, "kpi_lane_weekly"),
    _hist("kpi_delivery_hist", _DELIVERY_HIST, weekly="kpi_delivery_hist_weekly"),
    # predicted delivery's segments (quanhub.ledger.edd)
    _hist(EDD_TABLE, _EDD_HIST),
    RollupSpec(
        table="kpi_customs_daily",
        keys={
            "day": f"(d.declared_at {_CST})::date",
            "district_code": "d.district_code",
            "trade_mode": "d.trade_mode",
        },
        values={
            "declarations": "count(*)",
            "with_receipt": "count(*) FILTER (WHERE d.receipt_count > 0)",
            "receipt_events": "coalesce(sum(d.event_count) FILTER (WHERE d.receipt_count > 0), 0)",
            "rejected": "count(*) FILTER (WHERE d.rejected AND d.receipt_count > 0)",
        },
        source=_DECLARATIONS,
        owner=_DECLARATION_SHARD,
    ),
    RollupSpec(
        table="kpi_rejection_reasons",
        keys={
            "day": f"(d.declared_at {_CST})::date",
            "district_code": "d.district_code",
            "trade_mode": "d.trade_mode",
            "reason": "r.reason",
        },
        values={"declarations": "count(*)"},
        source=_DECLARATIONS,
        owner=_DECLARATION_SHARD,
        joins="CROSS JOIN unnest(d.rejection_reasons) AS r(reason)",
        where="d.receipt_count > 0",
    ),
    RollupSpec(
        table="kpi_clearance_daily",
        keys={
            "day": f"(d.released_at {_CST})::date",
            "district_code": "d.district_code",
            "trade_mode": "d.trade_mode",
        },
        values={
            "released": "count(*)",
            "events": "sum(d.event_count)",
            "seconds_sum": f"sum({_CLEARANCE_SECONDS})",
            **_buckets(_CLEARANCE_SECONDS),
        },
        source=_DECLARATIONS,
        owner=_DECLARATION_SHARD,
        where=_RELEASED,
    ),
    _hist("kpi_clearance_hist", _CLEARANCE_HIST, weekly="kpi_clearance_hist_weekly"),
)


#: A rollup's upsert: every slot is a fixed fragment of a RollupSpec (table, column lists,
#: key and value expressions, source rows) or the sign.
_CONTRIBUTION = """
INSERT INTO {table} AS r ({keys}, {values})
SELECT {select} FROM {source} {joins} WHERE {where} GROUP BY {group}
ON CONFLICT ({keys}) DO UPDATE SET {updates};
"""
#: The same for a rollup with a weekly twin: the day's contribution once (`c`), upserted
#: by day and, summed by ISO week of its day, into the twin. A data-modifying WITH runs
#: once whether read or not; both upserts see the same rows of `c`.
_TWINNED = """
WITH c AS (SELECT {named} FROM {source} {joins} WHERE {where} GROUP BY {group}),
d AS (INSERT INTO {table} AS r ({keys}, {values}) SELECT {keys}, {values} FROM c
      ON CONFLICT ({keys}) DO UPDATE SET {updates})
INSERT INTO {weekly} AS r (week, {rest}, {values})
SELECT day - (extract(isodow FROM day)::int - 1), {rest}, {sums} FROM c GROUP BY {week_group}
ON CONFLICT (week, {rest}) DO UPDATE SET {updates};
"""


def contribution_sql(spec: RollupSpec, sign: int, shard: int | None = None) -> str:
    """Add (sign=1) or subtract (sign=-1) the touched objects' contribution to a rollup
    (and to its weekly twin), in shard `shard`'s rows (a step's); None: in each object's
    own shard's rows (a rebuild)."""
    owner = spec.owner if shard is None else str(int(shard))
    spec = replace(spec, keys={**spec.keys, "shard": owner})
    keys = ", ".join(spec.keys)
    values = ", ".join(spec.values)
    select = [*spec.keys.values(), *(f"{sign} * ({expr})" for expr in spec.values.values())]
    updates = ", ".join(f"{v} = r.{v} + EXCLUDED.{v}" for v in spec.values)
    group = ", ".join(str(i) for i in range(1, len(spec.keys) + 1))
    if spec.weekly:
        rest = [k for k in spec.keys if k != "day"]
        return _TWINNED.format(
            named=", ".join(
                f"{expr} AS {name}"
                for expr, name in zip(select, (*spec.keys, *spec.values), strict=True)
            ),
            source=spec.source,
            joins=spec.joins,
            where=spec.where,
            group=group,
            table=spec.table,
            keys=keys,
            values=values,
            updates=updates,
            weekly=spec.weekly,
            rest=", ".join(rest),
            sums=", ".join(f"sum({v})" for v in spec.values),
            week_group=", ".join(str(i) for i in range(1, len(rest) + 2)),
        )
    return _CONTRIBUTION.format(
        table=spec.table,
        keys=keys,
        values=values,
        select=", ".join(select),
        source=spec.source,
        joins=spec.joins,
        where=spec.where,
        group=group,
        updates=updates,
    )


def retract_sql(shard: int) -> str:
    """Subtract the touched objects' contributions from shard `shard`'s rows of every
    rollup (a step, before the projections are refreshed)."""
    return "".join(contribution_sql(spec, -1, shard) for spec in ROLLUPS)


def add_sql(shard: int | None = None) -> str:
    """Add the touched objects' contributions to shard `shard`'s rows of every rollup (a
    step, after the refresh); None: to each object's own shard's rows (a rebuild)."""
    return "".join(contribution_sql(spec, 1, shard) for spec in ROLLUPS)


ROLLUP_TABLES = tuple(t for spec in ROLLUPS for t in (spec.table, spec.weekly) if t)
#: The column that counts objects in each rollup (0 means the row is inert).
COUNT_COLUMN = {
    t: next(iter(spec.values)) for spec in ROLLUPS for t in (spec.table, spec.weekly) if t
}
