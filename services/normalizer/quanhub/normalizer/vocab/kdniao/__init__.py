"""Kdniao parcel vocabulary (`code_system = "kdniao"`): a `State` or, finer, a `StateEx`.

Send the StateEx when there is one ("211"); the two code sets do not overlap. The form
"State/StateEx" ("2/211") is read too, and the finer code wins when it is known.
"""

from __future__ import annotations

from quanhub.normalizer.vocab.kdniao.table import SOURCE, TABLE
from quanhub.normalizer.vocab.types import ParcelCode

__all__ = ["SOURCE", "TABLE", "lookup"]


def lookup(code: str) -> ParcelCode | None:
    """The row for a Kdniao State ("2"), StateEx ("211") or "State/StateEx" pair."""
    state, _, state_ex = code.strip().partition("/")
    if state_ex:
        return TABLE.get(state_ex.strip()) or TABLE.get(state.strip())
    return TABLE.get(state)
