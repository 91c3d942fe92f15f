"""Synthetic scan counts for the detector's unit tests: a day's shape by hour and
Poisson draws around it."""

from __future__ import annotations

import math
import random
from collections.abc import Sequence
from datetime import datetime, timedelta

from quanhub.ledger.incidents.detect import window_of, window_start
from quanhub.ledger.incidents.windows import WINDOWS_PER_DAY


def day_shape(w: int) -> float:
    """Quiet nights, busy days: window `w`'s share of the day's peak (by its UTC hour)."""
    hour = (w % WINDOWS_PER_DAY) / 6
    return 0.15 + 0.85 * max(0.0, math.sin(math.pi * (hour - 22) / 14)) ** 0.5


def poisson(rng: random.Random, mean: float) -> int:
    """A Poisson draw (Knuth's method: fine for the small means here)."""
    limit, k, p = math.exp(-mean), 0, 1.0
    while True:
        p *= rng.random()
        if p <= limit:
            return k
        k += 1


#: A stop: (carrier, district, start, hours without scans).
Stop = tuple[str, str, datetime, int]


def stopped_flows(
    rng: random.Random,
    start: datetime,
    end: datetime,
    carriers: Sequence[str],
    districts: Sequence[str],
    *,
    stops: Sequence[Stop],
    night_districts: Sequence[str] = (),
) -> dict[tuple[str, str], dict[int, int]]:
    """Each carrier's Poisson scans in each district, window by window from `start` to
    `end`, the k-th carrier at (8 + 3k) scans a window times the day's shape, none during
    the stops; a district in `night_districts` works nights (its day shifted 12 hours)."""
    counts: dict[tuple[str, str], dict[int, int]] = {}
    for district in districts:
        shift = WINDOWS_PER_DAY // 2 if district in night_districts else 0
        for k, carrier in enumerate(carriers):
            windows: dict[int, int] = {}
            for w in range(window_of(start), window_of(end)):
                at = window_start(w)
                stopped = any(
                    (c, d) == (carrier, district) and s <= at < s + timedelta(hours=h)
                    for c, d, s, h in stops
                )
                n = 0 if stopped else poisson(rng, (8 + 3 * k) * day_shape(w + shift))
                if n:
                    windows[w] = n
            counts[(carrier, district)] = windows
    return counts
