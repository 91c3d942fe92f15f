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

A month of days is seconds of Python at 10M events, on the API's event loop: the
computation runs in slices of at most SLICE_SECONDS (its loops are generators, yielding
between rows, and Slices gives the loop a turn when a slice is spent), so every other
request is answered meanwhile instead of waiting for the whole book. A thread would not
do better: the GIL shares one core between the two, and the loop waits up to the
interpreter's switch interval (5 ms) at each wake-up.

With the shards on several PostgreSQL instances each reads every instance (`others`) and
takes the rows of all: the parcels are each on one instance, and the rollup's counts
only add, so the figures are those of one instance holding every row.
"""

from __future__ import annotations

import asyncio
import time
from collections import defaultdict
from collections.abc import Iterable, Iterator, Sequence
from datetime import UTC, date, datetime, timedelta
from itertools import chain
from typing import Any

import asyncpg
import structlog

from quanhub.ledger.edd.accuracy import AtPickup, Tally, at_pickup, score
from quanhub.ledger.edd.model import FEATURES, LEVELS, EddModel, Value, censored_bucket
from quanhub.ledger.edd.rollup import CST, PICKUP_KEYS_SQL, pickup_keys
from quanhub.ledger.edd.store import MAX_OPEN_SECONDS, WINDOW_DAYS, window_end
from quanhub.ledger.store.everywhere import Reader, fetch_everywhere
from quanhub.ledger.store.histogram import fine_bucket

log = structlog.get_logger(__name__)

#: Finished days this close to as_of's day are recomputed after REFRESH_SECONDS.
RECENT_DAYS = 3
REFRESH_SECONDS = 300.0
#: The longest the computation holds the event loop at a time.
SLICE_SECONDS = 0.002
#: After a slice, the longest it lets the loop's other work go first (Slices).
PATIENCE_SECONDS = 0.02
#: A turn of the loop this short ran next to nothing besides the computation.
IDLE_TURN_SECONDS = 0.0002

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


class Slices:
    """Runs generators of work on the event loop at a low priority: after every `budget`
    seconds of it (a generator yields between its units of work) the loop gets turns
    until one passes with next to nothing else to run, or `patience` seconds have
    passed. An idle API computes at full speed; a busy one gives the work at least
    budget / (budget + patience) of its time, so the requests are not slowed much."""

    def __init__(self, budget: float = SLICE_SECONDS, patience: float = PATIENCE_SECONDS) -> None:
        self._budget = budget
        self._patience = patience
        self._since = time.perf_counter()

    async def run(self, steps: Iterable[object]) -> None:
        """Run `steps` to the end."""
        budget = self._budget
        clock = time.perf_counter
        for _ in steps:
            if clock() - self._since >= budget:
                await self._turns()
                self._since = clock()

    async def _turns(self) -> None:
        clock = time.perf_counter
        began = clock()
        while True:
            turn = clock()
            await asyncio.sleep(0)
            now = clock()
            if now - turn < IDLE_TURN_SECONDS or now - began >= self._patience:
                return


def _done(steps: Iterable[object]) -> None:
    """Run `steps` to the end at once (off the loop, or when small)."""
    for _ in steps:
        pass


class DayWindow:
    """Running sums of the at-pickup levels over a window of delivery days, slid forward."""

    def __init__(self, rows: list[asyncpg.Record]) -> None:
        self.days: dict[date, list[tuple[tuple[Value, ...], int, int]]] = defaultdict(list)
        self.levels: dict[tuple[int, ...], Counts] = {kept: {} for kept in AT_PICKUP_LEVELS}
        self._span: tuple[date, date] | None = None
        _done(self.reading(rows))

    def reading(self, rows: list[asyncpg.Record]) -> Iterator[None]:
        """Take in kpi_edd_hist's rows (_DAYS), a row at a time."""
        for r in rows:
            full = (r["carrier_id"], r["origin_district"], "", "", r["weekday"], r["hour_band"])
            self.days[r["day"]].append((full, r["bucket"], r["n"]))
            yield

    def _shift(self, day: date, sign: int) -> Iterator[None]:
        for full, bucket, n in self.days.get(day, ()):
            for kept, level in self.levels.items():
                counts = level.setdefault(tuple(full[i] for i in kept), {})
                counts[bucket] = counts.get(bucket, 0) + sign * n
            yield

    def open_at(self, rows: list[tuple[tuple[Value, ...], int]], sign: int) -> None:
        """Add (sign +1) or take back (-1) the parcels open at a cut, censored."""
        _done(self.opening(rows, sign))

    def opening(self, rows: list[tuple[tuple[Value, ...], int]], sign: int) -> Iterator[None]:
        """open_at, a row at a time."""
        for full, bucket in rows:
            for kept, level in self.levels.items():
                counts = level.setdefault(tuple(full[i] for i in kept), {})
                key = censored_bucket(bucket)
                counts[key] = counts.get(key, 0) + sign
            yield

    def slide(self, first: date, end: date) -> None:
        """Make the sums those of days [first, end); windows only move forward."""
        _done(self.sliding(first, end))

    def sliding(self, first: date, end: date) -> Iterator[None]:
        """slide, a row at a time."""
        low, high = self._span or (first, first)
        for i in range((min(high, first) - low).days):
            yield from self._shift(low + timedelta(days=i), -1)
        start = max(high, first)
        for i in range((end - start).days):
            yield from self._shift(start + timedelta(days=i), +1)
        self._span = (first, end)


def open_at_cuts(
    rows: list[asyncpg.Record], cuts: set[date]
) -> dict[date, list[tuple[tuple[Value, ...], int]]]:
    """For each pickup day (its model's cut is the day's start), the parcels picked up in
    its window and still open then, as (full segment at pickup, bucket of their age)."""
    out: dict[date, list[tuple[tuple[Value, ...], int]]] = {d: [] for d in cuts}
    _done(_open_at_cuts(rows, cuts, out))
    return out


def _open_at_cuts(
    rows: list[asyncpg.Record],
    cuts: set[date],
    out: dict[date, list[tuple[tuple[Value, ...], int]]],
) -> Iterator[None]:
    """open_at_cuts into `out`, a row at a time."""
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
        yield


class AccuracyBook:
    """Daily accuracy figures by CST delivery day, computed from the ledger on first use:
    from `pool` (home) and `others` (the other instances of the shard map, if any)."""

    def __init__(
        self,
        pool: asyncpg.Pool,
        *,
        refresh_seconds: float = REFRESH_SECONDS,
        others: Sequence[Reader] = (),
    ) -> None:
        self._pool = pool
        self._others = tuple(others)
        self._refresh = refresh_seconds
        self._days: dict[date, tuple[float, DayFigures]] = {}
        self._lock = asyncio.Lock()
        self._refreshing: set[date] = set()

    def holds(self, first: date, last: date) -> bool:
        """Every day of [first, last] is computed."""
        return all(first + timedelta(days=i) in self._days for i in range((last - first).days + 1))

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
        began = time.monotonic()
        rows = await self._fetch(
            _DELIVERED, _midnight(min(days)), _midnight(max(days) + timedelta(days=1))
        )
        slices = Slices()
        computed: dict[date, DayFigures] = {d: {} for d in days}
        by_pickup: dict[date, list[asyncpg.Record]] = defaultdict(list)
        await slices.run(_by_pickup(rows, computed, by_pickup))
        if by_pickup:
            window_of = timedelta(days=WINDOW_DAYS)
            first, last = min(by_pickup), max(by_pickup)
            window = DayWindow([])
            history = await self._fetch(_DAYS, first - window_of, last)
            await slices.run(window.reading(history))
            opened: dict[date, list[tuple[tuple[Value, ...], int]]] = {d: [] for d in by_pickup}
            open_rows = await self._fetch(
                _OPEN, _midnight(first - window_of), _midnight(last), _midnight(first)
            )
            await slices.run(_open_at_cuts(open_rows, set(by_pickup), opened))
            for pickup_day in sorted(by_pickup):
                await slices.run(window.sliding(pickup_day - window_of, pickup_day))
                await slices.run(window.opening(opened[pickup_day], +1))
                model = EddModel(first_day=pickup_day - window_of, end_day=pickup_day)
                for kept, level in window.levels.items():
                    model.use_level(kept, level)
                await slices.run(self._score(model, by_pickup[pickup_day], computed))
                await slices.run(window.opening(opened[pickup_day], -1))
            # Freed at once at the return, ~10^5 rows and sums would hold the loop for
            # tens of milliseconds.
            await slices.run(
                _emptied(history, open_rows, opened, window.days, *window.levels.values())
            )
        await slices.run(_emptied(by_pickup, rows))
        loaded = time.monotonic()
        for day, figures in computed.items():
            self._days[day] = (loaded, figures)
        log.info("edd_accuracy_computed", days=len(days), seconds=round(loaded - began, 3))

    async def _fetch(self, sql: str, *args: object) -> list[asyncpg.Record]:
        """The rows of `sql` on every instance (on one: its one statement's)."""
        if not self._others:
            return await self._pool.fetch(sql, *args)
        parts = await fetch_everywhere(self._pool, self._others, sql, *args)
        return list(chain.from_iterable(parts))

    @staticmethod
    def _score(
        model: EddModel, parcels: list[asyncpg.Record], into: dict[date, DayFigures]
    ) -> Iterator[None]:
        """Each parcel picked up on the model's day, scored into its delivery day, a
        parcel at a time."""
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
            yield


def _emptied(*held: list[Any] | dict[Any, Any]) -> Iterator[None]:
    """Empty lists and dicts the computation held, an item at a time."""
    for items in held:
        if isinstance(items, list):
            while items:
                items.pop()
                yield
        else:
            while items:
                items.popitem()
                yield


def _by_pickup(
    rows: list[asyncpg.Record],
    computed: dict[date, DayFigures],
    into: dict[date, list[asyncpg.Record]],
) -> Iterator[None]:
    """The parcels delivered on the days `computed`, by pickup day, a row at a time."""
    for r in rows:
        if window_end(r["delivered_at"]) in computed:
            into[window_end(r["picked_up_at"])].append(r)
        yield
