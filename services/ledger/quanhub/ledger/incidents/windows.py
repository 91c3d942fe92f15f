"""The 10-minute windows incident flows are counted in, and the CST days they fall on."""

from __future__ import annotations

from datetime import UTC, datetime

WINDOW_SECONDS = 600
WINDOWS_PER_DAY = 86_400 // WINDOW_SECONDS
#: Windows from 00:00 UTC to 00:00 CST: a flow's days are the city's (China Standard Time).
CST_WINDOWS = 8 * 3600 // WINDOW_SECONDS


def window_of(at: datetime) -> int:
    """The index of the window holding `at` (windows since the epoch)."""
    return int(at.timestamp()) // WINDOW_SECONDS


def day_of(index: int) -> int:
    """The CST day (days since the epoch) window `index` falls on."""
    return (index + CST_WINDOWS) // WINDOWS_PER_DAY


def window_start(index: int) -> datetime:
    """The instant window `index` begins."""
    return datetime.fromtimestamp(index * WINDOW_SECONDS, UTC)
