"""The layers of pipeline/ as the README draws them, checked over the source's syntax trees (no imports run):
no import cycle between modules, and only the Dagster layer (pipeline/defs/) and the launcher import Dagster."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "pipeline"
# Packages that must not import the Dagster layer or Dagster itself.
PURE = ("pipeline.extract", "pipeline.ingest", "pipeline.tables", "pipeline.publish", "pipeline.release",
        "pipeline.stages", "pipeline.records", "pipeline.settings", "pipeline.lexicons", "pipeline.eval")


def module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def modules() -> dict[str, Path]:
    return {module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def imports(path: Path, known: dict[str, Path], top_level_only: bool) -> set[str]:
    """The project modules a file imports (`from a.b import c` counts a.b.c when that is a module, else a.b)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    nodes = tree.body if top_level_only else list(ast.walk(tree))
    out: set[str] = set()
    for node in nodes:
        if isinstance(node, ast.Import):
            out.update(a.name for a in node.names if a.name in known)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            for a in node.names:
                sub = f"{node.module}.{a.name}"
                out.add(sub if sub in known else node.module)
    return {m for m in out if m in known}


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan's algorithm)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on: set[str] = set()
    found = []

    def visit(v: str) -> None:
        index[v] = low[v] = len(index)
        stack.append(v)
        on.add(v)
        for w in sorted(graph.get(v, ())):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                found.append(sorted(comp))

    for v in sorted(graph):
        if v not in index:
            visit(v)
    return found


def _graph(top_level_only: bool) -> dict[str, set[str]]:
    known = modules()
    # A package's __init__ runs before its modules: an import of the package itself is not an edge back.
    return {m: {i for i in imports(p, known, top_level_only) if not m.startswith(i + ".")} for m, p in known.items()}


def test_no_import_cycle_between_modules():
    assert cycles(_graph(top_level_only=False)) == []


def test_only_the_dagster_layer_imports_dagster():
    known = modules()
    offenders = []
    for name, path in known.items():
        if not name.startswith(PURE):
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else \
                [node.module or ""] if isinstance(node, ast.ImportFrom) else []
            if any(n == "dagster" or n.startswith(("dagster.", "dagster_", "pipeline.defs", "pipeline.launch")) for n in names):
                offenders.append(f"{name}: {names}")
    assert offenders == []


def test_the_check_finds_a_cycle():
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
