"""One measured figure, a run's report, and how both are written (JSON and markdown)."""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import orjson


@dataclass(slots=True)
class Measure:
    """A figure with its unit; `baseline` and `ratio` when something it is held against ran.

    `higher_is_better` decides how `target` reads: a floor (throughput, ratio) or a ceiling
    (latency). `met` is None when the measure has no target.
    """

    name: str
    value: float | None
    unit: str
    group: str
    baseline: float | None = None
    baseline_name: str | None = None
    ratio: float | None = None
    target: float | None = None
    target_on: str = "value"
    higher_is_better: bool = True
    met: bool | None = None
    note: str = ""

    def __post_init__(self) -> None:
        if self.baseline and self.value is not None and self.ratio is None:
            self.ratio = round(self.value / self.baseline, 4)
        if self.target is not None:
            judged = self.ratio if self.target_on == "ratio" else self.value
            if judged is None or math.isnan(judged):
                self.met = False
            elif self.higher_is_better:
                self.met = judged >= self.target
            else:
                self.met = judged <= self.target

    def as_json(self) -> dict[str, Any]:
        """Only the fields that are set (name, value and unit always are)."""
        data = asdict(self)
        return {k: v for k, v in data.items() if v is not None and v != ""}


@dataclass(slots=True)
class Report:
    """Everything one run measured, with the conditions it ran under."""

    meta: dict[str, Any]
    measures: list[Measure] = field(default_factory=list)
    errors: list[dict[str, str]] = field(default_factory=list)

    def add(self, *measures: Measure) -> None:
        """Record measures as they come (a later stage failing keeps the earlier ones)."""
        self.measures.extend(measures)

    def failed(self, stage: str, error: str) -> None:
        """Note a stage that could not finish; the run goes on with the next one."""
        self.errors.append({"stage": stage, "error": error})

    def as_json(self) -> dict[str, Any]:
        """The document written to bench/results/<timestamp>.json."""
        return {
            "meta": self.meta,
            "measures": [m.as_json() for m in self.measures],
            "errors": self.errors,
        }

    def write(self, folder: Path, stamp: str) -> tuple[Path, Path]:
        """Write <stamp>.json and <stamp>.md into `folder`; return both paths."""
        folder.mkdir(parents=True, exist_ok=True)
        json_path = folder / f"{stamp}.json"
        md_path = folder / f"{stamp}.md"
        json_path.write_bytes(orjson.dumps(self.as_json(), option=orjson.OPT_INDENT_2))
        md_path.write_text(markdown(self), encoding="utf-8")
        return json_path, md_path


def _fmt(value: float | None) -> str:
    if value is None:
        return "-"
    if abs(value) >= 100:
        return f"{value:,.0f}"
    if abs(value) >= 10:
        return f"{value:,.1f}"
    return f"{value:,.3g}"


def _target(m: Measure) -> str:
    if m.target is None:
        return ""
    sign = "≥" if m.higher_is_better else "≤"
    subject = "ratio" if m.target_on == "ratio" else m.unit
    verdict = "met" if m.met else "**not met**"
    return f"{sign} {_fmt(m.target)} {subject}: {verdict}"


def markdown(report: Report) -> str:
    """The results as one markdown table per group, preceded by the run's conditions."""
    lines = [f"# Benchmark {report.meta.get('stamp', '')}", ""]
    for key in ("mode", "host", "cpus", "kafka", "database", "namespace", "command"):
        if key in report.meta:
            lines.append(f"- {key}: `{report.meta[key]}`")
    groups: dict[str, list[Measure]] = {}
    for m in report.measures:
        groups.setdefault(m.group, []).append(m)
    for group, measures in groups.items():
        lines += ["", f"## {group}", ""]
        lines.append("| measure | value | unit | baseline | ratio | target | note |")
        lines.append("| --- | ---: | --- | --- | ---: | --- | --- |")
        for m in measures:
            base = f"{_fmt(m.baseline)} ({m.baseline_name})" if m.baseline is not None else ""
            ratio = f"{m.ratio:.2f}" if m.ratio is not None else ""
            lines.append(
                f"| {m.name} | {_fmt(m.value)} | {m.unit} | {base} | {ratio} | "
                f"{_target(m)} | {m.note} |"
            )
    if report.errors:
        lines += ["", "## Stages that did not finish", ""]
        lines += [f"- {e['stage']}: {e['error']}" for e in report.errors]
    return "\n".join(lines) + "\n"


def percentile(samples: list[float], q: float) -> float | None:
    """The q-th percentile (0-100) by nearest rank; None for no samples."""
    if not samples:
        return None
    ordered = sorted(samples)
    rank = max(1, math.ceil(q / 100 * len(ordered)))
    return ordered[min(rank, len(ordered)) - 1]
