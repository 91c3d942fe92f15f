"""How good the EDD model is on a ledger: train on days before D, predict after, compare.

The model is trained on kpi_edd_hist's delivery days before D (as the API would on day D)
and asked for every parcel picked up on or after D: once at pickup, and again at each
later scan with what the hub knew then (its first out-for-delivery scan among it). Each
answer is compared with the ledger's first delivery (and, given the simulator's `--truth`
rows, those are checked against it): the share delivered by the latest time, the mean
absolute error of the most likely time against a per-carrier median baseline, and the
calibration of the quantiles.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from typing import Any

import asyncpg

from quanhub.ledger.edd.features import SETTLED_STATUSES, known_segment
from quanhub.ledger.edd.model import EddModel, Estimate
from quanhub.ledger.edd.rollup import CST
from quanhub.ledger.edd.store import WINDOW_DAYS, train
from quanhub.ledger.store.shards import visible

#: Nominal quantiles of the calibration table.
CALIBRATION: tuple[float, ...] = (0.025, 0.05, 0.1, 0.25, 0.5, 0.75, 0.9, 0.95, 0.975)

#: Parcels picked up in [$1, $2), delivered or not, with their visible events in order.
_PARCELS = """
SELECT p.carrier_id, p.waybill_no, p.origin_district, p.picked_up_at, p.delivered_at,
       array_agg(e.status_time ORDER BY e.status_time, e.seq) AS times,
       array_agg(e.status ORDER BY e.status_time, e.seq) AS statuses,
       array_agg(e.sub_status ORDER BY e.status_time, e.seq) AS sub_statuses,
       array_agg(e.district_code ORDER BY e.status_time, e.seq) AS districts,
       array_agg(e.delivery_point ORDER BY e.status_time, e.seq) AS points
FROM parcels p
JOIN ledger_events e ON e.kind = 'parcel' AND e.carrier_id = p.carrier_id
     AND e.waybill_no = p.waybill_no
WHERE p.picked_up_at >= $1 AND p.picked_up_at < $2
  AND {visible}
  AND NOT EXISTS (SELECT 1 FROM ledger_quarantine q WHERE q.seq = e.seq)
GROUP BY p.carrier_id, p.waybill_no
""".format(visible=visible("e"))  # noqa: S608 - a fixed fragment of store.shards


@dataclass(frozen=True, slots=True)
class Scan:
    """One event of a parcel, as the evaluation replays it."""

    at: datetime
    status: str
    sub_status: str
    district_code: str
    delivery_point: str


@dataclass(frozen=True, slots=True)
class Parcel:
    """A parcel picked up in the test period and its events in event-time order."""

    carrier_id: str
    waybill_no: str
    origin_district: str
    picked_up_at: datetime
    delivered_at: datetime | None
    scans: tuple[Scan, ...]


@dataclass(slots=True)
class Stage:
    """The figures of one kind of moment (at pickup, or at a later scan)."""

    predictions: int = 0
    unpredicted: int = 0
    within_latest: int = 0
    within_band: int = 0
    abs_error: float = 0.0
    baseline_abs_error: float = 0.0
    levels: Counter[str] = field(default_factory=Counter)
    below_quantile: Counter[float] = field(default_factory=Counter)

    def add(self, estimate: Estimate | None, baseline: float | None, took: float) -> None:
        if estimate is None or baseline is None:
            self.unpredicted += 1
            return
        self.predictions += 1
        self.within_latest += took <= estimate.latest
        self.within_band += estimate.earliest <= took <= estimate.latest
        self.abs_error += abs(took - estimate.most_likely)
        self.baseline_abs_error += abs(took - baseline)
        self.levels[estimate.level] += 1
        for q in CALIBRATION:
            self.below_quantile[q] += took <= estimate.quantile(q)

    def report(self) -> dict[str, Any]:
        n = self.predictions or 1
        mae, baseline = self.abs_error / n / 3600, self.baseline_abs_error / n / 3600
        return {
            "predictions": self.predictions,
            "unpredicted": self.unpredicted,
            "delivered_by_latest": self.within_latest / n,
            "within_band": self.within_band / n,
            "mae_hours": mae,
            "baseline_mae_hours": baseline,
            "mae_ratio": mae / baseline if baseline else None,
            "levels": dict(self.levels.most_common()),
            "calibration": [
                {"quantile": q, "observed": self.below_quantile[q] / n} for q in CALIBRATION
            ],
        }


def evaluate_parcels(model: EddModel, parcels: Iterable[Parcel]) -> dict[str, Any]:
    """The figures at pickup and at later scans of the delivered parcels, and counts of
    the others (lost, returned, still on their way: no truth to compare with)."""
    at_pickup, at_scans = Stage(), Stage()
    undelivered = 0
    for parcel in parcels:
        if parcel.delivered_at is None or parcel.delivered_at < parcel.picked_up_at:
            undelivered += 1
            continue
        took = (parcel.delivered_at - parcel.picked_up_at).total_seconds()
        district = point = ""
        out_for_delivery: float | None = None
        for i, scan in enumerate(parcel.scans):
            district = scan.district_code or district
            point = scan.delivery_point or point
            if (
                out_for_delivery is None
                and scan.status == "OUT_FOR_DELIVERY"
                and scan.at >= parcel.picked_up_at
            ):
                out_for_delivery = (scan.at - parcel.picked_up_at).total_seconds()
            if scan.at < parcel.picked_up_at or scan.at >= parcel.delivered_at:
                continue
            if scan.status in SETTLED_STATUSES:
                continue
            later = i + 1 < len(parcel.scans) and parcel.scans[i + 1].at == scan.at
            if later:  # the state once every scan of that moment is in
                continue
            elapsed = (scan.at - parcel.picked_up_at).total_seconds()
            known = known_segment(
                carrier_id=parcel.carrier_id,
                origin_district=parcel.origin_district,
                district_code=district,
                delivery_point=point,
                status=scan.status,
                sub_status=scan.sub_status,
                picked_up_at=parcel.picked_up_at,
            )
            stage = at_pickup if elapsed == 0 else at_scans
            stage.add(
                model.predict(known, elapsed, out_for_delivery=out_for_delivery),
                model.carrier_median(parcel.carrier_id, elapsed),
                took,
            )
    return {
        "at_pickup": at_pickup.report(),
        "at_scans": at_scans.report(),
        "undelivered": undelivered,
    }


def _midnight(day: date) -> datetime:
    return datetime.combine(day, time(), tzinfo=UTC) - CST


async def read_parcels(conn: asyncpg.Connection, start: date, end: date) -> list[Parcel]:
    """Parcels picked up on CST days [start, end), with their visible events."""
    rows = await conn.fetch(_PARCELS, _midnight(start), _midnight(end))
    return [
        Parcel(
            carrier_id=r["carrier_id"],
            waybill_no=r["waybill_no"],
            origin_district=r["origin_district"],
            picked_up_at=r["picked_up_at"],
            delivered_at=r["delivered_at"],
            scans=tuple(
                Scan(*fields)
                for fields in zip(
                    r["times"],
                    r["statuses"],
                    r["sub_statuses"],
                    r["districts"],
                    r["points"],
                    strict=True,
                )
            ),
        )
        for r in rows
    ]


def check_truth(parcels: Iterable[Parcel], truth: Mapping[str, datetime | None]) -> dict[str, int]:
    """How the ledger's pickups' deliveries agree with the simulator's truth (`P|carrier|
    waybill` -> delivered_at): equal, different, or missing from the truth."""
    counts = Counter[str]()
    for parcel in parcels:
        key = f"P|{parcel.carrier_id}|{parcel.waybill_no}"
        if key not in truth:
            counts["not_in_truth"] += 1
        elif truth[key] == parcel.delivered_at:
            counts["equal"] += 1
        else:
            counts["different"] += 1
    return {k: counts[k] for k in ("equal", "different", "not_in_truth")}


async def evaluate(
    conn: asyncpg.Connection,
    start: date,
    end: date,
    *,
    window_days: int = WINDOW_DAYS,
    truth: Mapping[str, datetime | None] | None = None,
) -> dict[str, Any]:
    """Train on delivery days before `start`, test on pickups of days [start, end)."""
    model = await train(conn, start, window_days=window_days)
    parcels = await read_parcels(conn, start, end)
    report = evaluate_parcels(model, parcels)
    return {
        "train": {
            "first_day": model.first_day.isoformat(),
            "end_day": model.end_day.isoformat(),
            "parcels": model.parcels,
            "open_parcels": model.open_parcels,
        },
        "test": {"first_day": start.isoformat(), "end_day": end.isoformat()},
        "parcels": len(parcels),
        "band": list(model.band),
        "min_sample": model.min_sample,
        **report,
        "truth": None if truth is None else check_truth(parcels, truth),
    }
