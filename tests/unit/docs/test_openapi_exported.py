"""The committed OpenAPI documents (docs/openapi/) match what the APIs serve."""

from __future__ import annotations

import importlib.util
from pathlib import Path

TOOL = Path(__file__).resolve().parents[3] / "docs" / "tools" / "export_openapi.py"


def test_committed_openapi_documents_are_current() -> None:
    spec = importlib.util.spec_from_file_location("export_openapi", TOOL)
    assert spec is not None
    assert spec.loader is not None
    tool = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(tool)
    for name, document in tool.documents().items():
        committed = (tool.OUT / name).read_text(encoding="utf-8")
        assert committed == tool.render(document), (
            f"docs/openapi/{name} is stale: run .venv/bin/python docs/tools/export_openapi.py"
        )
    assert "/v1/events" in (tool.OUT / "gateway.json").read_text()
    assert "/v1/kpis" in (tool.OUT / "ledger-api.json").read_text()
