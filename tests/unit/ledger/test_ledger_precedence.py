"""Status precedence: phases only move forward, time decides within a phase."""

from __future__ import annotations

import itertools
import random
from datetime import UTC, datetime, timedelta

import pytest

from quanhub.common.canonical import DECLARATION_STATUS, ORDER_STATUS, PARCEL_STATUS
from quanhub.ledger.precedence import DECLARATION, ORDER, PARCEL, precedence

T = datetime(2026, 11, 1, tzinfo=UTC)


@pytest.mark.parametrize(
    ("table", "names"),
    [(PARCEL, PARCEL_STATUS), (ORDER, ORDER_STATUS), (DECLARATION, DECLARATION_STATUS)],
)
def test_every_canonical_status_has_a_precedence(table: dict, names: object) -> None:
    assert set(names.names()) <= set(table)  # type: ignore[attr-defined]


def test_delivered_outranks_any_moving_scan_and_returns_outrank_delivered() -> None:
    delivered = precedence("parcel", "DELIVERED")
    for moving in ("PICKED_UP", "IN_TRANSIT", "OUT_FOR_DELIVERY", "EXCEPTION"):
        assert precedence("parcel", moving).phase < delivered.phase
    assert precedence("parcel", "RETURNING").phase > delivered.phase
    assert precedence("parcel", "RETURNED").phase > precedence("parcel", "RETURNING").phase


def test_only_closed_is_final_for_customs() -> None:
    finals = {name for name, p in DECLARATION.items() if p.phase > 0}
    assert finals == {"CLOSED"}
    assert precedence("customs", "RELEASED").rank > precedence("customs", "ACCEPTED").rank


def test_unknown_names_rank_lowest() -> None:
    assert precedence("parcel", "TELEPORTED") == precedence("parcel", "TELEPORTED")
    assert precedence("parcel", "TELEPORTED").rank < precedence("parcel", "PICKED_UP").rank


def _winner(events: list[tuple[str, datetime, str]]) -> str:
    """The SQL's ORDER BY phase, time, rank, id DESC, as a key; first is the winner."""

    def key(e: tuple[str, datetime, str]) -> tuple[int, datetime, int, str]:
        p = precedence("parcel", e[0])
        return (p.phase, e[1], p.rank, e[2])

    return max(events, key=key)[0]


def test_the_winner_does_not_depend_on_arrival_order() -> None:
    rng = random.Random(4)
    statuses = list(PARCEL)
    for _ in range(200):
        events = [
            (rng.choice(statuses), T + timedelta(hours=rng.randrange(5)), f"id{i}")
            for i in range(rng.randrange(1, 6))
        ]
        winners = {_winner(list(order)) for order in itertools.permutations(events)}
        assert len(winners) == 1
