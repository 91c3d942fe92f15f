"""The accuracy book with the ledger's shards on two PostgreSQL instances: each holds its
own shards' parcels and rollup rows, and the book reads both and gives the figures of one
instance holding every row; with one instance it runs each statement once, as before.
Fake pools stand for the instances (the three statements' rows, test_edd_accuracy_book_loop)."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from test_edd_accuracy_book_loop import DAYS, FIRST, _Pool

from quanhub.ledger.edd.accuracy_book import AccuracyBook, DayFigures

LAST = FIRST + timedelta(days=DAYS + 2)


class _Part(_Pool):
    """Every `of`-th row of each statement from the `at`-th: one instance's share."""

    def __init__(self, at: int, of: int) -> None:
        super().__init__()
        self.days = self.days[at::of]
        self.delivered = self.delivered[at::of]
        self.open = self.open[at::of]
        self.statements = 0

    async def fetch(self, sql: str, *args: object) -> list[dict[str, object]]:
        self.statements += 1
        return await super().fetch(sql, *args)


def _figures(days: dict[date, DayFigures]) -> dict[Any, Any]:
    return {(d, k): t.figures() for d, f in days.items() for k, t in f.items()}


async def test_two_instances_give_the_figures_of_one() -> None:
    whole = await AccuracyBook(_Pool()).figures(FIRST, LAST, LAST + timedelta(days=1))  # type: ignore[arg-type]
    home, other = _Part(0, 2), _Part(1, 2)
    both = AccuracyBook(home, others=(other,))  # type: ignore[arg-type]
    spread = await both.figures(FIRST, LAST, LAST + timedelta(days=1))
    assert _figures(spread) == _figures(whole)
    assert sum(t.predicted for f in spread.values() for t in f.values()) > 0
    assert home.statements == other.statements == 3
    alone = await AccuracyBook(_Part(0, 2)).figures(FIRST, LAST, LAST + timedelta(days=1))  # type: ignore[arg-type]
    assert _figures(alone) != _figures(whole)


async def test_one_instance_reads_each_statement_once() -> None:
    home = _Part(0, 1)
    await AccuracyBook(home).figures(FIRST, LAST, LAST + timedelta(days=1))  # type: ignore[arg-type]
    assert home.statements == 3
