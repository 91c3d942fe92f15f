"""What a ground truth expects flagged at an instant, and the score (pure)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from quanhub.ledger.alerts.evaluate import Score, expected_at, score
from quanhub.ledger.alerts.model import AlertKind
from quanhub.ledger.alerts.norms import Norm, Norms

START = datetime(2026, 11, 1, tzinfo=UTC)
H = timedelta(hours=1)
NORMS = Norms([Norm("parcel", ("IN_TRANSIT", "city"), 100, 3600.0)])  # 24 h (floor)

TRUTH = [
    {  # stalled 96 h in the city
        "key": "P|SF|S",
        "kind": "parcel",
        "reason": "stalled",
        "status": "IN_TRANSIT",
        "carrier": "SF",
        "district": "370112",
        "since": START.isoformat(),
        "until": (START + 96 * H).isoformat(),
    },
    {  # in a locker, never collected
        "key": "P|SF|U",
        "kind": "parcel",
        "reason": "uncollected",
        "status": "AVAILABLE_FOR_PICKUP",
        "carrier": "SF",
        "district": "370102",
        "since": START.isoformat(),
        "until": None,
    },
    {  # a declaration stuck in 120: no norm, so the week's default
        "key": "C|JNAGENT|1",
        "kind": "customs",
        "reason": "customs_stuck",
        "status": "ACCEPTED",
        "trade_mode": "1210",
        "district": "370102",
        "since": START.isoformat(),
        "until": None,
    },
]


def test_expected_once_past_the_threshold_until_the_silence_ends() -> None:
    assert expected_at(TRUTH, START + 24 * H, NORMS) == {}
    assert expected_at(TRUTH, START + 25 * H, NORMS) == {"P|SF|S": AlertKind.STALLED}
    assert expected_at(TRUTH, START + 49 * H, NORMS) == {
        "P|SF|S": AlertKind.STALLED,
        "P|SF|U": AlertKind.UNCOLLECTED,
    }
    assert expected_at(TRUTH, START + 169 * H, NORMS) == {
        "P|SF|U": AlertKind.UNCOLLECTED,
        "C|JNAGENT|1": AlertKind.CUSTOMS_STUCK,
    }


def test_score_counts_hits_false_flags_and_misses_per_kind() -> None:
    scores: dict[AlertKind, Score] = {}
    expected = {"P|SF|S": AlertKind.STALLED, "P|SF|U": AlertKind.UNCOLLECTED}
    flagged = {"P|SF|S": AlertKind.STALLED, "P|SF|X": AlertKind.STALLED}
    score(scores, expected, flagged)
    stalled, uncollected = scores[AlertKind.STALLED], scores[AlertKind.UNCOLLECTED]
    assert (stalled.tp, stalled.fp, stalled.fn) == (1, 1, 0)
    assert (stalled.precision, stalled.recall) == (0.5, 1.0)
    assert (uncollected.tp, uncollected.fn, uncollected.recall) == (0, 1, 0.0)
    assert scores[AlertKind.CUSTOMS_STUCK].precision is None
