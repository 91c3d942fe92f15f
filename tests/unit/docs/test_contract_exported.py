"""docs/contract.md is the rendering of ingest.proto's options, current."""

from __future__ import annotations

import importlib.util
from pathlib import Path

TOOL = Path(__file__).resolve().parents[3] / "docs" / "tools" / "export_contract.py"


def test_committed_contract_page_is_current() -> None:
    spec = importlib.util.spec_from_file_location("export_contract", TOOL)
    assert spec is not None
    assert spec.loader is not None
    tool = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(tool)
    assert tool.OUT.read_text(encoding="utf-8") == tool.render(), (
        "docs/contract.md is stale: run .venv/bin/python docs/tools/export_contract.py"
    )
    assert "| 13 | `return_status` |  | receipt_status |" in tool.render()
