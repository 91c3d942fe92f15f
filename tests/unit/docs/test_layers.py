"""Imports point downward only: tools -> services -> common -> proto, and services never
import each other (docs/architecture.md, "Layout and layers")."""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path
from types import ModuleType

import pytest

REPO = Path(__file__).resolve().parents[3]
TOOL = REPO / "docs" / "tools" / "import_graph.py"


@pytest.fixture(scope="module")
def graph_tool() -> ModuleType:
    spec = importlib.util.spec_from_file_location("import_graph", TOOL)
    assert spec is not None
    assert spec.loader is not None
    tool = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(tool)
    return tool


def test_no_import_crosses_a_layer_upward_or_sideways(graph_tool: ModuleType) -> None:
    found = graph_tool.violations(graph_tool.edges(REPO))
    assert not found, "imports against the layers:\n" + "\n".join(found)


def test_the_architecture_doc_shows_the_current_graph(graph_tool: ModuleType) -> None:
    doc = (REPO / "docs" / "architecture.md").read_text(encoding="utf-8")
    shown = re.search(r"<!-- import-graph -->\n```\n(.*?)\n```", doc, re.DOTALL)
    assert shown is not None, "docs/architecture.md lost its import graph block"
    assert shown.group(1) == graph_tool.diagram(graph_tool.edges(REPO)), (
        "the import graph changed: paste `.venv/bin/python docs/tools/import_graph.py` "
        "into docs/architecture.md"
    )


def _plant(repo: Path, root: str, module: str, source: str) -> None:
    path = repo / root / "quanhub" / Path(*module.split("."))
    path.parent.mkdir(parents=True, exist_ok=True)
    path.with_suffix(".py").write_text(source, encoding="utf-8")


def test_each_kind_of_violation_is_reported_with_its_file(
    graph_tool: ModuleType, tmp_path: Path
) -> None:
    _plant(tmp_path, "services/common", "common.kernel", "from quanhub.ledger import store\n")
    _plant(tmp_path, "services/gateway", "gateway.app", "import quanhub.normalizer.mapping\n")
    _plant(
        tmp_path,
        "services/ledger",
        "ledger.api",
        "def f():\n    from quanhub import stack\n",  # lazy imports count too
    )
    _plant(tmp_path, "services/normalizer", "normalizer.core", "from quanhub.common import ids\n")
    _plant(tmp_path, "cli", "cli.main", "from quanhub.bench import run\nimport quanhub.ledger\n")
    _plant(tmp_path, "deploy/local", "stack.up", "from quanhub.common import db\n")

    found = graph_tool.violations(graph_tool.edges(tmp_path))

    assert found == [
        "common -> ledger: services/common/quanhub/common/kernel.py",
        "gateway -> normalizer: services/gateway/quanhub/gateway/app.py",
        "ledger -> stack: services/ledger/quanhub/ledger/api.py",
    ]


def test_common_importing_a_tool_is_a_violation(graph_tool: ModuleType, tmp_path: Path) -> None:
    _plant(tmp_path, "services/common", "common.kernel", "import quanhub.cli.main\n")

    assert graph_tool.violations(graph_tool.edges(tmp_path)) == [
        "common -> cli: services/common/quanhub/common/kernel.py"
    ]


def test_an_unknown_quanhub_package_is_an_error_not_a_pass(
    graph_tool: ModuleType, tmp_path: Path
) -> None:
    _plant(tmp_path, "services/gateway", "gateway.app", "import quanhub.billing\n")

    with pytest.raises(ValueError, match=r"quanhub\.billing"):
        graph_tool.edges(tmp_path)
