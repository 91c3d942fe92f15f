"""Finished days' city detections computed ahead, so that asking for one is a lookup.

A city question for a day no one asked before reads about 10 days of a district's windows
and runs the detector over them: tens of milliseconds of the API's one event loop, and
the clients asking new days wait for each other. A finished CST day's detection (as of
its end, every carrier, the city) only changes when a scan lands in the daily rows it
reads (the day and the 9 before it), so it is computed once, in the background, and
kept with the version of those rows (store.KeptIncidents): an ask checks the version
with one aggregate statement, and a late scan makes it read again, exactly as without
the detection kept. Each pass reads every day's row count and scans in one statement
and computes again only the days whose version moved (a late event for a day: that day
and the 9 days after it, which read it as their baseline). The detector runs in
worker processes (WorkerDetector; the passes' at a low priority), so the loop only reads
rows and waits; the current day, still changing, is computed on ask.

With the shards on several PostgreSQL instances, each pass reads every instance's days
and adds them up (store.py: a day's version is the sums of the instances' rows and
scans), so a late scan on any instance makes its days computed again.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import os
import time
from collections.abc import AsyncIterator, Callable, Hashable, Sequence
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import date, timedelta

import structlog

from quanhub.common.clock import Clock
from quanhub.ledger.edd.accuracy_book import Slices
from quanhub.ledger.incidents.detect import (
    CST_WINDOWS,
    WINDOWS_PER_DAY,
    Incident,
    Thresholds,
    day_of,
    window_of,
)
from quanhub.ledger.incidents.store import (
    Detector,
    FlowRows,
    KeptIncidents,
    day_bounds,
    detect_rows,
    detected,
    detection_input,
    detection_key,
)
from quanhub.ledger.read.params import Reader
from quanhub.ledger.store.everywhere import fetch_everywhere

log = structlog.get_logger(__name__)

#: Finished days computed ahead, back from yesterday (CST).
AHEAD_DAYS = 366
#: Pause between two passes over the days' versions.
PASS_SECONDS = 60.0
#: Worker processes of the passes' detector (days computed at once: one more, a day's
#: rows are read while the workers detect), and their niceness: the requests (and the
#: EDD accuracy book, on the API's loop) go first, yet on a loaded machine the first
#: pass, a year of days, still gets a share (docs/performance.md).
WORKERS = 2
AHEAD_NICE = 5
#: Worker processes of the asks' detections, at the API's priority: clients asking new
#: days at once are not all queued behind one (the API has one loop; two cores here).
ASK_WORKERS = 2

_EPOCH = date(1970, 1, 1)

# Each CST day's daily rows (flows, the shards' rows summed) and scans, in [$1, $2): the
# versions of the detections (with several instances, the instances' added up).
_DAY_TOTALS = """
SELECT (day - DATE '1970-01-01') AS day, count(DISTINCT (carrier_id, district_code)) AS n,
       sum(scans)::bigint AS scans
FROM incident_flow_daily
WHERE day >= $1 AND day < $2
GROUP BY day
"""


class WorkerDetector:
    """Runs the detector (store.detect_rows) in worker processes, spawned on first use:
    the detector is pure Python over ints, and in a thread it would share the loop's
    core through the GIL."""

    def __init__(self, workers: int = 1, *, nice: int = 0) -> None:
        self._workers = workers
        self._nice = nice
        self._pool: ProcessPoolExecutor | None = None

    def _executor(self) -> ProcessPoolExecutor:
        if self._pool is None:
            context = multiprocessing.get_context("spawn")
            self._pool = ProcessPoolExecutor(
                max_workers=self._workers,
                mp_context=context,
                initializer=os.nice,  # 0: the API's priority
                initargs=(self._nice,),
            )
        return self._pool

    async def start(self) -> None:
        """Spawn every worker now (a spawn imports the detector: a first ask would wait
        for it), one job each at once."""
        loop = asyncio.get_running_loop()
        pool = self._executor()
        jobs = (loop.run_in_executor(pool, int) for _ in range(self._workers))  # int(): 0
        await asyncio.gather(*jobs)

    async def __call__(
        self, flows: FlowRows, first: int, last: int, t: Thresholds
    ) -> list[Incident]:
        loop = asyncio.get_running_loop()
        try:
            return await loop.run_in_executor(self._executor(), detect_rows, flows, first, last, t)
        except BrokenProcessPool:
            log.warning("incidents_worker_lost")
            self.close()  # the next detection spawns new workers; this one runs here
            return detect_rows(flows, first, last, t)

    def close(self) -> None:
        """Let the worker go (a detection it is running is left to finish)."""
        if self._pool is not None:
            self._pool.shutdown(wait=False, cancel_futures=True)
            self._pool = None

    async def aclose(self) -> None:
        """Stop the worker and wait for it (its queues and locks freed), off the loop."""
        pool, self._pool = self._pool, None
        if pool is not None:
            await asyncio.to_thread(pool.shutdown, wait=True, cancel_futures=True)


class IncidentsAhead:
    """Computes the finished days' city detections into `kept`, newest first, from `db`
    (home) and `others` (the other instances of the shard map, if any)."""

    def __init__(
        self,
        db: Reader,
        clock: Clock,
        kept: KeptIncidents,
        *,
        detector: Detector | None = None,
        thresholds: Thresholds | None = None,
        days: int = AHEAD_DAYS,
        parallel: int = WORKERS + 1,
        others: Sequence[Reader] = (),
    ) -> None:
        self._db = db
        self._others = tuple(others)
        self._clock = clock
        self._kept = kept
        self._detector = detector
        self._t = thresholds or Thresholds()
        self._days = days
        self._parallel = parallel
        #: After each day read, turns of the loop until one passes with next to nothing
        #: else to run (or 20 ms): requests, and the EDD accuracy book, go first.
        self._turns = Slices(budget=0.0)

    async def catch_up(self) -> int:
        """One pass: every finished day whose detection is not kept at its rows' version
        is computed (days without rows need none), up to `parallel` days at a time (one
        day's rows are read while the detector runs over others); how many were."""
        t = self._t
        today = day_of(window_of(self._clock.now()))
        oldest = today - self._days
        low = day_bounds(*day_windows(oldest), t)[0]
        parts = await fetch_everywhere(
            self._db, self._others, _DAY_TOTALS, low, _EPOCH + timedelta(today)
        )
        totals: dict[int, tuple[int, int]] = {}
        for rows in parts:
            for row in rows:
                n, scans = totals.get(row["day"], (0, 0))
                totals[row["day"]] = (n + row["n"], scans + row["scans"])
        wanted: set[Hashable] = set()
        todo: list[tuple[int, int, Hashable]] = []
        for day in range(today - 1, oldest - 1, -1):
            first, last = day_windows(day)
            since, until = ((d - _EPOCH).days for d in day_bounds(first, last, t))
            read = [totals[d] for d in range(since, until + 1) if d in totals]
            if not read:
                continue
            version = (sum(n for n, _ in read), sum(s for _, s in read))
            key = detection_key(first, last, None, t)
            wanted.add(key)
            found = self._kept.get(key, version)  # computed ahead, or asked for
            if found is None:
                todo.append((first, last, key))
            elif self._kept.ahead_version(key) != version:
                self._kept.keep_ahead(key, version, found)
        slots = asyncio.Semaphore(self._parallel)

        async def compute(first: int, last: int, key: Hashable) -> None:
            async with slots:  # taken in the order asked: the newest days first
                # Read again with the rows: the version they were read at is the one kept.
                read_at, flows = await detection_input(
                    self._db, first, last, None, t, others=self._others
                )
                await self._turns.run((None,))  # the loop's other work goes first
                found = await detected(flows, first, last, t, self._detector)
                self._kept.keep_ahead(key, read_at, found)

        async with asyncio.TaskGroup() as group:
            for first, last, key in todo:
                group.create_task(compute(first, last, key))
        self._kept.forget_ahead(wanted)
        return len(todo)

    async def keep_up(
        self, interval: float = PASS_SECONDS, on_pass: Callable[[], None] | None = None
    ) -> None:
        """Pass after pass, `interval` apart, until cancelled; `on_pass` is called after
        each (done or failed)."""
        while True:
            began = time.monotonic()
            try:
                computed = await self.catch_up()
            except Exception as exc:  # noqa: BLE001 - a failed pass is tried again; asks compute meanwhile
                log.warning("incidents_ahead_failed", error=repr(exc))
            else:
                if computed:
                    seconds = round(time.monotonic() - began, 3)
                    log.info("incidents_ahead_computed", days=computed, seconds=seconds)
            if on_pass is not None:
                on_pass()
            await asyncio.sleep(interval)


def day_windows(day: int) -> tuple[int, int]:
    """The first and last window of CST day `day` (days since the epoch): a question
    for the day as of its end reads them."""
    first = day * WINDOWS_PER_DAY - CST_WINDOWS
    return first, first + WINDOWS_PER_DAY - 1


@dataclass(frozen=True, slots=True)
class Detections:
    """A process's kept detections, and the detector its asks run (None: in process)."""

    kept: KeptIncidents
    detector: Detector | None = None
    #: The other instances of the shard map, whose rollups the detections read too.
    others: Sequence[Reader] = ()


@asynccontextmanager
async def incidents_ahead(
    db: Reader,
    clock: Clock,
    on_pass: Callable[[], None] | None = None,
    *,
    others: Sequence[Reader] = (),
) -> AsyncIterator[Detections]:
    """The process's kept detections, the finished days' computed ahead in the background
    (worker processes at a lower priority) while the context lasts, and worker processes
    for the asks' detections (the loop stays free for the other requests). Readiness
    does not wait for the days: one asked before its detection is computed is computed
    on ask. `on_pass` is called after each pass over the days; `others` are the other
    instances of the shard map (the asks are given them by the route: Detections.others)."""
    kept = KeptIncidents()
    asks, ahead = WorkerDetector(ASK_WORKERS), WorkerDetector(WORKERS, nice=AHEAD_NICE)
    tasks = [
        asyncio.create_task(asks.start()),
        asyncio.create_task(
            IncidentsAhead(db, clock, kept, detector=ahead, others=others).keep_up(on_pass=on_pass)
        ),
    ]
    try:
        yield Detections(kept, asks, tuple(others))
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        await ahead.aclose()
        await asks.aclose()
