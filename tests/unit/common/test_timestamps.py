"""quanhub.common.timestamps agrees with protobuf's own Timestamp conversions."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

from google.protobuf.timestamp_pb2 import Timestamp

from quanhub.common.timestamps import (
    MAX_SECONDS,
    MIN_SECONDS,
    from_seconds_nanos,
    in_range,
    to_seconds_nanos,
)

_FIRST = datetime(1, 1, 1, tzinfo=UTC)
_SPAN_US = (datetime(9999, 12, 31, 23, 59, 59, 999999, tzinfo=UTC) - _FIRST) // timedelta(
    microseconds=1
)


def test_conversions_match_timestamp_across_its_whole_range() -> None:
    rng = random.Random(1)
    instants = [_FIRST + timedelta(microseconds=rng.randrange(_SPAN_US + 1)) for _ in range(5000)]
    for at in [*instants, _FIRST, datetime(1970, 1, 1, tzinfo=UTC)]:
        ts = Timestamp()
        ts.FromDatetime(at)
        assert to_seconds_nanos(at) == (ts.seconds, ts.nanos)
        assert from_seconds_nanos(ts.seconds, ts.nanos) == ts.ToDatetime(tzinfo=UTC)


def test_range_is_timestamps_own() -> None:
    assert in_range(MIN_SECONDS, 0)
    assert in_range(MAX_SECONDS, 999_999_999)
    assert not in_range(MIN_SECONDS - 1, 0)
    assert not in_range(MAX_SECONDS + 1, 0)
    assert not in_range(0, -1)
    assert not in_range(0, 1_000_000_000)
