"""Norms learned over several PostgreSQL instances: each instance's gaps per segment, the
quantiles taken over all of them with PostgreSQL's own arithmetic (pure)."""

from __future__ import annotations

import random

from quanhub.ledger.alerts.norms import QUANTILE, gap_norms, percentile_cont


def test_percentile_cont_interpolates_as_postgresql() -> None:
    # percentile_cont(0.95) over 1..10: position 8.55 between 9 and 10.
    assert percentile_cont([float(v) for v in range(10, 0, -1)], 0.95) == 9 + (10 - 9) * (
        0.95 * 9 - 8
    )
    assert percentile_cont([3.0], QUANTILE) == 3.0
    assert percentile_cont([1.0, 2.0, 3.0, 4.0, 5.0], 0.5) == 3.0


def test_split_gaps_give_the_norms_of_all_gaps_together() -> None:
    rng = random.Random(20)
    segments = [("SF", "IN_TRANSIT", "city"), ("ZTO", "IN_TRANSIT", "city"), ("SF", "X", "away")]
    together = {s: [rng.expovariate(1 / 3600) for _ in range(rng.randint(1, 80))] for s in segments}
    split = []
    for segment, gaps in together.items():
        cut = rng.randint(0, len(gaps))
        split += [(segment, gaps[:cut]), (segment, gaps[cut:])]

    whole = {n.segment: n for n in gaps_of(list(together.items()))}
    parts = {n.segment: n for n in gaps_of(split)}

    assert whole == parts
    # The parent segment (status, leg) holds both carriers' gaps.
    parent = parts["IN_TRANSIT", "city"]
    assert parent.samples == len(together[segments[0]]) + len(together[segments[1]])
    assert parent.scope == "parcel"


def gaps_of(lists: list[tuple[tuple[str, ...], list[float]]]) -> list:  # type: ignore[type-arg]
    return gap_norms("parcel", lists)
