"""Synthetic scan counts for the detector's unit tests: a day's shape by hour and
Poisson draws around it."""

from __future__ import annotations

import math
import random

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
