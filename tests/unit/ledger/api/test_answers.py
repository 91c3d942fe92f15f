"""Answers kept per data version: kept while last_seq stays, dropped when it moves, never
kept when the version moved during the computation."""

from __future__ import annotations

from typing import Any

from quanhub.ledger.api.answers import Answers


class _Ledger:
    """A ledger_sequence whose last_seq the test moves; counts the computations."""

    def __init__(self) -> None:
        self.seq = 1
        self.computed = 0

    async def fetchval(self, query: str, *args: Any) -> int:
        return self.seq

    def compute(self, answer: str, *, move_to: int | None = None) -> Any:
        async def run() -> str:
            self.computed += 1
            if move_to is not None:
                self.seq = move_to
            return f"{answer}@{self.seq}"

        return run


async def test_an_answer_is_kept_while_the_version_stays() -> None:
    ledger, kept = _Ledger(), Answers()
    first = await kept.get_or_compute(ledger, "k", ledger.compute("a"))  # type: ignore[arg-type]
    again = await kept.get_or_compute(ledger, "k", ledger.compute("b"))  # type: ignore[arg-type]
    assert (first, again, ledger.computed) == ("a@1", "a@1", 1)


async def test_a_new_version_computes_again() -> None:
    ledger, kept = _Ledger(), Answers()
    await kept.get_or_compute(ledger, "k", ledger.compute("a"))  # type: ignore[arg-type]
    ledger.seq = 2
    answer = await kept.get_or_compute(ledger, "k", ledger.compute("b"))  # type: ignore[arg-type]
    assert (answer, ledger.computed) == ("b@2", 2)


async def test_an_answer_computed_while_the_version_moved_is_not_kept() -> None:
    ledger, kept = _Ledger(), Answers()
    await kept.get_or_compute(ledger, "k", ledger.compute("a", move_to=2))  # type: ignore[arg-type]
    answer = await kept.get_or_compute(ledger, "k", ledger.compute("b"))  # type: ignore[arg-type]
    assert (answer, ledger.computed) == ("b@2", 2)


async def test_the_oldest_answers_go_first() -> None:
    ledger, kept = _Ledger(), Answers(size=2)
    for key in ("x", "y", "z"):
        await kept.get_or_compute(ledger, key, ledger.compute(key))  # type: ignore[arg-type]
    await kept.get_or_compute(ledger, "x", ledger.compute("x2"))  # type: ignore[arg-type]
    assert ledger.computed == 4
