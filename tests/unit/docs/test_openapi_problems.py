"""Both OpenAPI documents declare the answers the APIs really send: every error status as
the one `Problem` schema in application/problem+json, and the servers to call."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import openapi_spec_validator
import pytest

DOCS = Path(__file__).resolve().parents[3] / "docs" / "openapi"
DOCUMENTS = ["gateway.json", "ledger-api.json"]
PROBLEM = {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}
#: Routes a partner's own system calls (a carrier's push): they answer in its format.
PARTNER_FORMAT = "/v1/inbound/"


def _document(name: str) -> dict[str, Any]:
    document: dict[str, Any] = json.loads((DOCS / name).read_text(encoding="utf-8"))
    return document


def _operations(document: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    return [
        (f"{method.upper()} {path}", operation)
        for path, operations in document["paths"].items()
        for method, operation in operations.items()
    ]


@pytest.mark.parametrize("name", DOCUMENTS)
def test_every_error_answer_is_a_problem(name: str) -> None:
    document = _document(name)
    wrong = [
        f"{label} {status}"
        for label, operation in _operations(document)
        for status, answer in operation["responses"].items()
        if status[0] in "45" and answer.get("content") != PROBLEM and PARTNER_FORMAT not in label
    ]
    assert not wrong, wrong
    schemas = document["components"]["schemas"]
    assert "HTTPValidationError" not in schemas
    assert {"type", "title", "status", "detail", "code"} <= set(schemas["Problem"]["required"])


@pytest.mark.parametrize("name", DOCUMENTS)
def test_authenticated_routes_declare_401_422_and_503(name: str) -> None:
    missing = [
        f"{label} {status}"
        for label, operation in _operations(_document(name))
        if operation.get("security")
        for status in ("401", "422", "503")
        if status not in operation["responses"]
    ]
    assert not missing, missing


def test_lookups_by_path_declare_404() -> None:
    document = _document("ledger-api.json")
    lookups = [
        label
        for label, operation in _operations(document)
        if label.startswith("GET") and label.endswith("}") and "404" not in operation["responses"]
    ]
    assert not lookups, lookups


@pytest.mark.parametrize("name", DOCUMENTS)
def test_servers_name_the_local_service(name: str) -> None:
    servers = _document(name)["servers"]
    assert servers
    assert servers[0]["url"].startswith("http://localhost:")


@pytest.mark.parametrize("name", DOCUMENTS)
def test_documents_are_valid_openapi(name: str) -> None:
    openapi_spec_validator.validate(_document(name))
