"""The summary's expected indicators have exactly the shape of the ledger's GET /v1/kpis.

The simulator mirrors the ledger's KpiReport model without importing it (services never
import each other); this test holds the two to the same field names, recursively.
"""

from __future__ import annotations

from typing import Any

from quanhub.ledger.kpis.models import KpiReport
from quanhub.ledger.store.rollups import DURATION_BUCKETS_HOURS
from quanhub.simulator import kpis as simulated
from quanhub.simulator.generator import Simulation
from quanhub.simulator.summary import summarize


def _resolve(schema: dict[str, Any], defs: dict[str, Any]) -> dict[str, Any]:
    if "$ref" in schema:
        return defs[schema["$ref"].rsplit("/", 1)[-1]]
    for option in schema.get("anyOf", []):
        if "$ref" in option or option.get("type") in {"object", "array"}:
            return _resolve(option, defs)
    return schema


def _mismatches(value: Any, schema: dict[str, Any], defs: dict[str, Any], path: str) -> list[str]:
    schema = _resolve(schema, defs)
    if schema.get("type") == "array" and isinstance(value, list):
        return [m for item in value for m in _mismatches(item, schema["items"], defs, f"{path}[]")]
    if "properties" not in schema or not isinstance(value, dict):
        return []
    expected, got = set(schema["properties"]), set(value)
    out = [f"{path}: missing {sorted(expected - got)}, extra {sorted(got - expected)}"] * (
        expected != got
    )
    for name in expected & got:
        out += _mismatches(value[name], schema["properties"][name], defs, f"{path}.{name}")
    return out


def test_summary_kpis_have_the_ledger_shape(busy_run: Simulation) -> None:
    summary = summarize(busy_run)
    schema = KpiReport.model_json_schema()
    defs = schema.get("$defs", {})
    reports = [summary["kpis"], *summary["kpis_by_district"].values()]
    for report in reports:
        assert _mismatches(report, schema, defs, "kpis") == []
        KpiReport.model_validate(report)


def test_constants_agree_with_the_ledger() -> None:
    from quanhub.ledger.kpis import models

    assert simulated.DURATION_BUCKETS_HOURS == DURATION_BUCKETS_HOURS
    assert simulated.E_WAYBILL_TARGET == models.E_WAYBILL_TARGET
    assert simulated.RECYCLABLE_BAG_TARGET == models.RECYCLABLE_BAG_TARGET
    assert simulated.SMART_LOCKER_TARGET == models.SMART_LOCKER_TARGET
    assert simulated.CARRIER_VOLUME_TARGET == models.CARRIER_VOLUME_TARGET
