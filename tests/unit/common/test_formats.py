"""The named formats against the table of examples the native path's tests read too."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from quanhub.common.contract import Format
from quanhub.common.formats import FORMATS

TABLE = json.loads((Path(__file__).parents[2] / "corpus" / "formats.json").read_text("utf-8"))
CASES = [
    (name, value, verdict == "valid")
    for name, examples in TABLE.items()
    if not name.startswith("_")
    for verdict in ("valid", "invalid")
    for value in examples[verdict]
]


def test_every_format_has_a_check_and_examples_both_ways() -> None:
    named = {f for f in Format if f is not Format.NONE}
    assert set(FORMATS) == named
    assert {Format(name) for name in TABLE if not name.startswith("_")} == named
    for name, examples in TABLE.items():
        if not name.startswith("_"):
            assert examples["valid"], name
            assert examples["invalid"], name


@pytest.mark.parametrize(("name", "value", "valid"), CASES)
def test_format_judges_the_example(name: str, value: str, valid: bool) -> None:
    assert bool(FORMATS[Format(name)].matches(value)) is valid
