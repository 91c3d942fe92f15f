"""The API process's daily EDD accuracy figures, computed from the ledger on first use.

A delivery day's figures (per carrier and destination district) need the model of every
pickup day its parcels came from, so they are far too heavy to compute per request (a
model per pickup day, a scan of the day's deliveries). The read pool is read-only, so they
are kept in memory like the EDD models (edd.store): a finished day's figures are computed
once and then summed per request. Only finished CST days are counted (days before as_of's
day), so a day's figures do not move while its deliveries come in; the last RECENT_DAYS of
them are recomputed in the background after REFRESH_SECONDS for late events.
"""

from __future__ import annotations

import asyncio
import time
from collections import OrderedDict
from datetime import UTC, date, datetime, timedelta

import asyncpg
import structlog

from quanhub.ledger.edd.accuracy import AtPickup, Tally, at_pickup, score
from quanhub.ledger.edd.model import EddModel
from quanhub.ledger.edd.rollup import CST, pickup_keys
from quanhub.ledger.edd.store import WINDOW_DAYS, window_end

log = structlog.get_logger(__name__)

#: Finished days this close to as_of's day are recomputed after REFRESH_SECONDS.
RECENT_DAYS = 3
REFRESH_SECONDS = 300.0
#: Pickup-day models kept while days are computed (a period's pickups span its days and
#: the longest delivery times before them).
KEEP_MODELS = 8

#: Timed parcels first delivered on the CST days [$1, $2).
_DELIVERED = """
SELECT carrier_id, district_code, origin_district, picked_up_at, delivered_at
FROM parcels
WHERE delivered_at >= $1 AND delivered_at < $2
  AND picked_up_at IS NOT NULL AND delivered_at >= picked_up_at
"""

#: The window's rows (kpi_edd_hist) as a prediction at pickup reads them: destination and
#: delivery point are not known then, so they are summed in SQL (fewer rows, cheaper levels).
_AT_PICKUP_WINDOW = (
    "SELECT carrier_id, origin_district, weekday, hour_band, bucket, sum(parcels)::bigint AS n "
    "FROM kpi_edd_hist WHERE day >= $1::date AND day < $2::date "
    "GROUP BY 1, 2, 3, 4, 5 HAVING sum(parcels) > 0"
)

#: (carrier, destination district) -> its tally, for one delivery day.
DayFigures = dict[tuple[str, str], Tally]


def _midnight(day: date) -> datetime:
    return datetime.combine(day, datetime.min.time(), tzinfo=UTC) - CST


class AccuracyBook:
    """Daily accuracy figures by CST delivery day, computed from the ledger on first use."""

    def __init__(self, pool: asyncpg.Pool, *, refresh_seconds: float = REFRESH_SECONDS) -> None:
        self._pool = pool
        self._refresh = refresh_seconds
        self._days: dict[date, tuple[float, DayFigures]] = {}
        self._models: OrderedDict[date, EddModel] = OrderedDict()
        self._lock = asyncio.Lock()
        self._refreshing: set[date] = set()

    async def figures(self, first: date, last: date, today: date) -> dict[date, DayFigures]:
        """Each finished day of [first, last] (days before `today`) and its figures."""
        last = min(last, today - timedelta(days=1))
        days = [first + timedelta(days=i) for i in range((last - first).days + 1)]
        missing = [d for d in days if d not in self._days]
        if missing:
            async with self._lock:  # one computation at a time; a waiter finds it done
                missing = [d for d in missing if d not in self._days]
                if missing:
                    await self._compute(missing)
        stale = [
            d
            for d in days
            if d >= today - timedelta(days=RECENT_DAYS)
            and time.monotonic() - self._days[d][0] > self._refresh
            and d not in self._refreshing
        ]
        if stale:
            self._refreshing.update(stale)
            task = asyncio.create_task(self._recompute(stale))
            task.add_done_callback(lambda done: self._refreshed(stale, done))
        return {d: self._days[d][1] for d in days}

    async def _recompute(self, days: list[date]) -> list[date]:
        async with self._lock:
            await self._compute(days)
        return days

    def _refreshed(self, days: list[date], task: asyncio.Task[list[date]]) -> None:
        """Forget a finished refresh; a failed one is logged and the held figures answer."""
        self._refreshing.difference_update(days)
        if not task.cancelled() and (error := task.exception()) is not None:
            log.warning("edd_accuracy_refresh_failed", error=repr(error))

    async def _compute(self, days: list[date]) -> None:
        """The figures of `days`: one read of their deliveries, a model per pickup day."""
        rows = await self._pool.fetch(
            _DELIVERED, _midnight(min(days)), _midnight(max(days) + timedelta(days=1))
        )
        wanted = set(days)
        computed: dict[date, DayFigures] = {d: {} for d in days}
        predictions: dict[tuple[date, str, str, int, int], AtPickup | None] = {}
        for r in sorted(rows, key=lambda r: r["picked_up_at"]):
            day = window_end(r["delivered_at"])
            if day not in wanted:
                continue
            picked_up_at: datetime = r["picked_up_at"]
            pickup_day = window_end(picked_up_at)
            memo = (pickup_day, r["carrier_id"], r["origin_district"], *pickup_keys(picked_up_at))
            if memo not in predictions:
                model = await self._model(pickup_day)
                predictions[memo] = at_pickup(
                    model,
                    carrier_id=r["carrier_id"],
                    origin_district=r["origin_district"],
                    picked_up_at=picked_up_at,
                )
            took = (r["delivered_at"] - picked_up_at).total_seconds()
            figures = computed[day]
            key = (r["carrier_id"], r["district_code"])
            figures.setdefault(key, Tally()).add(score(predictions[memo], took))
        loaded = time.monotonic()
        for day, figures in computed.items():
            self._days[day] = (loaded, figures)

    async def _model(self, pickup_day: date) -> EddModel:
        """The model the API served on `pickup_day` (trained on the delivery days before),
        as far as a prediction at pickup reads it: the same figures as edd.store.train's."""
        model = self._models.get(pickup_day)
        if model is None:
            first_day = pickup_day - timedelta(days=WINDOW_DAYS)
            model = EddModel(first_day=first_day, end_day=pickup_day)
            for r in await self._pool.fetch(_AT_PICKUP_WINDOW, first_day, pickup_day):
                key = (r["carrier_id"], r["origin_district"], "", "", r["weekday"], r["hour_band"])
                model.add(key, r["bucket"], r["n"])
            self._models[pickup_day] = model
            while len(self._models) > KEEP_MODELS:
                self._models.popitem(last=False)
        else:
            self._models.move_to_end(pickup_day)
        return model
