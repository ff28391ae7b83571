"""ARCHITECTURE.md's arrows, enforced: each package imports only what its row below allows."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

# Package -> the packages of this repository it may import (besides itself). One line per package;
# a new top-level package must be added here (the last test says so).
ALLOWED_IMPORTS: dict[str, set[str]] = {
    "conformance": set(),  # the engine; starts the reference server as a process, never imports it
    "steps": {"conformance"},
    "reference_server": set(),  # an implementation under test like any other
    # under test too; it takes only the media files it uploads from conformance.media_samples
    "reference_recording_server": {"conformance"},
    "bench": {"conformance"},  # measurements drive the suite and start servers as processes
}
# Not products: the project's own tests may import anything.
UNCHECKED = {"tests"}


def our_packages() -> set[str]:
    """Top-level directories of the repository that are Python packages."""
    return {path.parent.name for path in ROOT.glob("*/__init__.py") if not path.parent.name.startswith(".")}


def imported_modules(path: Path, package: str) -> list[tuple[int, str]]:
    """(line, absolute module name) of every import in a file, including those inside functions."""
    tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
    relative_base = ".".join(path.relative_to(ROOT).with_suffix("").parts[:-1])
    found: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            if node.level:  # relative: resolved against the file's own package
                base = relative_base.rsplit(".", node.level - 1)[0] if node.level > 1 else relative_base
                module = f"{base}.{node.module}" if node.module else base
            else:
                module = node.module or ""
            found.append((node.lineno, module))
            # `from conformance import _bdd_compat` imports a module named in the alias list
            found += [(node.lineno, f"{module}.{alias.name}") for alias in node.names]
    return found


def violations(package: str) -> list[str]:
    """Imports of `package` that its row does not allow, and reaches into another package's private module."""
    ours = our_packages()
    allowed = ALLOWED_IMPORTS[package] | {package}
    problems = []
    for path in sorted((ROOT / package).rglob("*.py")):
        where = path.relative_to(ROOT)
        for line, module in imported_modules(path, package):
            parts = module.split(".")
            top = parts[0]
            if top not in ours:
                continue  # the standard library or a dependency
            if top not in allowed:
                problems.append(f"{where}:{line} imports {module} ({package} may import {sorted(allowed)})")
            elif top != package and any(part.startswith("_") for part in parts[1:]):
                problems.append(f"{where}:{line} imports {module}, a private module of {top}")
    return problems


@pytest.mark.parametrize("package", sorted(ALLOWED_IMPORTS))
def test_a_package_imports_only_what_the_architecture_allows(package: str) -> None:
    problems = violations(package)
    assert not problems, "imports against ARCHITECTURE.md:\n" + "\n".join(problems)


def module_graph(package: str) -> dict[str, set[str]]:
    """Module -> the modules of the same package it imports (anywhere in the file)."""
    files = {}
    for path in (ROOT / package).rglob("*.py"):
        name = ".".join(path.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__")
        files[name] = path
    return {
        name: {module for _, module in imported_modules(path, package) if module in files and module != name}
        for name, path in files.items()
    }


def import_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One cycle of the graph as a path that returns to its start, or None."""
    done: set[str] = set()

    def visit(node: str, path: list[str]) -> list[str] | None:
        if node in path:
            return path[path.index(node) :] + [node]
        if node in done:
            return None
        for successor in sorted(graph[node]):
            cycle = visit(successor, [*path, node])
            if cycle:
                return cycle
        done.add(node)
        return None

    for start in sorted(graph):
        cycle = visit(start, [])
        if cycle:
            return cycle
    return None


@pytest.mark.parametrize("package", sorted(ALLOWED_IMPORTS))
def test_no_two_modules_of_a_package_import_each_other_even_lazily(package: str) -> None:
    # A lazy import hides a cycle from Python, not from a reader: e.g. the command and the self-test.
    cycle = import_cycle(module_graph(package))
    assert cycle is None, "import cycle: " + " -> ".join(cycle or [])


def test_the_cycle_finder_finds_a_lazy_two_module_cycle() -> None:
    graph = {"conformance.cli": {"conformance.mutation"}, "conformance.mutation": {"conformance.cli"}}
    assert import_cycle(graph) == ["conformance.cli", "conformance.mutation", "conformance.cli"]
    assert import_cycle({"a": {"b"}, "b": set()}) is None


def test_every_package_has_a_row_and_is_named_in_architecture_md() -> None:
    ours = our_packages() - UNCHECKED
    assert ours == set(ALLOWED_IMPORTS), (
        f"packages without a row in ALLOWED_IMPORTS: {sorted(ours - set(ALLOWED_IMPORTS))}; "
        f"rows without a package: {sorted(set(ALLOWED_IMPORTS) - ours)}"
    )
    architecture = (ROOT / "ARCHITECTURE.md").read_text(encoding="utf-8")
    missing = [package for package in ALLOWED_IMPORTS if f"{package}/" not in architecture]
    assert not missing, f"ARCHITECTURE.md does not describe {missing}"


def test_the_import_reader_sees_lazy_and_private_imports() -> None:
    source = ROOT / "conformance" / "scenario_order.py"
    modules = {module for _, module in imported_modules(source, "conformance")}
    assert "conformance._bdd_compat" in modules  # `from conformance import _bdd_compat`
    assert "conformance.resources" in modules  # imported inside a function


def test_only_the_seam_reaches_into_pytest_bdds_private_modules() -> None:
    # pytest-bdd's public surface is `pytest_bdd` itself; its registries live in submodules that may change.
    private = ("pytest_bdd.scenario", "pytest_bdd.reporting", "pytest_bdd.parser", "pytest_bdd.compat")
    seam = ROOT / "conformance" / "_bdd_compat.py"
    reaching = [
        f"{path.relative_to(ROOT)}:{line} imports {module}"
        for package in sorted(ALLOWED_IMPORTS)
        for path in sorted((ROOT / package).rglob("*.py"))
        if path != seam
        for line, module in imported_modules(path, package)
        if any(module == name or module.startswith(name + ".") for name in private)
    ]
    assert not reaching, "only conformance/_bdd_compat.py uses pytest-bdd internals:\n" + "\n".join(reaching)
