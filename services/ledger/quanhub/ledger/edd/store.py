"""Training an EDD model from kpi_edd_hist, and the API process's cache of models.

A model is trained on the delivery days of a window ending the day before `as_of` (CST),
so an answer for a given `as_of` never depends on when it was asked. The API keeps the
models of the few latest window ends and reloads one after REFRESH_SECONDS: a load reads
one row per (segment, bucket) of the window (an index range on the day) and sums levels
off the event loop's critical path.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta

import asyncpg
import structlog

from quanhub.ledger.edd.features import LAST_MILE_STATUSES, LAST_MILE_SUB_STATUSES
from quanhub.ledger.edd.model import EddModel, censored_bucket
from quanhub.ledger.edd.rollup import CST, PICKUP_KEYS_SQL
from quanhub.ledger.store.histogram import OPEN_FROM_SECONDS, fine_bucket_sql
from quanhub.ledger.store.writer import AnyConnection

log = structlog.get_logger(__name__)

#: A pool or connection of one PostgreSQL instance.
Reader = asyncpg.Pool | AnyConnection

#: Delivery days a model is trained on.
WINDOW_DAYS = 28
#: How long the API serves a model before it reloads it (seconds).
REFRESH_SECONDS = 300.0
#: Window ends (days) the API keeps models of.
KEEP_MODELS = 4

#: One row per segment and bucket of the window [$1, $2) (kpi_edd_hist: rollup.EDD_TABLE).
_WINDOW = (
    "SELECT carrier_id, origin_district, district_code, delivery_point, weekday, hour_band, "
    "bucket, sum(parcels)::bigint AS n "
    "FROM kpi_edd_hist WHERE day >= $1::date AND day < $2::date "
    "GROUP BY 1, 2, 3, 4, 5, 6, 7 HAVING sum(parcels) > 0"
)

#: A parcel open longer than this at the cut is taken for lost, not slow: not counted.
MAX_OPEN_SECONDS = OPEN_FROM_SECONDS
_AGE = "floor(extract(epoch FROM $2::timestamptz - p.picked_up_at))::bigint"
_LAST_MILE = (
    "(p.status = ANY('{" + ",".join(sorted(LAST_MILE_STATUSES)) + "}'::text[]) "
    "OR p.sub_status = ANY('{" + ",".join(sorted(LAST_MILE_SUB_STATUSES)) + "}'::text[]))"
)
#: The parcels picked up in [$1, $2) and not delivered by $2 (the cut): censored at their
#: age then, by segment (the destination only once the last mile began, as
#: features.known_segment reads it) and fine bucket of that age. Parcels going back to the
#: sender will not be delivered and are left out.
OPEN_AT_CUT = (
    "SELECT p.carrier_id, p.origin_district, "  # noqa: S608 - module constants
    f"CASE WHEN {_LAST_MILE} THEN p.district_code ELSE '' END AS district_code, "
    "p.delivery_point, "
    f"{PICKUP_KEYS_SQL['weekday']} AS weekday, {PICKUP_KEYS_SQL['hour_band']} AS hour_band, "
    f"{fine_bucket_sql(_AGE)} AS bucket, count(*)::bigint AS n "
    "FROM parcels p WHERE p.picked_up_at >= $1 AND p.picked_up_at < $2 "
    "AND (p.delivered_at IS NULL OR p.delivered_at >= $2) "
    "AND p.status NOT IN ('RETURNING', 'RETURNED', 'CANCELLED') "
    f"AND p.picked_up_at > $2::timestamptz - interval '{MAX_OPEN_SECONDS} seconds' "
    "GROUP BY 1, 2, 3, 4, 5, 6, 7"
)

_SINCE_OUT = (
    "floor(extract(epoch FROM CASE WHEN p.delivered_at < $2 THEN p.delivered_at ELSE $2 END "
    "- p.out_for_delivery_at))::bigint"
)
#: The last mile of the window [$1, $2): parcels first out for delivery before the cut and
#: delivered in the window (by the time from that scan to delivery), or not delivered by
#: the cut (censored at the time since that scan), by carrier, destination and point.
#: Picked up at most MAX_OPEN_SECONDS before the window (the pickup index bounds the read).
LAST_MILE_AT_CUT = (
    "SELECT p.carrier_id, p.district_code, p.delivery_point, "  # noqa: S608 - constants
    "p.delivered_at IS NOT NULL AND p.delivered_at < $2 AS delivered, "
    f"{fine_bucket_sql(_SINCE_OUT)} AS bucket, count(*)::bigint AS n "
    "FROM parcels p "
    f"WHERE p.picked_up_at >= $1::timestamptz - interval '{MAX_OPEN_SECONDS} seconds' "
    "AND p.picked_up_at < $2 AND p.out_for_delivery_at < $2 "
    "AND ((p.delivered_at >= $1 AND p.delivered_at < $2 "
    "AND p.delivered_at >= p.out_for_delivery_at) "
    "OR ((p.delivered_at IS NULL OR p.delivered_at >= $2) "
    "AND p.status NOT IN ('RETURNING', 'RETURNED', 'CANCELLED') "
    f"AND p.out_for_delivery_at > $2::timestamptz - interval '{MAX_OPEN_SECONDS} seconds')) "
    "GROUP BY 1, 2, 3, 4, 5"
)


def midnight(day: date) -> datetime:
    """The instant a CST day begins."""
    return datetime.combine(day, datetime.min.time(), tzinfo=UTC) - CST


def window_end(as_of: datetime) -> date:
    """The day after the last delivery day a model for `as_of` learns from: as_of's CST day."""
    return (as_of.astimezone(UTC) + CST).date()


async def train(
    conn: asyncpg.Pool | asyncpg.Connection,
    end_day: date,
    *,
    window_days: int = WINDOW_DAYS,
    others: Sequence[Reader] = (),
) -> EddModel:
    """The model of delivery days [end_day - window_days, end_day), with the parcels
    picked up in the window and still open at its end as censored observations, and the
    last mile of the parcels out for delivery in it. `others`: the other PostgreSQL
    instances holding ledger shards, whose counts add to `conn`'s (the model only adds)."""
    first_day = end_day - timedelta(days=window_days)
    model = EddModel(first_day=first_day, end_day=end_day)
    for reader in (conn, *others):
        await _add_counts(model, reader, first_day, end_day)
    return model


async def _add_counts(model: EddModel, conn: Reader, first_day: date, end_day: date) -> None:
    """Add one instance's delivered, open and last-mile counts of the window to `model`."""
    rows = await conn.fetch(_WINDOW, first_day, end_day)
    open_rows = await conn.fetch(OPEN_AT_CUT, midnight(first_day), midnight(end_day))
    last_mile = await conn.fetch(LAST_MILE_AT_CUT, midnight(first_day), midnight(end_day))
    for censored, source in ((False, rows), (True, open_rows)):
        for r in source:
            key = (
                r["carrier_id"],
                r["origin_district"],
                r["district_code"],
                r["delivery_point"],
                r["weekday"],
                r["hour_band"],
            )
            bucket = censored_bucket(r["bucket"]) if censored else r["bucket"]
            model.add(key, bucket, r["n"])
    for r in last_mile:
        bucket = r["bucket"] if r["delivered"] else censored_bucket(r["bucket"])
        model.add_last_mile(
            (r["carrier_id"], r["district_code"], r["delivery_point"]), bucket, r["n"]
        )


class EddModels:
    """The API process's models by window end, reloaded after `refresh_seconds`: a stale
    model keeps answering while one reload runs."""

    def __init__(
        self,
        pool: asyncpg.Pool,
        *,
        refresh_seconds: float = REFRESH_SECONDS,
        window_days: int = WINDOW_DAYS,
        others: Sequence[Reader] = (),
    ) -> None:
        self._pool = pool
        self._others = tuple(others)
        self._refresh = refresh_seconds
        self._window = window_days
        self._models: dict[date, tuple[float, EddModel]] = {}
        self._loading: dict[date, asyncio.Task[EddModel]] = {}

    async def _load(self, end_day: date) -> EddModel:
        model = await train(self._pool, end_day, window_days=self._window, others=self._others)
        await asyncio.to_thread(model.warm)
        self._models[end_day] = (time.monotonic(), model)
        while len(self._models) > KEEP_MODELS:
            del self._models[min(self._models)]
        return model

    def _start(self, end_day: date) -> asyncio.Task[EddModel]:
        task = self._loading.get(end_day)
        if task is None:
            task = asyncio.create_task(self._load(end_day))
            self._loading[end_day] = task
            task.add_done_callback(lambda done: self._loaded(end_day, done))
        return task

    def _loaded(self, end_day: date, task: asyncio.Task[EddModel]) -> None:
        """Forget a finished load; a failed one is logged (a waiting request sees it too),
        and the held model, if any, keeps answering until a later load succeeds."""
        self._loading.pop(end_day, None)
        if not task.cancelled() and (error := task.exception()) is not None:
            log.warning("edd_model_load_failed", end_day=str(end_day), error=repr(error))

    async def model(self, as_of: datetime, *, exact: bool = True) -> EddModel:
        """The model for `as_of`: loaded now if there is none, reloaded in the background
        if it is older than the refresh interval. Not `exact` (as_of is the clock's now),
        the previous day's model answers while the new day's loads, so that the first
        request after midnight waits for nothing (its model_as_of says so)."""
        end_day = window_end(as_of)
        held = self._models.get(end_day)
        if held is None:
            loading = self._start(end_day)
            previous = self._models.get(end_day - timedelta(days=1))
            if previous is not None and not exact:
                return previous[1]
            return await asyncio.shield(loading)
        loaded_at, model = held
        if time.monotonic() - loaded_at > self._refresh:
            self._start(end_day)
        return model
