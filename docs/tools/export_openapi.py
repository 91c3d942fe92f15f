"""Write the OpenAPI documents of both APIs to docs/openapi/ (run after changing a route).

    .venv/bin/python docs/tools/export_openapi.py

The running services serve the same documents at /openapi.json (and Swagger UI at /docs);
tests/unit/docs/test_openapi_exported.py fails when the committed files are stale.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

OUT = Path(__file__).resolve().parents[1] / "openapi"


def documents() -> dict[str, dict[str, Any]]:
    """File name -> OpenAPI document, built from each API's composition root (no I/O)."""
    from quanhub.gateway.app import create_app as gateway_app
    from quanhub.gateway.settings import GatewaySettings
    from quanhub.ledger.api.app import create_app as ledger_app
    from quanhub.ledger.settings import LedgerApiSettings

    return {
        "gateway.json": gateway_app(GatewaySettings()).openapi(),
        "ledger-api.json": ledger_app(LedgerApiSettings()).openapi(),
    }


def render(document: dict[str, Any]) -> str:
    """Stable, diff-friendly JSON."""
    return json.dumps(document, indent=2, ensure_ascii=False, sort_keys=True) + "\n"


if __name__ == "__main__":
    OUT.mkdir(exist_ok=True)
    for name, document in documents().items():
        (OUT / name).write_text(render(document), encoding="utf-8")
