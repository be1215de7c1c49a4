"""Import graph read with ``ast`` (nothing is imported): layers run downward, no cycles.

Ranks, top to bottom:

- 4: ``app``, ``pages``, ``api`` (parse, call one service, render)
- 3: ``web`` (Flask/Dash glue)
- 2: ``services``, ``demo`` (use cases, transactions)
- 1: ``store`` (pure repository) and the pure domain packages
- 0: ``settings``, ``i18n``, ``field_errors``

An import may go to the same rank or below, never above. On rank 1 the store and the domain do not
meet: ``store`` imports no domain package and no domain package imports ``store``. ``tests``, ``bench``
and ``scripts`` may import anything; nothing in the application imports them.
"""

from __future__ import annotations

import ast
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import pytest

from settings import ROOT_DIR

DOMAIN = frozenset({"incidents", "routing", "analytics", "planning", "layers", "auth"})
RANKS: dict[str, int] = {
    "app": 4, "pages": 4, "api": 4,
    "web": 3,
    "services": 2, "demo": 2,
    "store": 1, **dict.fromkeys(DOMAIN, 1),
    "settings": 0, "i18n": 0, "field_errors": 0,
}
#: Top-level packages outside the application: they may import anything, nothing may import them.
OUTSIDE = frozenset({"tests", "bench", "scripts"})
_SKIP_DIRS = frozenset({"var", "node_modules", "__pycache__", "migrations", "assets", "templates", "geo_data",
                        "docs"})


@dataclass(frozen=True)
class Edge:
    """``source`` imports ``target`` (dotted module names) on ``line`` of ``path``."""

    source: str
    target: str
    path: str
    line: int

    def __str__(self) -> str:
        return f"{self.path}:{self.line}  {self.source} -> {self.target}"


def _module_name(path: Path, root: Path) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def first_party_modules(root: Path) -> dict[str, Path]:
    """Dotted name → file of every Python module of the project (hidden and data folders skipped)."""
    modules: dict[str, Path] = {}
    for path in sorted(root.rglob("*.py")):
        rel = path.relative_to(root)
        if any(part.startswith(".") or part in _SKIP_DIRS for part in rel.parts[:-1]):
            continue
        modules[_module_name(path, root)] = path
    return modules


def _resolve(name: str, modules: dict[str, Path]) -> str | None:
    """The first-party module that ``name`` refers to (a module, or the package/module holding it)."""
    while name:
        if name in modules:
            return name
        name = name.rpartition(".")[0]
    return None


def _imported(node: ast.Import | ast.ImportFrom, module: str, is_package: bool,
              modules: dict[str, Path]) -> set[str]:
    """First-party modules an import statement loads: ``from pkg import name`` gives the submodule
    ``pkg.name`` when there is one, else ``pkg`` itself."""
    if isinstance(node, ast.Import):
        found = {_resolve(alias.name, modules) for alias in node.names}
        return {m for m in found if m is not None}
    if node.level:
        package = module if is_package else module.rpartition(".")[0]
        for _ in range(node.level - 1):
            package = package.rpartition(".")[0]
        base = ".".join(part for part in (package, node.module) if part)
    else:
        base = node.module or ""
    found = set()
    for alias in node.names:
        sub = f"{base}.{alias.name}"
        found.add(sub if sub in modules else _resolve(base, modules))
    return {m for m in found if m is not None}


def import_edges(modules: dict[str, Path], root: Path) -> list[Edge]:
    """Every first-party import of every module (module level, function level, relative, TYPE_CHECKING)."""
    edges: set[Edge] = set()
    for module, path in modules.items():
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        is_package = path.name == "__init__.py"
        rel = str(path.relative_to(root))
        for node in ast.walk(tree):
            if isinstance(node, (ast.Import, ast.ImportFrom)):
                for target in _imported(node, module, is_package, modules):
                    if target != module:
                        edges.add(Edge(module, target, rel, node.lineno))
    return sorted(edges, key=lambda e: (e.path, e.line, e.target))


def top(name: str) -> str:
    return name.partition(".")[0]


def layer_violations(edges: Iterable[Edge]) -> list[str]:
    """Imports that run up the ranks, cross between store and the domain, or reach tests/bench."""
    bad: list[str] = []
    for edge in edges:
        src, dst = top(edge.source), top(edge.target)
        if src == dst or src in OUTSIDE:
            continue
        if dst in OUTSIDE:
            bad.append(f"{edge}  (the application imports {dst})")
            continue
        if src not in RANKS or dst not in RANKS:
            continue  # reported by test_every_top_level_module_has_a_rank
        if RANKS[dst] > RANKS[src]:
            bad.append(f"{edge}  (rank {RANKS[src]} imports rank {RANKS[dst]})")
        elif src == "store" and dst in DOMAIN:
            bad.append(f"{edge}  (store imports the domain package {dst})")
        elif src in DOMAIN and dst == "store":
            bad.append(f"{edge}  (domain package {src} imports store)")
    return bad


def find_cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components with more than one node (Tarjan), each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    components: list[list[str]] = []
    counter = 0

    def visit(node: str) -> None:
        nonlocal counter
        index[node] = low[node] = counter
        counter += 1
        stack.append(node)
        on_stack.add(node)
        for nxt in sorted(graph.get(node, ())):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                components.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return sorted(components)


def _describe_cycles(edges: list[Edge], key: str) -> list[str]:
    """Each cycle with the import lines that make it (``key``: 'package' or 'module')."""
    def ends(edge: Edge) -> tuple[str, str]:
        return (top(edge.source), top(edge.target)) if key == "package" else (edge.source, edge.target)

    graph: dict[str, set[str]] = defaultdict(set)
    for edge in edges:
        a, b = ends(edge)
        if a != b:
            graph[a].add(b)
    out = []
    for component in find_cycles(graph):
        members = set(component)
        lines = [f"    {e}" for e in edges
                 if ends(e)[0] in members and ends(e)[1] in members and ends(e)[0] != ends(e)[1]]
        out.append(f"{key} cycle {' <-> '.join(component)}:\n" + "\n".join(lines))
    return out


@pytest.fixture(scope="module")
def modules() -> dict[str, Path]:
    return first_party_modules(ROOT_DIR)


@pytest.fixture(scope="module")
def edges(modules: dict[str, Path]) -> list[Edge]:
    return import_edges(modules, ROOT_DIR)


def test_the_graph_is_read(modules: dict[str, Path], edges: list[Edge]) -> None:
    expected = {"app", "pages.dispatch", "store.db", "services.incidents", "incidents.validation", "web.auth"}
    assert expected <= set(modules)
    assert any(e.source == "app" and e.target == "services.resources" for e in edges)


def test_every_top_level_module_has_a_rank(modules: dict[str, Path]) -> None:
    unranked = sorted({top(m) for m in modules} - set(RANKS) - OUTSIDE)
    assert not unranked, f"give these a rank in tests/test_architecture.py: {unranked}"


def test_imports_run_down_the_layers(edges: list[Edge]) -> None:
    bad = layer_violations(edges)
    assert not bad, "imports that run against the layers:\n" + "\n".join(bad)


def test_no_package_cycle(edges: list[Edge]) -> None:
    app_edges = [e for e in edges if top(e.source) not in OUTSIDE]
    cycles = _describe_cycles(app_edges, "package")
    assert not cycles, "\n".join(cycles)


def test_no_module_cycle_inside_a_package(edges: list[Edge]) -> None:
    inner = [e for e in edges if top(e.source) == top(e.target)]
    cycles = _describe_cycles(inner, "module")
    assert not cycles, "\n".join(cycles)


# --- the checker itself, on a small tree -----------------------------------------------------
def _write(root: Path, files: dict[str, str]) -> None:
    for rel, text in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)


def test_checker_sees_relative_and_function_level_imports(tmp_path: Path) -> None:
    _write(tmp_path, {
        "store/__init__.py": "from .db import Database\n",
        "store/db.py": "def f():\n    from layers import geodata\n",
        "layers/__init__.py": "",
        "layers/sub/__init__.py": "",
        "layers/sub/deep.py": "if True:\n    from ..geodata import X\n",
        "layers/geodata.py": "from . import projection\n",
        "layers/projection.py": "import layers.geodata\n",
        "services/__init__.py": "",
        "services/x.py": "from store import Database\nfrom web import ctx\n",
        "web/__init__.py": "",
        "web/ctx.py": "",
    })
    mods = first_party_modules(tmp_path)
    found = import_edges(mods, tmp_path)
    pairs = {(e.source, e.target) for e in found}
    assert ("store", "store.db") in pairs
    assert ("store.db", "layers.geodata") in pairs
    assert ("layers.geodata", "layers.projection") in pairs
    assert ("layers.sub.deep", "layers.geodata") in pairs
    assert ("services.x", "store") in pairs and ("services.x", "web.ctx") in pairs
    bad = layer_violations(found)
    assert any("store.db -> layers.geodata" in b for b in bad)
    assert any("services.x -> web.ctx" in b for b in bad)
    assert _describe_cycles([e for e in found if top(e.source) == top(e.target)], "module")
