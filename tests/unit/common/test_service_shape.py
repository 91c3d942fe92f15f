"""Every service process has the one shape: `python -m quanhub.X` calls `run_app` with the
`bootstrap(settings, **overrides)` of its package's bootstrap.py (quanhub.common.service)."""

from __future__ import annotations

import ast
import importlib
import inspect
from pathlib import Path

import pytest

from quanhub.common.service import App

SERVICES = Path(__file__).resolve().parents[3] / "services"
MAINS = sorted(SERVICES.glob("*/quanhub/**/__main__.py"))


def _module(path: Path) -> str:
    parts = path.relative_to(SERVICES).parts[1:-1]  # drop the service folder and file name
    return ".".join(parts)


def test_every_service_process_is_found() -> None:
    assert {_module(p) for p in MAINS} == {
        "quanhub.gateway",
        "quanhub.normalizer",
        "quanhub.ledger.api",
        "quanhub.ledger.consumer",
        "quanhub.ledger.dispatcher",
        "quanhub.ledger.watcher",
    }


@pytest.mark.parametrize("main", MAINS, ids=_module)
def test_main_runs_its_packages_bootstrap_through_run_app(main: Path) -> None:
    tree = ast.parse(main.read_text("utf-8"))
    imports = {
        alias.name: node.module
        for node in ast.walk(tree)
        if isinstance(node, ast.ImportFrom)
        for alias in node.names
    }
    assert imports.get("bootstrap") == f"{_module(main)}.bootstrap"
    assert imports.get("run_app") == "quanhub.common.service"
    calls = [
        node
        for node in ast.walk(tree)
        if isinstance(node, ast.Call)
        and isinstance(node.func, ast.Name)
        and node.func.id == "run_app"
    ]
    assert len(calls) == 1
    assert [ast.unparse(a) for a in calls[0].args] == ["bootstrap", "settings"]


@pytest.mark.parametrize("main", MAINS, ids=_module)
def test_bootstrap_takes_settings_then_keyword_overrides_and_gives_an_app(main: Path) -> None:
    bootstrap = importlib.import_module(f"{_module(main)}.bootstrap").bootstrap
    parameters = list(inspect.signature(bootstrap).parameters.values())
    assert parameters[0].name == "settings"
    assert all(p.kind is inspect.Parameter.KEYWORD_ONLY for p in parameters[1:])
    returned = inspect.signature(bootstrap, eval_str=True).return_annotation
    assert callable(getattr(returned, "run", None))
    assert callable(getattr(returned, "stop", None))
    assert returned is App or inspect.iscoroutinefunction(returned.run)
