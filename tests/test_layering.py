"""The layering of the four packages, read from their source (docs/architecture.md).

* ``problems`` imports none of ``solvers``, ``quantum``, ``learned``;
* ``quantum`` and ``learned`` import ``problems`` only (never each other, never ``solvers``);
* inside ``solvers``, the method families (``solvers.algorithms``) import neither the batch
  machinery (``solvers.runs``) nor the report (``solvers.report``).

Every import counts: at module level or inside a function, relative or absolute,
``importlib.import_module("...")`` with a literal name, and ``"module:function"`` targets
(the registry's lazy entries).
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("problems", "quantum", "learned", "solvers")
TARGET = re.compile(r"((?:problems|quantum|learned|solvers)(?:\.\w+)*):\w+")


def module_name(path: Path) -> str:
    """``solvers/algorithms/mcts.py`` -> ``solvers.algorithms.mcts`` (``__init__``: the package)."""
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports(source: str, module: str, is_package: bool = False) -> list[tuple[int, str]]:
    """(line, imported module) for every import in ``source``, the module ``module``.

    ``from a import b`` counts as importing ``a`` and ``a.b`` (``b`` may be a submodule).
    """
    package = module if is_package else module.rpartition(".")[0]
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parents = package.split(".")[:len(package.split(".")) - node.level + 1]
                base = ".".join(parents + ([node.module] if node.module else []))
            found.append((node.lineno, base))
            found += [(node.lineno, f"{base}.{alias.name}") for alias in node.names]
        elif (isinstance(node, ast.Call) and node.args
              and isinstance(node.args[0], ast.Constant) and isinstance(node.args[0].value, str)
              and ast.unparse(node.func) in ("importlib.import_module", "import_module")):
            found.append((node.lineno, node.args[0].value))
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            target = TARGET.fullmatch(node.value)
            if target:
                found.append((node.lineno, target.group(1)))
    return found


def within(module: str, package: str) -> bool:
    return module == package or module.startswith(package + ".")


def broken_rule(importer: str, imported: str) -> str | None:
    """Which layering rule ``importer`` importing ``imported`` breaks, if any."""
    top, target = importer.split(".")[0], imported.split(".")[0]
    if top == "problems" and target in PACKAGES and target != "problems":
        return "problems imports none of solvers, quantum, learned"
    if top in ("quantum", "learned") and target in PACKAGES and target not in (top, "problems"):
        other = "learned" if top == "quantum" else "quantum"
        return f"{top} imports problems only (never {other}, never solvers)"
    if within(importer, "solvers.algorithms") and (within(imported, "solvers.runs")
                                                 or within(imported, "solvers.report")):
        return "solvers.algorithms imports neither solvers.runs nor solvers.report"
    return None


def violations(paths) -> list[str]:
    found = []
    for path in paths:
        module = module_name(path)
        for line, imported in imports(path.read_text(), module, path.name == "__init__.py"):
            rule = broken_rule(module, imported)
            if rule:
                found.append(f"{path.relative_to(ROOT)}:{line} imports {imported}: {rule}")
    return found


def package_modules() -> list[Path]:
    return sorted(p for package in PACKAGES for p in (ROOT / package).rglob("*.py"))


def test_every_module_of_the_four_packages_keeps_to_its_layer():
    paths = package_modules()
    assert {module_name(p).split(".")[0] for p in paths} == set(PACKAGES)
    found = violations(paths)
    assert not found, "layering broken:\n" + "\n".join(found)


@pytest.mark.parametrize("module, source, rule", [
    ("learned.gnn", "def f():\n    import solvers\n", "learned imports problems only"),
    ("quantum.x", "from learned.heatmaps import knn\n", "quantum imports problems only"),
    ("problems.tsp", "import importlib\nimportlib.import_module('quantum.ising')\n",
     "problems imports none"),
    ("solvers.algorithms.mcts", "from ..runs import store\n", "solvers.algorithms imports"),
    ("solvers.algorithms.mcts", "from solvers import report\n", "solvers.algorithms imports"),
    ("learned.udc", "POLISH = 'solvers.algorithms.udc:whole_tour_polish'\n",
     "learned imports problems only"),
])
def test_the_check_sees_every_kind_of_import(module, source, rule):
    found = [broken_rule(module, imported) for _, imported in imports(source, module)]
    assert any(r and r.startswith(rule) for r in found), found


def test_allowed_imports_pass_and_relative_imports_resolve():
    source = "from problems import TSP\nfrom . import local_search\n"
    found = [imported for _, imported in imports(source, "solvers.algorithms.udc")]
    assert found == ["problems", "problems.TSP", "solvers.algorithms",
                     "solvers.algorithms.local_search"]
    assert [broken_rule("solvers.algorithms.udc", imported) for imported in found] == [None] * 4


def test_no_module_of_solvers_hides_its_public_api():
    """``solvers/methods/`` would do it: importing ``solvers.methods.x`` rebinds the attribute
    ``solvers.methods`` (the function) to the subpackage."""
    import importlib
    import pkgutil

    import solvers

    public = {name: getattr(solvers, name) for name in solvers.__all__}
    for module in pkgutil.walk_packages(solvers.__path__, "solvers."):
        importlib.import_module(module.name)
    assert {name: getattr(solvers, name) for name in solvers.__all__} == public
