"""protobuf Timestamp <-> datetime by plain integer arithmetic (Timestamp.FromDatetime and
ToDatetime go through time tuples and cost several times as much), and Timestamp's range."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
#: The seconds a Timestamp may hold: 0001-01-01T00:00:00Z to 9999-12-31T23:59:59Z.
MIN_SECONDS, MAX_SECONDS = -62135596800, 253402300799


def in_range(seconds: int, nanos: int) -> bool:
    """Whether (seconds, nanos) is a valid Timestamp."""
    return 0 <= nanos < 1_000_000_000 and MIN_SECONDS <= seconds <= MAX_SECONDS


def to_seconds_nanos(at: datetime) -> tuple[int, int]:
    """(seconds, nanos) since the epoch of an aware datetime, exactly."""
    delta = at - EPOCH
    return delta.days * 86_400 + delta.seconds, delta.microseconds * 1000


def from_seconds_nanos(seconds: int, nanos: int) -> datetime:
    """The UTC datetime of a valid (seconds, nanos), nanos truncated to microseconds, as
    Timestamp.ToDatetime(tzinfo=UTC) gives it."""
    return EPOCH + timedelta(seconds=seconds, microseconds=nanos // 1000)
