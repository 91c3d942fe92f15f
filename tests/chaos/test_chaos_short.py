"""The short chaos run inside `make test`: a few thousand events, every fault once."""

from __future__ import annotations

from pathlib import Path

import pytest
from chaos_faults import FAULTS
from run_chaos import run_chaos

pytestmark = [pytest.mark.chaos, pytest.mark.timeout(420)]


async def test_no_acknowledged_event_is_lost_or_duplicated_under_faults(tmp_path: Path) -> None:
    # 3,000 events at 40/s keep traffic flowing for ~75 s: long enough for one turn of
    # every fault (each service killed, Kafka killed, PostgreSQL crashed) to meet it.
    summary = await run_chaos(3000, root=tmp_path, rate=40, progress=False)
    report = "\n".join([*summary.details, *summary.problems, summary.line])
    assert summary.faults >= len(FAULTS), report
    assert summary.acknowledged > 2500, report
    assert summary.lost == 0, report
    assert summary.duplicated == 0, report
    assert summary.in_ledger == summary.acknowledged, report
    assert summary.problems == [], report
