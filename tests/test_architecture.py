"""The shape of the code: no import cycles, and the core never depends on a feature.

Read from the source with :mod:`ast`, so that every import counts: module level, inside functions
(a "lazy" import hides a cycle, it does not remove it) and under ``TYPE_CHECKING``. A cycle makes
the import order matter and usually means a piece of code lives in the wrong module; the core
(records, record types, identifiers, core) calling a feature (search, web, API, interop) means the
feature should register with the core instead (see :mod:`openbch.records.consumers`).
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from functools import cache
from pathlib import Path

SRC = Path(__file__).resolve().parents[1] / "src"

#: the packages every feature builds on: they must not import any feature
CORE = ("openbch.core", "openbch.records", "openbch.recordtypes", "openbch.identifiers", "openbch.vocabularies")
FEATURES = (
    "openbch.accounts",
    "openbch.api",
    "openbch.customs",
    "openbch.federation",
    "openbch.interop",
    "openbch.learning",
    "openbch.notifications",
    "openbch.participation",
    "openbch.search",
    "openbch.web",
)
#: composition (settings, URL map, entry points) and data: may import anything, nothing imports them
COMPOSITION = ("openbch.demo",)

#: cycles known and accepted (each as its sorted modules); none today, keep it that way
KNOWN_CYCLES: set[tuple[str, ...]] = set()

#: imports of a feature by the core that predate this test (importer, imported), to be removed;
#: none today (the LMO profile's "other databases" section is registered by interop)
KNOWN_CORE_TO_FEATURE: set[tuple[str, str]] = set()


def _modules() -> dict[str, Path]:
    found = {}
    for path in sorted((SRC / "openbch").rglob("*.py")):
        parts = path.relative_to(SRC).with_suffix("").parts
        name = ".".join(parts[:-1] if parts[-1] == "__init__" else parts)
        found[name] = path
    return found


def _imported(node: ast.Import | ast.ImportFrom, module: str, is_package: bool) -> Iterator[str]:
    """The dotted names an import statement may load (``from a import b``: ``a.b`` and ``a``)."""
    if isinstance(node, ast.Import):
        yield from (alias.name for alias in node.names)
        return
    base = node.module or ""
    if node.level:  # relative: from the module's package, one level up per extra dot
        package = module.split(".") if is_package else module.split(".")[:-1]
        anchor = package[: len(package) - (node.level - 1)]
        base = ".".join([*anchor, *([node.module] if node.module else [])])
    for alias in node.names:
        yield f"{base}.{alias.name}"
    yield base


@cache
def import_graph() -> dict[str, frozenset[str]]:
    """Each openbch module → the openbch modules it imports (the deepest one each import names)."""
    modules = _modules()

    def resolve(name: str) -> str | None:
        while name and name not in modules:
            name = name.rpartition(".")[0]
        return name or None

    graph = {}
    for module, path in modules.items():
        is_package = path.name == "__init__.py"
        targets: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
            if not isinstance(node, ast.Import | ast.ImportFrom):
                continue
            names = list(_imported(node, module, is_package))
            if isinstance(node, ast.ImportFrom):
                # ``from a import b``: the submodule a.b if there is one, else the module a
                exact = [n for n in names[:-1] if n in modules]
                names = exact or names[-1:]
            targets.update(t for t in map(resolve, names) if t and t.startswith("openbch"))
        targets.discard(module)
        graph[module] = frozenset(targets)
    return graph


def cycles(graph: dict[str, frozenset[str]]) -> list[tuple[str, ...]]:
    """The strongly connected components of more than one module (Tarjan), each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[tuple[str, ...]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in sorted(graph.get(node, ())):
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(tuple(sorted(component)))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def _explain(graph: dict[str, frozenset[str]], component: tuple[str, ...]) -> str:
    members = set(component)
    edges = [f"  {a} -> {b}" for a in component for b in sorted(graph[a] & members)]
    return "\n".join([f"cycle among {len(component)} modules:", *edges])


def _in(module: str, packages: tuple[str, ...]) -> bool:
    return any(module == p or module.startswith(p + ".") for p in packages)


def test_every_package_is_core_a_feature_or_composition() -> None:
    """A new package must say which it is, or the core-never-imports-a-feature check misses it."""
    packages = {".".join(p.relative_to(SRC).parts[:2]) for p in (SRC / "openbch").glob("*/__init__.py")}
    assert packages - {*CORE, *FEATURES, *COMPOSITION} == set()


def test_the_graph_sees_every_kind_of_import() -> None:
    graph = import_graph()
    assert "openbch.search.index" in graph["openbch.cli"]  # inside a function
    assert "openbch.records.changelog" in graph["openbch.search.index"]  # at module level
    assert "openbch.recordtypes.definition" in graph["openbch.recordtypes"]  # from a package __init__
    # the test finds cycles: a -> b -> c -> a, and a lone module
    assert cycles({"a": frozenset("b"), "b": frozenset("c"), "c": frozenset("a"), "d": frozenset()}) == [
        ("a", "b", "c")
    ]


def test_there_is_no_import_cycle() -> None:
    graph = import_graph()
    new = [c for c in cycles(graph) if c not in KNOWN_CYCLES]
    assert not new, "\n\n".join(_explain(graph, c) for c in new)


def test_the_core_never_imports_a_feature() -> None:
    """Directly or through another module: a feature must register with the core instead."""
    graph = import_graph()
    offences = []
    for module in sorted(m for m in graph if _in(m, CORE)):
        seen: dict[str, str] = {}  # module reached → the module it was reached from
        todo = [module]
        while todo:
            current = todo.pop()
            for target in graph[current]:
                if (current, target) in KNOWN_CORE_TO_FEATURE:
                    continue
                if target not in seen and target != module:
                    seen[target] = current
                    if not _in(target, FEATURES):  # the first feature module on the way is the offence
                        todo.append(target)
        for reached in sorted(t for t in seen if _in(t, FEATURES)):
            chain = [reached]
            while chain[-1] != module:
                chain.append(seen[chain[-1]])
            offences.append(" -> ".join(reversed(chain)))
            break
    assert not offences, "the core imports a feature:\n" + "\n".join(offences)
    # an exception that is gone must leave the list, so that it cannot come back unnoticed
    assert {(a, b) for a, b in KNOWN_CORE_TO_FEATURE if b in graph.get(a, ())} == KNOWN_CORE_TO_FEATURE
