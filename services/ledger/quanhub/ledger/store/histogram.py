"""The fine duration histograms' buckets: one table both the rollup SQL and Python read.

A duration of whole seconds falls in one numbered bucket: 10-minute buckets below 72 h
(0..431), hourly buckets from 72 h to 360 h (432..719), and one open bucket from 360 h
(720). Percentiles read from these rows are exact to the bucket a value falls in, so to
10 minutes for anything under three days and to an hour up to fifteen days.
"""

from __future__ import annotations

#: (upper bound in hours, bucket width in minutes) of each tier, in order; beyond the last
#: bound one open bucket.
FINE_TIERS: tuple[tuple[int, int], ...] = ((72, 10), (360, 60))


def _tiers() -> list[tuple[int, int, int]]:
    """(first bucket, lower second, width seconds) of each tier."""
    out = []
    first, lower = 0, 0
    for upper_hours, width_minutes in FINE_TIERS:
        upper, width = upper_hours * 3600, width_minutes * 60
        out.append((first, lower, width))
        first += (upper - lower) // width
        lower = upper
    return out


_TIERS = _tiers()
#: The open bucket: durations of FINE_TIERS[-1][0] hours or more.
OPEN_BUCKET = _TIERS[-1][0] + (FINE_TIERS[-1][0] * 3600 - _TIERS[-1][1]) // _TIERS[-1][2]
OPEN_FROM_SECONDS = FINE_TIERS[-1][0] * 3600


def fine_bucket(seconds: int) -> int:
    """The bucket of a duration (whole seconds, >= 0)."""
    for (first, lower, width), (upper_hours, _) in zip(_TIERS, FINE_TIERS, strict=True):
        if seconds < upper_hours * 3600:
            return first + (seconds - lower) // width
    return OPEN_BUCKET


def bucket_bounds(bucket: int) -> tuple[int, int | None]:
    """[lower, upper) seconds of a bucket; upper None for the open one."""
    if bucket >= OPEN_BUCKET:
        return OPEN_FROM_SECONDS, None
    first, lower, width = next(t for t in reversed(_TIERS) if bucket >= t[0])
    start = lower + (bucket - first) * width
    return start, start + width


def _value_hours(bucket: int) -> float:
    lower, upper = bucket_bounds(bucket)
    middle = lower if upper is None else (lower + upper) / 2
    return middle / 3600


_VALUES = tuple(_value_hours(b) for b in range(OPEN_BUCKET + 1))


def bucket_value_hours(bucket: int) -> float:
    """The value a percentile in this bucket is stated as: the bucket's middle (so at most
    half a bucket from the true value), or the open bucket's lower bound."""
    return _VALUES[min(bucket, OPEN_BUCKET)]


def fine_bucket_sql(seconds: str) -> str:
    """SQL for fine_bucket over an integer-valued expression (bigint division truncates,
    as `//` does for durations >= 0)."""
    cases = " ".join(
        f"WHEN {seconds} < {upper_hours * 3600} THEN {first} + ({seconds} - {lower}) / {width}"
        for (first, lower, width), (upper_hours, _) in zip(_TIERS, FINE_TIERS, strict=True)
    )
    return f"(CASE {cases} ELSE {OPEN_BUCKET} END)::smallint"
