"""Scoring alerts against a ground truth of deliberate troubles (pure; docs/alerts.md).

The truth is the simulator's `stalled` list: each row an object (`key`), why it is silent
(`reason`), since when (`since`) and until when (`until`, null if never), the status it
shows meanwhile, and where it sits. At instant T an object is expected flagged when
`since` <= T < `until` and T - since exceeds the threshold its own norm sets (the same
Norms the API uses, so expectation and answer differ only by what the hub read).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from quanhub.ledger.alerts.model import AlertKind
from quanhub.ledger.alerts.norms import PICKUP_STATUS, UNCOLLECTED, Leg, Norms, leg_of


def truth_kind(row: Mapping[str, Any]) -> AlertKind:
    """The alert kind a truth row must raise: a declaration is stuck in customs, a parcel
    waiting in a locker is uncollected, any other silent parcel (lost, stalled, waiting at
    the mail exchange for a stuck declaration) is stalled."""
    if row["kind"] == "customs":
        return AlertKind.CUSTOMS_STUCK
    if row["status"] == PICKUP_STATUS:
        return AlertKind.UNCOLLECTED
    return AlertKind.STALLED


def _threshold_seconds(row: Mapping[str, Any], norms: Norms) -> float:
    kind = truth_kind(row)
    if kind is AlertKind.CUSTOMS_STUCK:
        value = norms.customs(row.get("trade_mode", ""), row["status"]).value
    elif kind is AlertKind.UNCOLLECTED:
        value = UNCOLLECTED
    else:
        # The truth names no sub-status: a parcel waiting for a stuck declaration is in
        # customs' hands, any other where its district says.
        leg = Leg.CUSTOMS if row["reason"] == "customs_stuck" else leg_of(row.get("district", ""))
        value = norms.parcel(row["carrier"], row["status"], leg).value
    return value.total_seconds()


def thresholds(truth: Iterable[Mapping[str, Any]], norms: Norms) -> dict[str, float]:
    """key -> hours of silence after which each truth object should be flagged."""
    return {row["key"]: _threshold_seconds(row, norms) / 3600 for row in truth}


def expected_at(
    truth: Iterable[Mapping[str, Any]], at: datetime, norms: Norms
) -> dict[str, AlertKind]:
    """key -> kind of every truth object that should be flagged at `at`."""
    out: dict[str, AlertKind] = {}
    for row in truth:
        since = datetime.fromisoformat(row["since"])
        until = datetime.fromisoformat(row["until"]) if row.get("until") else None
        if since > at or (until is not None and at >= until):
            continue
        if (at - since).total_seconds() > _threshold_seconds(row, norms):
            out[row["key"]] = truth_kind(row)
    return out


@dataclass(slots=True)
class Score:
    """Flags counted over every instant: true and false positives, misses."""

    tp: int = 0
    fp: int = 0
    fn: int = 0
    false_keys: set[str] = field(default_factory=set)
    missed_keys: set[str] = field(default_factory=set)
    seen_keys: set[str] = field(default_factory=set)  # expected at one instant at least

    @property
    def precision(self) -> float | None:
        flagged = self.tp + self.fp
        return self.tp / flagged if flagged else None

    @property
    def recall(self) -> float | None:
        expected = self.tp + self.fn
        return self.tp / expected if expected else None

    def as_json(self) -> dict[str, Any]:
        return {
            "objects": len(self.seen_keys),
            "true_positives": self.tp,
            "false_positives": self.fp,
            "missed": self.fn,
            "precision": self.precision,
            "recall": self.recall,
            "false_positive_objects": sorted(self.false_keys),
            "missed_objects": sorted(self.missed_keys),
        }


def score(
    scores: dict[AlertKind, Score],
    expected: Mapping[str, AlertKind],
    flagged: Mapping[str, AlertKind],
) -> None:
    """Add one instant's comparison to `scores` (per kind; a flag of the wrong kind is
    both a false positive of its kind and a miss of the expected one)."""
    for kind in AlertKind:
        want = {k for k, v in expected.items() if v is kind}
        got = {k for k, v in flagged.items() if v is kind}
        s = scores.setdefault(kind, Score())
        s.tp += len(want & got)
        s.fp += len(got - want)
        s.fn += len(want - got)
        s.false_keys |= got - want
        s.missed_keys |= want - got
        s.seen_keys |= want
