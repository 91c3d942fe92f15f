"""The partner guide's Python examples run outside this repository: requirements.txt names
every package they import, and the generation command they document names every .proto
file the generated ingest_pb2 imports."""

from __future__ import annotations

import ast
import re
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[3]
EXAMPLES = REPO / "docs" / "examples" / "python"
PROTO = REPO / "proto"
#: The distribution that provides an imported top-level module, where the names differ.
DISTRIBUTION = {"google": "protobuf"}
#: Generated from the hub's .proto files (publish.py's docstring), not installed.
GENERATED = {"quanhub"}


def _requirements() -> dict[str, str]:
    lines = (EXAMPLES / "requirements.txt").read_text("utf-8").splitlines()
    pins = [line.split("#")[0].strip() for line in lines]
    found = (re.fullmatch(r"([A-Za-z0-9_.-]+)\s*>=\s*([0-9][0-9.]*)", pin) for pin in pins if pin)
    return {m[1].lower(): m[2] for m in found if m}


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text("utf-8"))
    names = {a.name for n in ast.walk(tree) if isinstance(n, ast.Import) for a in n.names}
    names |= {n.module for n in ast.walk(tree) if isinstance(n, ast.ImportFrom) and n.module}
    return {name.split(".")[0] for name in names} - {"__future__"}


def test_every_third_party_import_is_a_pinned_minimum_requirement() -> None:
    required = _requirements()
    assert required, "requirements.txt pins no minimum (name>=version)"
    for example in sorted(EXAMPLES.glob("*.py")):
        third_party = _imports(example) - set(sys.stdlib_module_names) - GENERATED
        missing = {DISTRIBUTION.get(m, m) for m in third_party} - set(required)
        assert not missing, f"{example.name} imports {missing}, not in requirements.txt"
    assert "grpcio-tools" in required  # generates ingest_pb2 (publish.py's docstring)


def _proto_imports(name: str) -> set[str]:
    """`name` and every quanhub .proto file it imports, transitively."""
    text = (PROTO / name).read_text("utf-8")
    found = {name}
    for imported in re.findall(r'^import\s+(?:public\s+)?"([^"]+)";', text, re.MULTILINE):
        if not imported.startswith("google/"):
            found |= _proto_imports(imported)
    return found


def test_the_documented_generation_names_every_proto_file_ingest_needs() -> None:
    doc = ast.get_docstring(ast.parse((EXAMPLES / "publish.py").read_text("utf-8"))) or ""
    command = re.search(r"grpc_tools\.protoc -I proto --python_out=\. \\\s+([^\n]+)", doc)
    assert command, "publish.py documents no grpc_tools.protoc command"
    assert set(command[1].split()) == _proto_imports("quanhub/ingest/v1/ingest.proto")
