"""Layers only point down, and no module imports itself back round a cycle.

The rule, read from bottom to top (each layer may import its own layer and those below it,
never one above it):

    foundation (errors, clock)
    < engine (pure: no I/O)
    < settings (config, config_sources)
    < store (SQLAlchemy models, the database, migrations)
    < use cases and adapters (service, queries, records, catalog, emails, ...; notify,
      scheduling, reports)
    < composition (wiring: the one place that plugs listeners into the service)
    < interfaces (cli, daemon, web, demo, scenarios)

Every import counts, wherever it is written: at the top of a module, inside a function (a
lazy import), or under `if TYPE_CHECKING:`. So a lazy import cannot hide a cycle or an upward
dependency. Cycles are checked between modules and between the package's parts (each
subpackage or top-level module is one part), so `reports` importing a use case that imports
`reports` is caught even when no single module is on the loop. Interfaces reach the store
only through use cases: apart from building the `Database` at the edge, they import neither
SQLAlchemy nor the store's models.

A new subpackage or top-level module must be placed in LAYERS below: the test fails until it is.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

PACKAGE = "ceop_workflow"
ROOT = Path(__file__).resolve().parents[2] / PACKAGE

# Bottom first. A name covers the module of that name and everything under it.
LAYERS: tuple[tuple[str, frozenset[str]], ...] = (
    ("foundation", frozenset({"errors", "clock"})),
    ("engine", frozenset({"engine"})),
    ("settings", frozenset({"config", "config_sources"})),
    ("store", frozenset({"store"})),
    (
        "use cases and adapters",
        frozenset(
            {
                "app",
                "notify",
                "scheduling",
                "reports",
                "adoption",
                "strategy",
            }
        ),
    ),
    ("composition", frozenset({"wiring"})),
    ("interfaces", frozenset({"cli", "daemon", "web", "demo", "scenarios", "__main__"})),
)
INTERFACES = LAYERS[-1][1]
# The store an interface may touch: the Database it builds at the edge and hands down.
EDGE_OF_STORE = frozenset({f"{PACKAGE}.store.db"})
# Interface modules that still query the store themselves, each with why it is left for now.
KNOWN_STORE_READERS = {
    f"{PACKAGE}.demo.year": "counts audit rows, reviews and alerts for its summary, and looks "
    "for a due duty or a waiting email before it runs a daemon round",
}


@dataclass(frozen=True)
class Import:
    """One import statement: who imports what, where."""

    importer: str
    imported: str
    line: int

    def __str__(self) -> str:
        return f"{self.importer} (line {self.line}) imports {self.imported}"


def module_name(path: Path) -> str:
    """`ceop_workflow.x.y` for `ceop_workflow/x/y.py` (a package's `__init__` is the package)."""
    parts = path.relative_to(ROOT.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def modules() -> dict[str, Path]:
    """Every module of the package, by dotted name."""
    return {module_name(path): path for path in sorted(ROOT.rglob("*.py"))}


def imports(name: str, path: Path, known: set[str]) -> Iterator[Import]:
    """Every import in the module, at any depth, resolved to the package's modules.

    Imports from outside the package are yielded as they are (`sqlalchemy.orm`), so rules about
    third-party libraries can be checked too.
    """
    package = name.split(".") if path.name == "__init__.py" else name.split(".")[:-1]
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"), str(path))):
        targets: list[str] = []
        if isinstance(node, ast.Import):
            targets = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                stem = package[: len(package) - node.level + 1]
                base = ".".join([*stem, *([node.module] if node.module else [])])
            # `from pkg import mod` imports the module pkg.mod; `from mod import name` mod.
            targets = [
                f"{base}.{a.name}" if f"{base}.{a.name}" in known else base for a in node.names
            ]
        for target in targets:
            yield Import(name, _owning_module(target, known), node.lineno)


def _owning_module(target: str, known: set[str]) -> str:
    if not target.startswith(PACKAGE):
        return target
    while target not in known and "." in target:
        target = target.rsplit(".", 1)[0]
    return target


# Packages whose modules are each a part of their own: `app` holds one use case a module, and
# a cycle between two use cases (service -> queries -> service) is as bad as one between parts.
SPLIT_PARTS = frozenset({"app"})


def part_of(module: str) -> str:
    """The subpackage or top-level module a module belongs to (`notify` for notify.drain;
    `app.service` for app.service, since each use case is a part of its own)."""
    parts = module.split(".")
    if len(parts) > 2 and parts[1] in SPLIT_PARTS:
        return ".".join(parts[1:3])
    return parts[1] if len(parts) > 1 else ""


def layer_of(module: str) -> int | None:
    """The index in LAYERS of a module of the package; None if nobody placed it."""
    part = part_of(module)
    if not part:  # the package's own __init__: imports nothing, sits at the bottom
        return 0
    top = part.split(".")[0]
    return next((i for i, (_, names) in enumerate(LAYERS) if top in names), None)


def graph() -> list[Import]:
    """Every import between the package's own modules (and out of it), across the package."""
    found = modules()
    known = set(found)
    return [i for name, path in found.items() for i in imports(name, path, known)]


def internal(edges: list[Import]) -> list[Import]:
    """The imports of one package module by another."""
    return [e for e in edges if e.imported.startswith(PACKAGE) and e.imported != e.importer]


def cycles(nodes: set[str], edges: set[tuple[str, str]]) -> list[list[str]]:
    """The groups of nodes that reach one another (cycles), each sorted; [] when acyclic."""
    successors: dict[str, set[str]] = {n: set() for n in nodes}
    for a, b in edges:
        if a != b:
            successors[a].add(b)
    reach = {n: _reachable(n, successors) for n in nodes}
    groups = {frozenset(m for m in reach[n] if n in reach[m]) | {n} for n in nodes}
    return sorted(sorted(group) for group in groups if len(group) > 1)


def _reachable(start: str, successors: dict[str, set[str]]) -> set[str]:
    seen: set[str] = set()
    todo = [start]
    while todo:
        for nxt in successors[todo.pop()] - seen:
            seen.add(nxt)
            todo.append(nxt)
    return seen


def test_every_part_of_the_package_is_placed_in_a_layer() -> None:
    unplaced = sorted({part_of(m) for m in modules() if layer_of(m) is None})
    assert not unplaced, f"place these in LAYERS of {__file__}: {', '.join(unplaced)}"


def test_no_import_points_up_the_layers() -> None:
    upward = []
    for edge in internal(graph()):
        below, above = layer_of(edge.importer), layer_of(edge.imported)
        if below is not None and above is not None and above > below:
            upward.append(f"{edge}: {LAYERS[below][0]} may not import {LAYERS[above][0]}")
    assert not upward, "imports that point up:\n" + "\n".join(upward)


def test_no_import_cycle_between_modules() -> None:
    edges = {(e.importer, e.imported) for e in internal(graph())}
    found = cycles(set(modules()), edges)
    assert not found, "modules importing each other: " + "; ".join(map(" <-> ".join, found))


def test_no_import_cycle_between_parts_of_the_package() -> None:
    edges = {(part_of(e.importer), part_of(e.imported)) for e in internal(graph())}
    found = cycles({part_of(m) for m in modules()}, edges)
    assert not found, "parts importing each other: " + "; ".join(map(" <-> ".join, found))


def test_interfaces_reach_the_store_only_through_use_cases() -> None:
    reaching = [
        str(edge)
        for edge in graph()
        if part_of(edge.importer) in INTERFACES
        and edge.importer not in KNOWN_STORE_READERS
        and (
            edge.imported.split(".")[0] == "sqlalchemy"
            or (edge.imported.startswith(f"{PACKAGE}.store") and edge.imported not in EDGE_OF_STORE)
        )
    ]
    assert not reaching, "interfaces touching the store:\n" + "\n".join(reaching)


# The checks must be able to fail: each rule run on a small package with the fault it forbids.


def test_the_cycle_finder_finds_a_loop_through_a_lazy_import(tmp_path: Path) -> None:
    a = tmp_path / "a.py"
    a.write_text("def f():\n    from ceop_workflow.app.queries import x\n", encoding="utf-8")
    known = {"ceop_workflow.app.queries", "ceop_workflow.reports.mailing"}
    found = list(imports("ceop_workflow.reports.mailing", a, known))
    assert [(i.imported, i.line) for i in found] == [("ceop_workflow.app.queries", 2)]
    loop = {("reports", "queries"), ("queries", "service"), ("service", "reports")}
    assert cycles({"reports", "queries", "service", "cli"}, loop) == [
        ["queries", "reports", "service"]
    ]
    assert cycles({"a", "b"}, {("a", "b")}) == []


@pytest.mark.parametrize(
    ("importer", "imported", "upward"),
    [
        ("ceop_workflow.scheduling.reload", "ceop_workflow.wiring", True),
        ("ceop_workflow.engine.machine", "ceop_workflow.store.models", True),
        ("ceop_workflow.config", "ceop_workflow.store.db", True),
        ("ceop_workflow.app.service", "ceop_workflow.cli.app", True),
        ("ceop_workflow.cli.app", "ceop_workflow.app.service", False),
        ("ceop_workflow.reports.compute", "ceop_workflow.app.catalog", False),
    ],
)
def test_layer_order(importer: str, imported: str, upward: bool) -> None:
    below, above = layer_of(importer), layer_of(imported)
    assert below is not None and above is not None
    assert (above > below) is upward


def test_imports_are_resolved_relative_and_from_packages(tmp_path: Path) -> None:
    init = tmp_path / "__init__.py"
    init.write_text(
        "from . import rows\nfrom .lease import x\nimport ceop_workflow.store.models\n"
        "from ceop_workflow.scheduling import sweep\nfrom sqlalchemy.orm import Session\n",
        encoding="utf-8",
    )
    known = {
        "ceop_workflow.scheduling",
        "ceop_workflow.scheduling.rows",
        "ceop_workflow.scheduling.lease",
        "ceop_workflow.scheduling.sweep",
        "ceop_workflow.store",
        "ceop_workflow.store.models",
    }
    found = [i.imported for i in imports("ceop_workflow.scheduling", init, known)]
    assert found == [
        "ceop_workflow.scheduling.rows",
        "ceop_workflow.scheduling.lease",
        "ceop_workflow.store.models",
        "ceop_workflow.scheduling.sweep",
        "sqlalchemy.orm",
    ]
