"""Answers kept per data version: kept while last_seq stays, dropped when it moves, never
kept when the version moved during the computation."""

from __future__ import annotations

from datetime import date
from typing import Any

import httpx
from fastapi import FastAPI, Response
from pydantic import BaseModel, ConfigDict, Field

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


class _Report(BaseModel):
    """A response model with what a serializer may write differently: an alias, a small
    float, text beyond ASCII, nesting."""

    model_config = ConfigDict(populate_by_name=True)

    since: date = Field(alias="from")
    share: float
    name: str
    rows: list[dict[str, int | None]]


REPORT = _Report(since=date(2026, 11, 1), share=1.234e-05, name="济南·历下", rows=[{"a": None}])


async def test_a_json_answer_is_the_body_fastapi_sends_for_its_model() -> None:
    ledger, kept = _Ledger(), Answers()
    app = FastAPI()

    @app.get("/model")
    async def model() -> _Report:
        return REPORT

    @app.get("/kept", response_model=_Report)
    async def kept_json() -> Response:
        async def compute() -> _Report:
            ledger.computed += 1
            return REPORT

        return await kept.json(ledger, "k", compute)  # type: ignore[arg-type]

    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://ledger") as client:
        direct = await client.get("/model")
        first, again = await client.get("/kept"), await client.get("/kept")
    assert first.content == again.content == direct.content
    assert first.headers["content-type"] == direct.headers["content-type"]
    assert ledger.computed == 1


class _Instance:
    """One PostgreSQL instance's version row (global seq, visible seqs, links read)."""

    def __init__(self) -> None:
        self.row = {"global_seq": 1, "visible": 10, "links": 0}
        self.reads = 0

    async def fetchrow(self, query: str, *args: Any) -> Any:
        self.reads += 1
        return _Row(self.row)

    async def fetchval(self, query: str, *args: Any) -> int:
        raise AssertionError("with several instances the version is read as rows")


class _Row(dict[str, int]):
    """A record: by name and by position."""

    def __getitem__(self, key: Any) -> int:
        if isinstance(key, int):
            return list(self.values())[key]
        return super().__getitem__(key)


async def test_with_several_instances_any_instance_moving_drops_the_answers() -> None:
    home, other, computed = _Instance(), _Instance(), []

    def compute(answer: str) -> Any:
        async def run() -> str:
            computed.append(answer)
            return answer

        return run

    kept = Answers(others=[other])  # type: ignore[list-item]
    assert await kept.get_or_compute(home, "k", compute("a")) == "a"  # type: ignore[arg-type]
    assert await kept.get_or_compute(home, "k", compute("b")) == "a"  # type: ignore[arg-type]
    # A step off home: its visible seq moves before home's global seq does.
    other.row["visible"] += 5
    assert await kept.get_or_compute(home, "k", compute("c")) == "c"  # type: ignore[arg-type]
    # A link fact applied off home moves nothing but the applier's offsets.
    other.row["links"] += 1
    assert await kept.get_or_compute(home, "k", compute("d")) == "d"  # type: ignore[arg-type]
    assert await kept.get_or_compute(home, "k", compute("e")) == "d"  # type: ignore[arg-type]
    assert computed == ["a", "c", "d"]
    assert home.reads == other.reads == 8  # each request reads every instance once or twice


async def test_one_instance_reads_one_value_as_before() -> None:
    ledger, kept = _Ledger(), Answers(others=())
    await kept.get_or_compute(ledger, "k", ledger.compute("a"))  # type: ignore[arg-type]
    assert await kept.get_or_compute(ledger, "k", ledger.compute("b")) == "a@1"  # type: ignore[arg-type]
