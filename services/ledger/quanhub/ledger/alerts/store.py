"""Reading alerts from the ledger, and learning and loading the norms they are judged by."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

import asyncpg

from quanhub.common.access import Principal
from quanhub.ledger.alerts import sql
from quanhub.ledger.alerts.detect import (
    DeclarationState,
    ParcelState,
    declaration_alert,
    parcel_alert,
)
from quanhub.ledger.alerts.model import Alert, AlertKind
from quanhub.ledger.alerts.norms import (
    CUSTOMS_HELD_SUB_STATUSES,
    HORIZON,
    INVENTORY,
    PICKUP_STATUS,
    QUANTILE,
    Norm,
    Norms,
    gap_norms,
    leg_sql,
)
from quanhub.ledger.read.params import Params, Reader
from quanhub.ledger.read.visibility import declaration_visible, parcel_visible
from quanhub.ledger.store.everywhere import fetch_everywhere
from quanhub.ledger.store.projections import PROJECTABLE

_PARCEL_DONE = sql.PARCEL_DONE_SQL
_NO_STATUS = sql.NO_STATUS_SQL
_HELD = ", ".join(f"'{s}'" for s in sorted(CUSTOMS_HELD_SUB_STATUSES))

# The completed gaps of the training window, one per event with a next mapped event before
# the cutoff ($2), that started before the cutoff less HORIZON ($3).
_PARCEL_GAPS = f"""
WITH ev AS (
    SELECT e.carrier_id, e.status, e.sub_status, e.status_time,
           (array_agg(e.district_code) FILTER (WHERE e.district_code <> '') OVER w) AS districts,
           lead(e.status_time) OVER w AS next_at
    FROM ledger_events e
    WHERE e.kind = 'parcel' AND e.status NOT IN ({_NO_STATUS})
      AND e.status_time >= $1 AND e.status_time < $2 AND {PROJECTABLE}
    WINDOW w AS (PARTITION BY e.carrier_id, e.waybill_no
                 ORDER BY e.status_time, e.rank, e.event_id
                 ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW)
), gaps AS (
    SELECT carrier_id, status,
           {leg_sql("coalesce(districts[array_length(districts, 1)], '')", "sub_status")} AS leg,
           extract(epoch FROM next_at - status_time)::float8 AS seconds
    FROM ev
    WHERE next_at IS NOT NULL AND status_time < $3 AND status NOT IN ({_PARCEL_DONE})
      AND status <> '{PICKUP_STATUS}' AND sub_status NOT IN ({_HELD})
)
"""  # noqa: S608 - module constants only
_LEARN_PARCELS = (
    _PARCEL_GAPS
    + f"""SELECT CASE WHEN grouping(carrier_id) = 1 THEN ARRAY[status, leg]
            ELSE ARRAY[carrier_id, status, leg] END AS segment,
       count(*) AS samples,
       percentile_cont({QUANTILE}) WITHIN GROUP (ORDER BY seconds) AS quantile_seconds
FROM gaps
GROUP BY GROUPING SETS ((carrier_id, status, leg), (status, leg))
"""  # noqa: S608 - module constants only
)

_CUSTOMS_GAPS = f"""
WITH ev AS (
    SELECT d.trade_mode, e.status, e.status_time,
           lead(e.status_time) OVER w AS next_at
    FROM ledger_events e
    JOIN declarations d ON d.declaration_id = e.declaration_id
    WHERE e.kind = 'customs' AND d.document = '{INVENTORY}' AND e.status NOT IN ({_NO_STATUS})
      AND e.status_time >= $1 AND e.status_time < $2 AND {PROJECTABLE}
    WINDOW w AS (PARTITION BY e.declaration_id ORDER BY e.status_time, e.rank, e.event_id)
), gaps AS (
    SELECT trade_mode, status, extract(epoch FROM next_at - status_time)::float8 AS seconds
    FROM ev
    WHERE next_at IS NOT NULL AND status_time < $3 AND status NOT IN ({sql.CUSTOMS_DONE_SQL})
)
"""  # noqa: S608 - module constants only
_LEARN_CUSTOMS = (
    _CUSTOMS_GAPS
    + f"""SELECT CASE WHEN grouping(trade_mode) = 1 THEN ARRAY[status]
            ELSE ARRAY[trade_mode, status] END AS segment,
       count(*) AS samples,
       percentile_cont({QUANTILE}) WITHIN GROUP (ORDER BY seconds) AS quantile_seconds
FROM gaps
GROUP BY GROUPING SETS ((trade_mode, status), (status))
"""  # noqa: S608 - module constants only
)

#: Each finest segment's gaps (seconds), for norms learned over several instances.
_PARCEL_GAP_LISTS = (
    _PARCEL_GAPS + "SELECT ARRAY[carrier_id, status, leg] AS segment, array_agg(seconds) AS gaps "
    "FROM gaps GROUP BY carrier_id, status, leg\n"
)
_CUSTOMS_GAP_LISTS = (
    _CUSTOMS_GAPS + "SELECT ARRAY[trade_mode, status] AS segment, array_agg(seconds) AS gaps "
    "FROM gaps GROUP BY trade_mode, status\n"
)


def _norm(row: asyncpg.Record, scope: str | None = None) -> Norm:
    return Norm(
        scope or row["scope"], tuple(row["segment"]), row["samples"], row["quantile_seconds"]
    )


@dataclass(frozen=True, slots=True)
class Learned:
    """What a training run learned (`save` stores it)."""

    until: datetime
    window: timedelta
    norms: list[Norm]


async def learn(
    db: Reader, until: datetime, window: timedelta, *, others: Sequence[Reader] = ()
) -> Learned:
    """Learn the norms from the gaps of [until - window, until) (reads only). `others`:
    the other PostgreSQL instances holding shards (docs/ledger.md "Shards"); a quantile
    of several instances is no combination of theirs, so each then sends its gaps and the
    quantiles are taken over all of them (norms.gap_norms: PostgreSQL's own arithmetic)."""
    start, settled = until - window, until - HORIZON
    norms: list[Norm] = []
    if not others:
        for scope, statement in (("parcel", _LEARN_PARCELS), ("customs", _LEARN_CUSTOMS)):
            rows = await db.fetch(statement, start, until, settled)
            norms += [_norm(r, scope) for r in rows]
        return Learned(until, window, norms)
    for scope, statement in (("parcel", _PARCEL_GAP_LISTS), ("customs", _CUSTOMS_GAP_LISTS)):
        parts = await fetch_everywhere(db, others, statement, start, until, settled)
        norms += gap_norms(scope, ((tuple(r["segment"]), r["gaps"]) for p in parts for r in p))
    return Learned(until, window, norms)


async def save(conn: asyncpg.Connection, learned: Learned) -> None:
    """Replace the stored norms (one transaction: readers see the old norms or the new,
    never a mix)."""
    async with conn.transaction():
        await conn.execute("DELETE FROM alert_norms")
        await conn.executemany(
            "INSERT INTO alert_norms (scope, segment, samples, quantile_seconds) "
            "VALUES ($1, $2, $3, $4)",
            [(n.scope, list(n.segment), n.samples, n.quantile_seconds) for n in learned.norms],
        )
        await conn.execute(
            "INSERT INTO alert_training (trained_until, window_seconds) VALUES ($1, $2) "
            "ON CONFLICT (singleton) DO UPDATE SET trained_until = EXCLUDED.trained_until, "
            "window_seconds = EXCLUDED.window_seconds",
            learned.until,
            int(learned.window.total_seconds()),
        )


async def load_norms(db: Reader) -> tuple[list[Norm], datetime | None]:
    """The stored norms and their training cutoff (None when never trained: no norms)."""
    rows = await db.fetch("SELECT scope, segment, samples, quantile_seconds FROM alert_norms")
    until = await db.fetchval("SELECT trained_until FROM alert_training")
    return [_norm(r) for r in rows], until


async def ledger_clock(db: Reader) -> datetime | None:
    """The ledger's clock: the latest status time of any parcel (simulated traffic keeps
    its own time, so the wall clock would be the wrong "now")."""
    value: datetime | None = await db.fetchval(sql.CLOCK)
    return value


@dataclass(frozen=True, slots=True)
class Found:
    """The alerts at an instant, each with whether the caller may list it."""

    alerts: list[tuple[Alert, bool]]


#: A visibility predicate builder of quanhub.ledger.read.visibility (principal, alias, params).
_Visible = Callable[[Principal, str, Params], str]
#: Writes one statement of a search, adding its values to the Params it is given.
Build = Callable[[Params], str]


@dataclass(frozen=True, slots=True)
class Search:
    """What `find` asks: the caller, the norms, the instant and the filters."""

    principal: Principal
    norms: Norms
    as_of: datetime
    historical: bool
    city_counts: bool
    carrier: str | None
    kinds: frozenset[AlertKind]

    def _build(self, then: str, now: str, visible: _Visible, alias: str) -> Build:
        """The statement over the table aliased `alias`, each row with `visible`."""
        cut = self.as_of - self.norms.lowest()

        def build(params: Params) -> str:
            vis = visible(self.principal, alias, params)
            only = "" if self.city_counts else f" AND {vis}"
            if self.carrier is not None:
                only += f" AND {alias}.carrier_id = {params.add(self.carrier)}"
            return (then if self.historical else now).format(
                vis=vis, only=only, as_of=params.add(self.as_of), cut=params.add(cut)
            )

        return build

    @property
    def parcels(self) -> Build | None:
        """The parcels' statement (None when no parcel kind is asked for)."""
        if not self.kinds & {AlertKind.STALLED, AlertKind.UNCOLLECTED}:
            return None
        return self._build(sql.PARCELS_THEN, sql.PARCELS_NOW, parcel_visible, "p")

    @property
    def declarations(self) -> Build | None:
        """The inventories' statement (None unless customs_stuck is asked for)."""
        if AlertKind.CUSTOMS_STUCK not in self.kinds:
            return None
        return self._build(sql.DECLARATIONS_THEN, sql.DECLARATIONS_NOW, declaration_visible, "d")

    def parcel_alerts(self, rows: Iterable[asyncpg.Record]) -> list[tuple[Alert, bool]]:
        """The alerts among parcel rows, each with its row's `visible`."""
        out: list[tuple[Alert, bool]] = []
        for r in rows:
            state = ParcelState(
                r["carrier_id"],
                r["waybill_no"],
                r["status"],
                r["sub_status"],
                r["since"],
                r["district_code"],
            )
            alert = parcel_alert(state, self.norms, self.as_of)
            if alert is not None and alert.kind in self.kinds:
                out.append((alert, bool(r["visible"])))
        return out

    def declaration_alerts(self, rows: Iterable[asyncpg.Record]) -> list[tuple[Alert, bool]]:
        """The alerts among inventory rows, each with its row's `visible`."""
        out: list[tuple[Alert, bool]] = []
        for r in rows:
            state = DeclarationState(
                r["declarant"],
                r["cop_no"],
                r["trade_mode"],
                r["status"],
                r["since"],
                r["district_code"],
            )
            alert = declaration_alert(state, self.norms, self.as_of)
            if alert is not None:
                out.append((alert, bool(r["visible"])))
        return out


async def _rows(db: Reader, build: Build) -> list[asyncpg.Record]:
    params = Params()
    statement = build(params)
    found: list[asyncpg.Record] = await db.fetch(statement, *params.values)
    return found


async def find(
    db: Reader,
    principal: Principal,
    norms: Norms,
    *,
    as_of: datetime,
    historical: bool,
    city_counts: bool,
    carrier: str | None,
    kinds: frozenset[AlertKind],
) -> Found:
    """Every alert at `as_of` (historical: rebuilt from the events up to it), with the
    caller's right to list it. Without `city_counts` only the caller's own are read."""
    search = Search(principal, norms, as_of, historical, city_counts, carrier, kinds)
    out: list[tuple[Alert, bool]] = []
    if search.parcels is not None:
        out += search.parcel_alerts(await _rows(db, search.parcels))
    if search.declarations is not None:
        out += search.declaration_alerts(await _rows(db, search.declarations))
    return Found(out)
