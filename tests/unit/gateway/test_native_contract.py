"""The native path reads the contract as Python does: the named formats against the table of
examples both languages' tests read, and the free-text and personal fields it derives from
the same options."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import quanhub_gateway_native as native

from quanhub.common import fields, pii
from quanhub.common.contract import Format
from quanhub.gateway import fastpath, parsing

TABLE = json.loads((Path(__file__).parents[2] / "corpus" / "formats.json").read_text("utf-8"))
CASES = [
    (name, value, verdict == "valid")
    for name, examples in TABLE.items()
    if not name.startswith("_")
    for verdict in ("valid", "invalid")
    for value in examples[verdict]
]
LIMITS = parsing.BodyLimits(
    max_body_bytes=2**22,
    max_events=10,
    max_event_bytes=2**20,
    max_string_chars=10**6,
    max_json_depth=32,
    max_json_body_bytes=2**22,
    max_json_values=10**6,
)


@pytest.fixture(scope="module")
def fast() -> native.FastPath:
    return native.FastPath(**fastpath.tables(LIMITS), secret=b"s" * 32, namespace=b"n" * 16)


def test_every_format_has_examples() -> None:
    assert {Format(name) for name in TABLE if not name.startswith("_")} == set(Format) - {
        Format.NONE
    }


@pytest.mark.parametrize(("name", "value", "valid"), CASES)
def test_the_native_format_judges_the_example(
    fast: native.FastPath, name: str, value: str, valid: bool
) -> None:
    """With the lists it is handed (trade modes, ie flags, carrier codes): cargo test runs
    the same table with stand-in lists."""
    assert fast.matches_format(name, value) is valid


def test_the_native_free_text_fields_are_python_s(fast: native.FastPath) -> None:
    assert fast.free_text() == {name: list(names) for name, names in fields.free_text().items()}


def test_the_native_party_plan_is_python_s(fast: native.FastPath) -> None:
    """The personal fields it tokenises, in the order their tokens are written."""
    expected = {
        body: [(path, kind.value) for _, plan in parties for _, kind, path, _ in plan]
        for body, parties in pii._party_plan().items()
    }
    assert fast.parties() == expected
