"""returnTime is China time whatever zone the simulated instant carries."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from types import SimpleNamespace
from typing import cast

import pytest

from quanhub.simulator.encode import return_time
from quanhub.simulator.model import Step

_INSTANT = datetime(2026, 11, 11, 0, 30, 5, 123000, tzinfo=UTC)


@pytest.mark.parametrize("hours", [0, 8, -5])
def test_return_time_is_china_time_of_the_instant(hours: int) -> None:
    at = _INSTANT.astimezone(timezone(timedelta(hours=hours)))
    step = cast(Step, SimpleNamespace(at=at))
    assert return_time(step) == "20261111083005123"
