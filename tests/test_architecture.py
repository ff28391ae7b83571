"""ARCHITECTURE.md's arrows, enforced: each package imports only what its row below allows."""

from __future__ import annotations

import ast
import importlib
import inspect
import json
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]

# Package -> the packages of this repository it may import (besides itself). One line per package;
# a new top-level package must be added here (the last test says so).
ALLOWED_IMPORTS: dict[str, set[str]] = {
    "conformance": set(),  # the engine; starts the reference server as a process, never imports it
    "steps": {"conformance"},
    "reference_server": set(),  # an implementation under test like any other
    # under test too; it takes only the media samples it uploads from conformance.protocol
    "reference_recording_server": {"conformance"},
    "bench": {"conformance"},  # measurements drive the suite and start servers as processes
}
# Not products: the project's own tests may import anything.
UNCHECKED = {"tests"}

# The packages of conformance/ -> the packages of conformance/ they may import besides themselves. "shared" is
# the few modules at the top of conformance/ (cli.py excepted: the command may import everything).
LAYERS: dict[str, set[str]] = {
    "shared": set(),
    "protocol": set(),
    "traffic": {"protocol"},
    "target": {"protocol", "traffic"},
    "reports": {"protocol", "traffic"},
    "suite": {"target", "reports", "protocol", "traffic"},
    "fuzz": {"suite", "target", "reports", "protocol", "traffic"},
    "recording_server_suite": {"suite", "target", "reports", "protocol", "traffic"},
}
COMMAND = "conformance.cli"
MAX_TOP_LEVEL_MODULES = 12
FACES_FILE = ROOT / "tests" / "public_faces.json"


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
            elif private_outside(module_name(path), module):
                problems.append(f"{where}:{line} imports {module}, a private module of another package")
    return problems


def module_name(path: Path) -> str:
    """The dotted name of a file of the repository."""
    return ".".join(path.relative_to(ROOT).with_suffix("").parts).removesuffix(".__init__")


def private_outside(importer: str, module: str) -> bool:
    """Whether `importer` reaches a `_name` part of `module` from outside the package that holds it."""
    parts = module.split(".")
    for index, part in enumerate(parts):
        if part.startswith("_") and not part.startswith("__"):
            owner = ".".join(parts[:index])
            return not (importer == owner or importer.startswith(owner + "."))
    return False


def layer_of(module: str) -> str:
    """The package of conformance/ a module belongs to ("shared" for the top level)."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 and parts[1] in LAYERS else "shared"


def layer_violations() -> list[str]:
    """Imports between the packages of conformance/ that LAYERS does not allow, lazy ones included."""
    problems = []
    for path in sorted((ROOT / "conformance").rglob("*.py")):
        importer = module_name(path)
        if importer == COMMAND:
            continue
        source = layer_of(importer)
        for line, module in imported_modules(path, "conformance"):
            if module.split(".")[0] != "conformance" or module == "conformance":
                continue
            target = layer_of(module)
            if target != source and target != "shared" and target not in LAYERS[source]:
                where = path.relative_to(ROOT)
                problems.append(f"{where}:{line} imports {module} ({source} may not use {target})")
            elif target == "shared" and module == COMMAND:
                problems.append(f"{path.relative_to(ROOT)}:{line} imports the command {module}")
    return problems


def test_the_packages_of_conformance_import_only_along_the_arrows() -> None:
    problems = layer_violations()
    assert not problems, "imports against the package arrows of ARCHITECTURE.md:\n" + "\n".join(problems)


def test_the_arrows_name_every_package_of_conformance() -> None:
    packages = {path.parent.name for path in (ROOT / "conformance").glob("*/__init__.py")}
    assert packages == set(LAYERS) - {"shared"}


def test_at_most_twelve_modules_at_the_top_of_conformance() -> None:
    top = sorted(path.name for path in (ROOT / "conformance").glob("*.py"))
    assert len(top) <= MAX_TOP_LEVEL_MODULES, top


def package_faces() -> dict[str, list[str]]:
    """Every package of conformance/ (subpackages too) -> its __all__, as written."""
    faces = {}
    for init in sorted((ROOT / "conformance").rglob("__init__.py")):
        tree = ast.parse(init.read_text(encoding="utf-8"))
        names = None
        for node in tree.body:
            if isinstance(node, ast.Assign) and any(getattr(t, "id", "") == "__all__" for t in node.targets):
                names = [ast.literal_eval(element) for element in node.value.elts]
        faces[module_name(init)] = names
    return faces


def test_every_package_has_an_all_whose_names_exist() -> None:
    faces = package_faces()
    without = [package for package, names in faces.items() if package != "conformance" and names is None]
    assert not without, f"packages without __all__: {without}"
    missing = [
        f"{package}.{name}"
        for package, names in faces.items()
        if names
        for name in names
        if not hasattr(importlib.import_module(package), name)
    ]
    assert not missing, f"names in __all__ that the package does not have: {missing}"


def test_no_package_exports_a_module_whole() -> None:
    # A module in __all__ is a namespace: callers would reach every name it holds, and the face is no longer
    # the short list of what the other packages use.
    modules = [
        f"{package}.{name}"
        for package, names in package_faces().items()
        if names
        for name in names
        if inspect.ismodule(getattr(importlib.import_module(package), name, None))
    ]
    assert not modules, f"__all__ names a module; export the names it holds that others use: {modules}"


def test_the_public_faces_are_pinned() -> None:
    # A change to what a package exports is a visible diff of tests/public_faces.json (as httpx pins its API).
    faces = {package: sorted(names) for package, names in package_faces().items() if names is not None}
    assert faces == json.loads(FACES_FILE.read_text(encoding="utf-8")), (
        "a public face changed; if that is meant, update tests/public_faces.json"
    )


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
    return {name: modules_used(name, path, package, files) for name, path in files.items()}


def modules_used(name: str, path: Path, package: str, files: dict[str, Path]) -> set[str]:
    """The modules of `files` a module imports; `from pkg import _x` uses _x, not pkg's __init__."""
    imports = imported_modules(path, package)
    addressed = {
        module
        for line, module in imports
        if any(other.startswith(module + ".") and other in files and at == line for at, other in imports)
    }
    return {module for _, module in imports if module in files and module != name and module not in addressed}


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
    command, runner = "conformance.cli", "conformance.suite._mutation"
    graph = {command: {runner}, runner: {command}}
    assert import_cycle(graph) == [command, runner, command]
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
    source = ROOT / "conformance" / "suite" / "_scenario_order.py"
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


def test_a_private_module_is_private_to_the_package_that_holds_it() -> None:
    assert private_outside("steps.world", "conformance.target._setup_driver")
    assert private_outside("conformance.suite._suite_run", "conformance.target._run_setup")
    assert not private_outside("conformance.target._preflight", "conformance.target._run_setup")
    assert not private_outside("conformance.reports.living_docs._pages", "conformance._bdd_compat")
    assert not private_outside("steps.world", "conformance.target")
