"""Import limits of a declaration view: the buyer's year comes from the view's own
statement, and is looked up on its own only when the statement read another buyer."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from quanhub.ledger.read.customs import _buyer_year


class _Conn:
    """Answers the stand-alone buyer lookup, and records that it was asked."""

    def __init__(self) -> None:
        self.asked: list[tuple[Any, ...]] = []

    async def fetchrow(self, sql: str, *args: Any) -> dict[str, Any]:
        self.asked.append(args)
        return {"n": 3, "total": Decimal("30000.00"), "unreadable": 1}


def _row(token: str | None, year: int | None) -> dict[str, Any]:
    return {
        "limit_token": token,
        "limit_year": year,
        "limit_orders": 2,
        "limit_total": Decimal("25000.00"),
        "limit_unreadable": 0,
    }


async def test_the_statement_s_figures_serve_when_it_read_the_same_buyer_and_year() -> None:
    conn = _Conn()
    got = await _buyer_year(conn, _row("t1:id-b", 2026), "t1:id-b", 2026)
    assert got == (2, Decimal("25000.00"), 0)
    assert conn.asked == []


async def test_another_buyer_or_year_is_looked_up_on_its_own() -> None:
    for row in (_row(None, 2026), _row("t1:id-other", 2026), _row("t1:id-b", 2025)):
        conn = _Conn()
        got = await _buyer_year(conn, row, "t1:id-b", 2026)
        assert got == (3, Decimal("30000.00"), 1)
        [(token, start, end)] = conn.asked
        assert token == "t1:id-b"
        assert start == datetime(2025, 12, 31, 16, tzinfo=UTC)
        assert end == datetime(2026, 12, 31, 16, tzinfo=UTC)
