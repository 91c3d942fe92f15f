"""The accuracy book computes in slices: the API's event loop answers meanwhile.

The book's reads are stood in for by a fake pool (its rows are what the three statements
return); what is checked is the pure computation's hold on the loop.
"""

from __future__ import annotations

import asyncio
import gc
import time
from datetime import UTC, date, datetime, timedelta

from quanhub.ledger.edd import accuracy_book
from quanhub.ledger.edd.accuracy_book import PATIENCE_SECONDS, SLICE_SECONDS, AccuracyBook
from quanhub.ledger.edd.rollup import CST, pickup_keys
from quanhub.ledger.store.histogram import fine_bucket

H = 3600
FIRST = date(2026, 11, 1)
DAYS = 6
CARRIERS = ("SF", "ZTO", "YTO", "JD")
ORIGINS = tuple(f"3701{i:02d}" for i in range(12))


def _at(day: date, hour: float) -> datetime:
    return datetime.combine(day, datetime.min.time(), tzinfo=UTC) - CST + timedelta(hours=hour)


class _Pool:
    """The three statements' rows: a month of history, then DAYS days of deliveries."""

    def __init__(self) -> None:
        self.days: list[dict[str, object]] = []
        for d in range(-30, DAYS):
            for carrier in CARRIERS:
                for origin in ORIGINS:
                    for band in range(6):
                        for k in range(4):
                            self.days.append(
                                {
                                    "day": FIRST + timedelta(days=d),
                                    "carrier_id": carrier,
                                    "origin_district": origin,
                                    "weekday": (d + 6) % 7,
                                    "hour_band": band,
                                    "bucket": fine_bucket((20 + 7 * k + band) * H),
                                    "n": 1 + k,
                                }
                            )
        self.delivered: list[dict[str, object]] = []
        for d in range(DAYS):
            for carrier in CARRIERS:
                for origin in ORIGINS:
                    for hour in range(0, 24, 2):
                        picked = _at(FIRST + timedelta(days=d), hour + 0.5)
                        self.delivered.append(
                            {
                                "carrier_id": carrier,
                                "district_code": "370102",
                                "origin_district": origin,
                                "picked_up_at": picked,
                                "delivered_at": picked + timedelta(hours=30),
                            }
                        )
        self.open: list[dict[str, object]] = []
        for d in range(-3, DAYS):
            for carrier in CARRIERS:
                picked = _at(FIRST + timedelta(days=d), 9)
                weekday, band = pickup_keys(picked)
                self.open.append(
                    {
                        "carrier_id": carrier,
                        "origin_district": ORIGINS[0],
                        "weekday": weekday,
                        "hour_band": band,
                        "picked_up_at": picked,
                        "delivered_at": None,
                    }
                )

    async def fetch(self, sql: str, *args: object) -> list[dict[str, object]]:
        await asyncio.sleep(0)
        if sql == accuracy_book._DELIVERED:
            return self.delivered
        if sql == accuracy_book._DAYS:
            return self.days
        assert sql == accuracy_book._OPEN
        return self.open


async def test_the_loop_answers_while_the_book_computes() -> None:
    book = AccuracyBook(_Pool())  # type: ignore[arg-type]
    gaps: list[float] = []
    done = False

    async def ticker() -> None:
        """The CPU the loop's thread spent between two turns of this task: a wall clock
        would also count the time the OS gave the core to other processes."""
        last = time.thread_time()
        while not done:
            await asyncio.sleep(0)
            now = time.thread_time()
            gaps.append(now - last)
            last = now

    # The collector's full passes over what earlier tests left (hundreds of ms late in the
    # suite) are not the book's work: the heap that exists before the test is frozen.
    gc.collect()
    gc.freeze()
    try:
        ticking = asyncio.create_task(ticker())
        started = time.perf_counter()
        last_day = FIRST + timedelta(days=DAYS + 2)
        figures = await book.figures(FIRST, last_day, last_day + timedelta(days=1))
        took = time.perf_counter() - started
        done = True
        await ticking
    finally:
        gc.unfreeze()
    delivered = sum(t.delivered for f in figures.values() for t in f.values())
    assert delivered == len(CARRIERS) * len(ORIGINS) * 12 * DAYS
    # A computation far longer than a slice, and the loop never held much longer than one
    # (a request's handler runs between two slices).
    assert took > 20 * SLICE_SECONDS
    assert max(gaps) < 10 * SLICE_SECONDS, (max(gaps), took)


async def test_a_busy_loop_goes_first() -> None:
    """A loop busy with other work (requests) gives the book a small share of its time:
    after each slice the others go first, up to PATIENCE_SECONDS."""
    book = AccuracyBook(_Pool())  # type: ignore[arg-type]
    busy = 0.0
    done = False

    async def requests() -> None:
        nonlocal busy
        while not done:
            began = time.perf_counter()
            while time.perf_counter() - began < 0.0005:
                pass
            busy += time.perf_counter() - began
            await asyncio.sleep(0)

    other = asyncio.create_task(requests())
    started = time.perf_counter()
    last_day = FIRST + timedelta(days=DAYS + 2)
    await book.figures(FIRST, last_day, last_day + timedelta(days=1))
    took = time.perf_counter() - started
    done = True
    await other
    # At most SLICE_SECONDS / (SLICE_SECONDS + PATIENCE_SECONDS), 9 %, is the book's when
    # the others always have work; some slack for a shared machine.
    assert SLICE_SECONDS / (SLICE_SECONDS + PATIENCE_SECONDS) < 0.1
    assert busy / took > 0.7, (busy, took)
