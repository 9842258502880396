"""The package's import graph: no cycles between sub-packages, and the core never imports
its edges.

Built from the source with :mod:`ast` (every ``import`` statement, also inside functions;
imports under ``if TYPE_CHECKING:`` are annotations only and do not count for cycles, but do
count for the core/edge rule).
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "guard"
CORE = {"types", "policy", "detectors", "engine"}
EDGES = {"sidecar", "cli", "audit"}
# The HTTP *client* is allowed (remote detectors call guard models over HTTP); the server
# frameworks and trace-header propagation belong to the sidecar.
HTTP_TELEMETRY = {"opentelemetry.trace.propagation", "opentelemetry.propagate", "fastapi",
                  "starlette", "uvicorn"}
KNOWN_CYCLES: set[frozenset[str]] = set()


def _unit(module: str) -> str | None:
    """The sub-package (or top-level module) of ``guard`` that ``module`` belongs to."""
    parts = module.split(".")
    if parts[0] != "guard" or len(parts) < 2:
        return None
    return parts[1]


def _resolve(node: ast.ImportFrom, module: str, is_package: bool) -> str:
    if not node.level:
        return node.module or ""
    base = module.split(".")[: len(module.split(".")) - node.level + (1 if is_package else 0)]
    return ".".join([*base, *([node.module] if node.module else [])])


def _imports(path: Path) -> Iterator[tuple[str, bool]]:
    """(imported module, whether only under TYPE_CHECKING) for every import in ``path``."""
    rel = path.relative_to(PACKAGE.parent).with_suffix("")
    module = ".".join(rel.parts).removesuffix(".__init__")
    tree = ast.parse(path.read_text(encoding="utf-8"))
    typing_only: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            typing_only.update(id(n) for stmt in node.body for n in ast.walk(stmt))
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name, id(node) in typing_only
        elif isinstance(node, ast.ImportFrom):
            target = _resolve(node, module, path.name == "__init__.py")
            yield target, id(node) in typing_only
            for alias in node.names:  # ``from guard import sidecar`` imports a sub-package
                yield f"{target}.{alias.name}", id(node) in typing_only


def _graph() -> tuple[dict[str, set[str]], dict[str, set[str]]]:
    """(guard unit -> guard units it imports at run time, unit -> every module it imports)."""
    runtime: dict[str, set[str]] = {}
    everything: dict[str, set[str]] = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        rel = path.relative_to(PACKAGE)
        unit = rel.parts[0].removesuffix(".py")
        for target, typing_only in _imports(path):
            everything.setdefault(unit, set()).add(target)
            other = _unit(target)
            if other is not None and other != unit and not typing_only \
                    and (PACKAGE / other).exists() | (PACKAGE / f"{other}.py").exists():
                runtime.setdefault(unit, set()).add(other)
    return runtime, everything


def _cycles(graph: dict[str, set[str]]) -> set[frozenset[str]]:
    """Strongly connected components with more than one node (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    found: set[frozenset[str]] = set()

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        for nxt in graph.get(node, ()):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = set()
            while True:
                member = stack.pop()
                component.add(member)
                if member == node:
                    break
            if len(component) > 1:
                found.add(frozenset(component))

    for node in list(graph):
        if node not in index:
            visit(node)
    return found


def test_no_cycles_between_sub_packages() -> None:
    runtime, _ = _graph()
    assert _cycles(runtime) <= KNOWN_CYCLES


def test_the_core_never_imports_its_edges() -> None:
    _, everything = _graph()
    offences = []
    for unit in CORE:
        for target in sorted(everything.get(unit, ())):
            if _unit(target) in EDGES or target.startswith("guard.sidecar") \
                    or any(target == m or target.startswith(m + ".") for m in HTTP_TELEMETRY):
                offences.append(f"guard.{unit} imports {target}")
    assert offences == []


def test_the_checker_sees_imports() -> None:
    """Guards the test itself: the graph has the edges we know exist."""
    runtime, everything = _graph()
    assert "policy" in runtime["engine"] and "detectors" in runtime["policy"]
    assert "guard.sidecar.state" in everything["sidecar"]
    assert _cycles({"a": {"b"}, "b": {"a"}, "c": {"a"}}) == {frozenset({"a", "b"})}
