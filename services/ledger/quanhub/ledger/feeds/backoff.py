"""When a failed webhook delivery is tried again, and when a subscription gives up and pauses.

Attempt n (n = 1 after the first failure) waits `base * 2**(n-1)` seconds, capped at `cap`,
times a jitter factor drawn uniformly from [1 - jitter, 1 + jitter]. With the defaults
(5 s base, 3 h cap, ±10 % jitter, pause after 21 failed attempts) the 20 waits are
5 s, 10 s, 20 s, … 85 min, 171 min, then 3 h eight times: 29.7 hours in all, never less
than 26.7 hours even with the least favourable jitter. See docs/feeds.md.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """Exponential backoff with jitter and a ceiling on consecutive failures."""

    base_seconds: float = 5.0
    cap_seconds: float = 3 * 3600.0
    jitter: float = 0.1
    #: After this many failed attempts of one delivery the subscription pauses.
    max_attempts: int = 21

    def nominal_delay(self, failures: int) -> float:
        """The wait after `failures` failed attempts, before jitter (seconds)."""
        if failures < 1:
            msg = "failures counts from 1"
            raise ValueError(msg)
        exponent = min(failures - 1, 62)  # 2**62 already dwarfs any cap
        return float(min(self.cap_seconds, self.base_seconds * 2.0**exponent))

    def delay(self, failures: int, rand: Callable[[], float] = random.random) -> timedelta:
        """The jittered wait after `failures` failed attempts; `rand` returns [0, 1)."""
        factor = 1.0 - self.jitter + 2.0 * self.jitter * rand()
        return timedelta(seconds=self.nominal_delay(failures) * factor)

    def exhausted(self, failures: int) -> bool:
        """Whether `failures` failed attempts mean the subscription pauses."""
        return failures >= self.max_attempts

    def schedule(self) -> list[float]:
        """Every nominal wait between attempts until the subscription pauses (seconds)."""
        return [self.nominal_delay(n) for n in range(1, self.max_attempts)]
