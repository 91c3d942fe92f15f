"""compare_kpis finds every difference and ignores only what may legitimately differ."""

from __future__ import annotations

import copy

from quanhub.simulator.config import SimulationConfig
from quanhub.simulator.generator import generate
from quanhub.simulator.summary import summarize
from quanhub.simulator.verify import compare_kpis


def _report() -> dict:
    return summarize(generate(SimulationConfig(orders=150, seed=3, cross_border_share=0.5)))["kpis"]


def test_a_report_equals_itself_in_any_list_order() -> None:
    expected = _report()
    actual = copy.deepcopy(expected)
    actual["carrier_volumes"]["carriers"].reverse()
    actual["pickup_to_delivery"]["groups"].reverse()
    actual["e_waybill_share"]["share"] += 1e-12
    assert compare_kpis(actual, expected) == []


def test_every_kind_of_difference_is_reported() -> None:
    expected = _report()
    actual = copy.deepcopy(expected)
    actual["smart_locker_share"]["numerator"] += 1
    actual["carrier_volumes"]["carriers"].pop()
    actual["customs_clearance"]["overall"]["mean_hours"] *= 1.01
    actual["exception_rate"]["status"] = "no_data"
    del actual["return_rate"]
    found = compare_kpis(actual, expected)
    assert len(found) == 5, found
    assert any("smart_locker_share.numerator" in line for line in found)
    assert any("return_rate: only in expected" in line for line in found)


def test_top_reason_counts_must_match_but_ties_at_the_cut_may_differ() -> None:
    expected = {
        "top_reasons": [{"reason": "a", "declarations": 3}, {"reason": "b", "declarations": 1}]
    }
    tie = {"top_reasons": [{"reason": "a", "declarations": 3}, {"reason": "c", "declarations": 1}]}
    assert compare_kpis(tie, expected) == []
    fewer = {
        "top_reasons": [{"reason": "a", "declarations": 2}, {"reason": "b", "declarations": 1}]
    }
    assert compare_kpis(fewer, expected)
