"""The API process's daily EDD accuracy figures, computed from the ledger on first use.

A delivery day's figures (per carrier and destination district) need the model of every
pickup day its parcels came from, so they are far too heavy to compute per request. The
read pool is read-only, so they are kept in memory like the EDD models (edd.store): a
finished day's figures are computed once and then summed per request. Only finished CST
days are counted (days before as_of's day), so a day's figures do not move while its
deliveries come in; the last RECENT_DAYS of them are recomputed in the background after
REFRESH_SECONDS for late events.

The pickup days' models are not trained one by one: a prediction at pickup reads only
the levels of carrier, origin, weekday and hour band, so one read of kpi_edd_hist's days
(destination and point summed in SQL) feeds running sums of those levels, slid a day at a
time from one pickup day's window to the next (EddModel.use_level).
"""

from __future__ import annotations

import asyncio
import time
from collections import defaultdict
from datetime import UTC, date, datetime, timedelta

import asyncpg
import structlog

from quanhub.ledger.edd.accuracy import AtPickup, Tally, at_pickup, score
from quanhub.ledger.edd.model import FEATURES, LEVELS, EddModel, Value, censored_bucket
from quanhub.ledger.edd.rollup import CST, PICKUP_KEYS_SQL, pickup_keys
from quanhub.ledger.edd.store import MAX_OPEN_SECONDS, WINDOW_DAYS, window_end
from quanhub.ledger.store.histogram import fine_bucket

log = structlog.get_logger(__name__)

#: Finished days this close to as_of's day are recomputed after REFRESH_SECONDS.
RECENT_DAYS = 3
REFRESH_SECONDS = 300.0

#: Timed parcels first delivered on the CST days [$1, $2).
_DELIVERED = """
SELECT carrier_id, district_code, origin_district, picked_up_at, delivered_at
FROM parcels
WHERE delivered_at >= $1 AND delivered_at < $2
  AND picked_up_at IS NOT NULL AND delivered_at >= picked_up_at
"""
#: kpi_edd_hist's delivery days [$1, $2) as a prediction at pickup reads them: destination
#: and delivery point are not known then, so they are summed here.
_DAYS = (
    "SELECT day, carrier_id, origin_district, weekday, hour_band, bucket, "
    "sum(parcels)::bigint AS n FROM kpi_edd_hist WHERE day >= $1::date AND day < $2::date "
    "GROUP BY 1, 2, 3, 4, 5, 6 HAVING sum(parcels) > 0"
)
#: Parcels picked up in [$1, $2) and not delivered before $3: open at some pickup day's
#: cut, censored observations of that day's model (edd.store.OPEN_AT_CUT, per cut).
_OPEN = (
    "SELECT p.carrier_id, p.origin_district, "  # noqa: S608 - module constants
    f"{PICKUP_KEYS_SQL['weekday']} AS weekday, {PICKUP_KEYS_SQL['hour_band']} AS hour_band, "
    "p.picked_up_at, p.delivered_at FROM parcels p "
    "WHERE p.picked_up_at >= $1 AND p.picked_up_at < $2 "
    "AND (p.delivered_at IS NULL OR p.delivered_at >= $3) "
    "AND p.status NOT IN ('RETURNING', 'RETURNED', 'CANCELLED')"
)
#: What is known at pickup, and the levels (FEATURES positions) a prediction then reads:
#: the fallback chain's known features, and the carrier alone (also the baseline).
_KNOWN_AT_PICKUP = frozenset({"carrier", "origin", "weekday", "hour_band"})
AT_PICKUP_LEVELS: tuple[tuple[int, ...], ...] = tuple(
    sorted(
        {
            tuple(i for i, f in enumerate(FEATURES) if f in features and f in _KNOWN_AT_PICKUP)
            for _, features in LEVELS
        }
    )
)

#: (carrier, destination district) -> its tally, for one delivery day.
DayFigures = dict[tuple[str, str], Tally]
Counts = dict[tuple[Value, ...], dict[int, int]]


def _midnight(day: date) -> datetime:
    return datetime.combine(day, datetime.min.time(), tzinfo=UTC) - CST


class DayWindow:
    """Running sums of the at-pickup levels over a window of delivery days, slid forward."""

    def __init__(self, rows: list[asyncpg.Record]) -> None:
        self._days: dict[date, list[tuple[tuple[Value, ...], int, int]]] = defaultdict(list)
        for r in rows:
            full = (r["carrier_id"], r["origin_district"], "", "", r["weekday"], r["hour_band"])
            self._days[r["day"]].append((full, r["bucket"], r["n"]))
        self.levels: dict[tuple[int, ...], Counts] = {kept: {} for kept in AT_PICKUP_LEVELS}
        self._span: tuple[date, date] | None = None

    def _shift(self, day: date, sign: int) -> None:
        for full, bucket, n in self._days.get(day, ()):
            for kept, level in self.levels.items():
                counts = level.setdefault(tuple(full[i] for i in kept), {})
                counts[bucket] = counts.get(bucket, 0) + sign * n

    def open_at(self, rows: list[tuple[tuple[Value, ...], int]], sign: int) -> None:
        """Add (sign +1) or take back (-1) the parcels open at a cut, censored."""
        for full, bucket in rows:
            for kept, level in self.levels.items():
                counts = level.setdefault(tuple(full[i] for i in kept), {})
                key = censored_bucket(bucket)
                counts[key] = counts.get(key, 0) + sign

    def slide(self, first: date, end: date) -> None:
        """Make the sums those of days [first, end); windows only move forward."""
        low, high = self._span or (first, first)
        for i in range((min(high, first) - low).days):
            self._shift(low + timedelta(days=i), -1)
        start = max(high, first)
        for i in range((end - start).days):
            self._shift(start + timedelta(days=i), +1)
        self._span = (first, end)


def open_at_cuts(
    rows: list[asyncpg.Record], cuts: set[date]
) -> dict[date, list[tuple[tuple[Value, ...], int]]]:
    """For each pickup day (its model's cut is the day's start), the parcels picked up in
    its window and still open then, as (full segment at pickup, bucket of their age)."""
    out: dict[date, list[tuple[tuple[Value, ...], int]]] = {d: [] for d in cuts}
    window_of = timedelta(days=WINDOW_DAYS)
    for r in rows:
        picked: datetime = r["picked_up_at"]
        delivered: datetime | None = r["delivered_at"]
        full = (r["carrier_id"], r["origin_district"], "", "", r["weekday"], r["hour_band"])
        day = window_end(picked) + timedelta(days=1)
        while day in out or day <= max(cuts):
            cut = _midnight(day)
            age = (cut - picked).total_seconds()
            if age > MAX_OPEN_SECONDS or (delivered is not None and delivered < cut):
                break
            if day in out and cut - window_of <= picked:
                out[day].append((full, fine_bucket(int(age))))
            day += timedelta(days=1)
    return out


class AccuracyBook:
    """Daily accuracy figures by CST delivery day, computed from the ledger on first use."""

    def __init__(self, pool: asyncpg.Pool, *, refresh_seconds: float = REFRESH_SECONDS) -> None:
        self._pool = pool
        self._refresh = refresh_seconds
        self._days: dict[date, tuple[float, DayFigures]] = {}
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
        """The figures of `days`: one read of their deliveries, one of the rollup's days
        their pickup days' models learn from, a prediction per pickup segment."""
        rows = await self._pool.fetch(
            _DELIVERED, _midnight(min(days)), _midnight(max(days) + timedelta(days=1))
        )
        computed: dict[date, DayFigures] = {d: {} for d in days}
        by_pickup: dict[date, list[asyncpg.Record]] = defaultdict(list)
        for r in rows:
            if window_end(r["delivered_at"]) in computed:
                by_pickup[window_end(r["picked_up_at"])].append(r)
        if by_pickup:
            window_of = timedelta(days=WINDOW_DAYS)
            first, last = min(by_pickup), max(by_pickup)
            window = DayWindow(await self._pool.fetch(_DAYS, first - window_of, last))
            opened = open_at_cuts(
                await self._pool.fetch(
                    _OPEN, _midnight(first - window_of), _midnight(last), _midnight(first)
                ),
                set(by_pickup),
            )
            for pickup_day in sorted(by_pickup):
                window.slide(pickup_day - window_of, pickup_day)
                window.open_at(opened[pickup_day], +1)
                model = EddModel(first_day=pickup_day - window_of, end_day=pickup_day)
                for kept, level in window.levels.items():
                    model.use_level(kept, level)
                self._score(model, by_pickup[pickup_day], computed)
                window.open_at(opened[pickup_day], -1)
        loaded = time.monotonic()
        for day, figures in computed.items():
            self._days[day] = (loaded, figures)

    @staticmethod
    def _score(
        model: EddModel, parcels: list[asyncpg.Record], into: dict[date, DayFigures]
    ) -> None:
        """Each parcel picked up on the model's day, scored into its delivery day."""
        predictions: dict[tuple[str, str, int, int], AtPickup | None] = {}
        for r in parcels:
            picked_up_at: datetime = r["picked_up_at"]
            memo = (r["carrier_id"], r["origin_district"], *pickup_keys(picked_up_at))
            if memo not in predictions:
                predictions[memo] = at_pickup(
                    model,
                    carrier_id=r["carrier_id"],
                    origin_district=r["origin_district"],
                    picked_up_at=picked_up_at,
                )
            took = (r["delivered_at"] - picked_up_at).total_seconds()
            figures = into[window_end(r["delivered_at"])]
            key = (r["carrier_id"], r["district_code"])
            figures.setdefault(key, Tally()).add(score(predictions[memo], took))
