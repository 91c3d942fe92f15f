"""How good the predicted delivery was, as predicted at pickup, over delivered parcels. Pure.

GET /v1/edd/accuracy reads it: for each parcel delivered in a period, the window the model
of its pickup day (trained on the delivery days before it, as the API would have then)
gave at pickup, knowing the carrier, the origin and the pickup's weekday and hour band
(destination and delivery point summed over, as before the last mile). A parcel scores
whether it was delivered by `latest` and the absolute errors of `most_likely` and of the
baseline, its carrier's median of the same model. The same Tally sums any grouping.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from quanhub.ledger.edd.features import known_segment
from quanhub.ledger.edd.model import EddModel
from quanhub.ledger.kpis.percentiles import sufficient

#: Share of parcels that should arrive by the predicted latest time (issue 19).
LATEST_TARGET = 0.9
#: The most likely time's MAE at most this share of the per-carrier median's (issue 19).
MAE_RATIO_TARGET = 0.7


@dataclass(slots=True)
class Tally:
    """Sums over delivered parcels; addable, so a day's tallies sum to a period's."""

    delivered: int = 0
    predicted: int = 0
    by_latest: int = 0
    abs_error: float = 0.0
    baseline_abs_error: float = 0.0

    def add(self, other: Tally) -> None:
        self.delivered += other.delivered
        self.predicted += other.predicted
        self.by_latest += other.by_latest
        self.abs_error += other.abs_error
        self.baseline_abs_error += other.baseline_abs_error

    def figures(self) -> dict[str, Any]:
        """The answer's figures; no share or error without a prediction, and a verdict on
        the targets only over a sample that suffices (kpis.percentiles.MIN_SAMPLE)."""
        n = self.predicted
        share = self.by_latest / n if n else None
        mae = self.abs_error / n / 3600 if n else None
        baseline = self.baseline_abs_error / n / 3600 if n else None
        ratio = mae / baseline if mae is not None and baseline else None
        enough = sufficient(n)
        return {
            "delivered": self.delivered,
            "predicted": n,
            "unpredicted": self.delivered - n,
            "by_latest": self.by_latest,
            "delivered_by_latest": _round(share, 4),
            "mae_hours": _round(mae, 2),
            "baseline_mae_hours": _round(baseline, 2),
            "mae_ratio": _round(ratio, 3),
            "sample": n,
            "sufficient": enough if n else None,
            "meets_latest_target": None if share is None or not enough else share >= LATEST_TARGET,
            "meets_mae_target": None if ratio is None or not enough else ratio <= MAE_RATIO_TARGET,
        }


def _round(value: float | None, digits: int) -> float | None:
    return None if value is None else round(value, digits)


@dataclass(frozen=True, slots=True)
class AtPickup:
    """What the model of a pickup day said at pickup, in seconds from pickup."""

    most_likely: float
    latest: float
    #: The carrier's median time under the same model.
    baseline: float


def at_pickup(
    model: EddModel, *, carrier_id: str, origin_district: str, picked_up_at: datetime
) -> AtPickup | None:
    """The prediction at pickup: carrier, origin, weekday and hour band known; None when
    the model knows nothing of the carrier."""
    known = known_segment(
        carrier_id=carrier_id,
        origin_district=origin_district,
        district_code="",
        delivery_point="",
        status="PICKED_UP",
        sub_status="",
        picked_up_at=picked_up_at,
    )
    estimate = model.predict(known, 0.0)
    baseline = model.carrier_median(carrier_id, 0.0)
    if estimate is None or baseline is None:
        return None
    return AtPickup(estimate.most_likely, estimate.latest, baseline)


def score(prediction: AtPickup | None, took: float) -> Tally:
    """One delivered parcel's tally: it took `took` seconds from pickup."""
    if prediction is None:
        return Tally(delivered=1)
    return Tally(
        delivered=1,
        predicted=1,
        by_latest=int(took <= prediction.latest),
        abs_error=abs(took - prediction.most_likely),
        baseline_abs_error=abs(took - prediction.baseline),
    )
