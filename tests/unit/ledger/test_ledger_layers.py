"""Inside the ledger, layers point one way: the API maps what reads return, never the reverse."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

LEDGER = Path(__file__).resolve().parents[3] / "services" / "ledger" / "quanhub" / "ledger"

#: Package -> the ledger packages it must never import (directly, lazily or for typing).
FORBIDDEN = {
    "read": ("quanhub.ledger.api",),
    "store": ("quanhub.ledger.api", "quanhub.ledger.kpis", "quanhub.ledger.read"),
    "feeds": ("quanhub.ledger.api",),
    "edd": ("quanhub.ledger.api", "quanhub.ledger.read"),
}


def _imports(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_a_lower_ledger_layer_imports_nothing_above_it(package: str) -> None:
    wrong = [
        f"{path.relative_to(LEDGER)} imports {name}"
        for path in sorted((LEDGER / package).rglob("*.py"))
        for name in sorted(_imports(path))
        if name.startswith(FORBIDDEN[package])
    ]
    assert wrong == []
