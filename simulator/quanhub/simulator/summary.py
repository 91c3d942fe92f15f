"""The ground truth of a run (`--summary FILE`): what was sent, what the hub should accept and
keep, how objects should end, the indicators GET /v1/kpis should answer, and the decision
truth (Post Bureau measures, incidents, stalled objects; per-parcel rows for `--truth`)."""

from __future__ import annotations

from collections import Counter
from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

from quanhub.simulator.catalog import DISTRICTS
from quanhub.simulator.facts import collect
from quanhub.simulator.generator import Simulation
from quanhub.simulator.kpis import Window, cst_date, kpi_report
from quanhub.simulator.model import Anomaly
from quanhub.simulator.truth import incidents, parcel_rows, post_bureau_measures, stalled

#: 2: the load, incidents, Post Bureau measures and stalled truth were added.
SUMMARY_VERSION = 2


def _config(simulation: Simulation) -> dict[str, Any]:
    config = simulation.config
    return {
        "orders": config.orders,
        "order_count": config.order_count,
        "seed": config.seed,
        "start": config.start.isoformat(),
        "days": config.days,
        "warmup_days": config.warmup_days,
        "warmup_order_count": config.warmup_order_count,
        "until": config.until.isoformat() if config.until else None,
        "cross_border_share": config.cross_border_share,
        "carriers": sorted(config.carriers) if config.carriers else None,
        "anomalies": asdict(config.anomalies),
        "mix": asdict(config.mix),
        "load": asdict(config.load),
    }


@dataclass(frozen=True, slots=True)
class GroundTruth:
    """The summary (one JSON document) and the per-parcel truth rows (JSON lines)."""

    summary: dict[str, Any]
    parcels: list[dict[str, Any]]


def summarize(simulation: Simulation) -> dict[str, Any]:
    """Everything the hub should end up with after receiving every send of `simulation`."""
    return ground_truth(simulation).summary


def ground_truth(simulation: Simulation) -> GroundTruth:
    """The summary and the per-parcel rows of `simulation`."""
    sends = simulation.sends
    anomalies = Counter(step.anomaly.value for step in sends)
    malformed = Counter(step.defect for step in sends if step.anomaly is Anomaly.MALFORMED)
    per_partner: Counter[str] = Counter(step.partner for step in sends)
    kept = list(simulation.valid_distinct())
    facts = collect(kept)
    kinds = Counter(step.kind.value for step, _ in kept)
    times: list[datetime] = [step.at for step, _ in kept]
    window = Window(cst_date(min(times)), cst_date(max(times))) if times else None
    documents = Counter(d.document for d in facts.declarations.values())
    rows = list(parcel_rows(simulation, facts))
    summary = {
        "version": SUMMARY_VERSION,
        "config": _config(simulation),
        "sends": {
            "total": len(sends),
            "by_anomaly": dict(sorted(anomalies.items())),
            "malformed_by_defect": dict(sorted(malformed.items())),
            "by_partner": dict(sorted(per_partner.items())),
        },
        # A 202 counts every event that is not malformed, duplicates included; the ledger
        # keeps each distinct event id once.
        "gateway": {
            "accepted": len(sends) - anomalies.get(Anomaly.MALFORMED.value, 0),
            "rejected": anomalies.get(Anomaly.MALFORMED.value, 0),
        },
        "ledger": {
            "events": len(kept),
            "events_by_kind": dict(sorted(kinds.items())),
            "orders": len(facts.orders),
            "parcels": len(facts.parcels),
            "declarations": len(facts.declarations),
            "declarations_by_document": dict(sorted(documents.items())),
        },
        "final_statuses": facts.final_statuses(),
        "kpis": kpi_report(facts, window) if window else None,
        "kpis_by_district": {
            code: kpi_report(facts, Window(window.from_date, window.to_date, code))
            for code, _, _ in DISTRICTS
        }
        if window
        else {},
        "post_bureau": post_bureau_measures(rows),
        "incidents": incidents(simulation, rows),
        "stalled": stalled(simulation),
    }
    return GroundTruth(summary, rows)
