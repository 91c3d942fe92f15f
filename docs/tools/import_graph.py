"""Which part of the tree imports which: the layer picture of docs/architecture.md, checked.

    .venv/bin/python docs/tools/import_graph.py           # the graph, as in the doc
    .venv/bin/python docs/tools/import_graph.py --check   # exit 1 on a layer violation
    .venv/bin/python docs/tools/import_graph.py --lines   # lines per folder

Imports point downward only: tools (cli, stack, bench, simulator) -> services (gateway,
normalizer, ledger) -> common (quanhub.common, the shared kernel) -> proto (generated code).
Services never import each other; tools may import each other. Every import counts, also one
inside a function or under TYPE_CHECKING: each is a dependency of the importing folder.
tests/unit/docs/test_layers.py runs the check and compares the graph with the doc.
"""

from __future__ import annotations

import argparse
import ast
import sys
from collections import defaultdict
from collections.abc import Iterable, Iterator
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]

# Each folder that is a root of the `quanhub` namespace package, and the part it holds.
ROOTS: dict[str, str] = {
    "proto/gen/python": "proto",
    "services/common": "common",
    "services/gateway": "gateway",
    "services/normalizer": "normalizer",
    "services/ledger": "ledger",
    "cli": "cli",
    "deploy/local": "stack",
    "bench": "bench",
    "simulator": "simulator",
}
# The part that each top-level module name belongs to.
PARTS: dict[str, str] = {
    "quanhub.ingest": "proto",
    "quanhub.canonical": "proto",
    "quanhub.options": "proto",
    "quanhub.common": "common",
    "quanhub.gateway": "gateway",
    "quanhub_gateway_native": "gateway",  # the gateway's Rust fast path, a module of its own
    "quanhub.normalizer": "normalizer",
    "quanhub.ledger": "ledger",
    "quanhub.cli": "cli",
    "quanhub.stack": "stack",
    "quanhub.bench": "bench",
    "quanhub.simulator": "simulator",
}
LAYERS: dict[str, list[str]] = {
    "tools": ["cli", "stack", "bench", "simulator"],
    "services": ["gateway", "normalizer", "ledger"],
    "common": ["common"],
    "proto": ["proto"],
}
DEPTH = {part: depth for depth, parts in enumerate(reversed(LAYERS.values())) for part in parts}

# Line counts: the languages written by hand (generated Python is counted with proto/).
COUNTED = ("*.py", "*.sql", "*.rs", "*.proto", "*.sh")
FOLDERS = (
    "services/common",
    "services/gateway",
    "services/normalizer",
    "services/ledger",
    "cli",
    "deploy/local",
    "bench",
    "simulator",
    "proto",
    "tests",
    "docs",
)

Edges = dict[tuple[str, str], list[str]]


def part_of(module: str) -> str | None:
    """The part a dotted module name belongs to, or None for a module outside the project."""
    for prefix, part in PARTS.items():
        if module == prefix or module.startswith(prefix + "."):
            return part
    if module == "quanhub" or module.startswith("quanhub."):
        msg = f"{module}: a quanhub package this tool does not know; add it to PARTS"
        raise ValueError(msg)
    return None


def imported(tree: ast.AST) -> Iterator[str]:
    """Every absolute module name an import statement in the tree names."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            yield from (alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            if node.module == "quanhub":  # `from quanhub import ledger`
                yield from (f"quanhub.{alias.name}" for alias in node.names)
            else:
                yield node.module


def sources(repo: Path) -> Iterator[tuple[str, Path]]:
    """(part, file) for every Python file under a namespace root's quanhub/ folder."""
    for root, part in ROOTS.items():
        for path in sorted((repo / root / "quanhub").rglob("*.py")):
            yield part, path


def edges(repo: Path = REPO) -> Edges:
    """(importing part, imported part) -> the files (relative to repo) that import so."""
    found: defaultdict[tuple[str, str], list[str]] = defaultdict(list)
    for part, path in sources(repo):
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        targets = {p for name in imported(tree) if (p := part_of(name)) and p != part}
        for target in targets:
            found[part, target].append(path.relative_to(repo).as_posix())
    return dict(found)


def allowed(source: str, target: str) -> bool:
    """Downward only; the tools may also import each other, the services never."""
    tools = LAYERS["tools"]
    return DEPTH[target] < DEPTH[source] or (source in tools and target in tools)


def violations(graph: Edges) -> list[str]:
    """One line per forbidden edge, naming the files that make it."""
    return [
        f"{source} -> {target}: {', '.join(files)}"
        for (source, target), files in sorted(graph.items())
        if not allowed(source, target)
    ]


def diagram(graph: Edges) -> str:
    """The graph as text, one line per part, layers top to bottom."""
    lines = []
    for layer, parts in LAYERS.items():
        for i, part in enumerate(parts):
            targets = sorted((t for s, t in graph if s == part), key=lambda t: (-DEPTH[t], t))
            label = layer if i == 0 else ""
            arrow = "-> " + ", ".join(targets) if targets else ""
            lines.append(f"{label:<10}{part:<12}{arrow}".rstrip())
    return "\n".join(lines)


def line_counts(repo: Path = REPO, folders: Iterable[str] = FOLDERS) -> list[tuple[str, int]]:
    """Lines of hand-written code per folder (build output such as Rust's target/ left out)."""
    counts = []
    for folder in folders:
        total = 0
        for pattern in COUNTED:
            for path in (repo / folder).rglob(pattern):
                if "target" not in path.relative_to(repo).parts and path.is_file():
                    total += len(path.read_bytes().splitlines())
        counts.append((folder, total))
    return counts


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="exit 1 on a layer violation")
    parser.add_argument("--lines", action="store_true", help="lines per folder instead")
    args = parser.parse_args(argv)
    out = sys.stdout
    if args.lines:
        for folder, total in line_counts():
            out.write(f"{folder:<24}{total:>7}\n")
        return 0
    graph = edges()
    out.write(diagram(graph) + "\n")
    bad = violations(graph)
    for line in bad:
        out.write(f"violation: {line}\n")
    return 1 if bad and args.check else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
