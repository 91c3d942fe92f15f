"""Measures, targets, percentiles and the report files of the benchmark harness."""

from __future__ import annotations

import json
from pathlib import Path

from quanhub.bench.measure import Measure, Report, markdown, percentile


def test_ratio_is_value_over_baseline() -> None:
    m = Measure("writer", 4500.0, "events/s", "g", baseline=18000.0, baseline_name="COPY")
    assert m.ratio == 0.25


def test_floor_target_on_ratio() -> None:
    met = Measure("w", 10.0, "events/s", "g", baseline=15.0, target=0.5, target_on="ratio")
    missed = Measure("w", 5.0, "events/s", "g", baseline=15.0, target=0.5, target_on="ratio")
    assert met.met is True
    assert missed.met is False


def test_ceiling_target_on_value() -> None:
    fast = Measure("p99", 80.0, "ms", "g", target=100.0, higher_is_better=False)
    slow = Measure("p99", 120.0, "ms", "g", target=100.0, higher_is_better=False)
    assert fast.met is True
    assert slow.met is False


def test_a_missing_value_never_meets_its_target() -> None:
    assert Measure("p99", None, "ms", "g", target=100.0, higher_is_better=False).met is False


def test_no_target_means_no_verdict() -> None:
    assert Measure("rss", 80.0, "MiB", "g").met is None


def test_percentile_nearest_rank() -> None:
    samples = [float(i) for i in range(1, 101)]
    assert percentile(samples, 50) == 50.0
    assert percentile(samples, 99) == 99.0
    assert percentile(samples, 100) == 100.0
    assert percentile([], 99) is None


def test_json_has_name_value_unit_and_baseline_when_set(tmp_path: Path) -> None:
    report = Report({"stamp": "s1", "mode": "quick"})
    report.add(
        Measure("copy", 100.0, "events/s", "base"),
        Measure("writer", 50.0, "events/s", "stage", baseline=100.0, baseline_name="copy"),
    )
    report.failed("queries", "boom")
    json_path, md_path = report.write(tmp_path, "s1")
    data = json.loads(json_path.read_text())
    plain, compared = data["measures"]
    assert plain == {
        "name": "copy",
        "value": 100.0,
        "unit": "events/s",
        "group": "base",
        "target_on": "value",
        "higher_is_better": True,
    }
    assert compared["baseline"] == 100.0
    assert compared["ratio"] == 0.5
    assert data["errors"] == [{"stage": "queries", "error": "boom"}]
    assert md_path.read_text() == markdown(report)


def test_markdown_table_per_group_with_verdicts() -> None:
    report = Report({"stamp": "s2"})
    report.add(Measure("p99", 120.0, "ms", "Latency", target=100.0, higher_is_better=False))
    text = markdown(report)
    assert "## Latency" in text
    assert "| p99 | 120 | ms |" in text
    assert "≤ 100 ms: **not met**" in text
