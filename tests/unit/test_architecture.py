"""The package's shape: layers that import downwards only, no import cycle of any kind.

``make lint`` runs import-linter's layers contract (``pyproject.toml``); these tests add
what a layers contract cannot say (cycles inside a package, through TYPE_CHECKING too)
and prove the contract fails on an upward import.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import grimp
import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "lean_connector"
SUBPACKAGES = ("spec", "secrets", "transport", "auth", "api", "sync", "cli", "aws_lambda")


def _cycles(graph: grimp.ImportGraph) -> list[list[str]]:
    """Strongly connected components with more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    counter = [0]

    def visit(node: str) -> None:
        index[node] = low[node] = counter[0]
        counter[0] += 1
        stack.append(node)
        on_stack.add(node)
        for child in graph.find_modules_directly_imported_by(node):
            if child not in index:
                visit(child)
                low[node] = min(low[node], low[child])
            elif child in on_stack:
                low[node] = min(low[node], index[child])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    sys.setrecursionlimit(max(sys.getrecursionlimit(), 10_000))
    for module in sorted(graph.modules):
        if module not in index:
            visit(module)
    return found


def test_no_import_cycle_among_the_package_modules_type_checking_included() -> None:
    graph = grimp.build_graph("lean_connector", exclude_type_checking_imports=False)
    assert _cycles(graph) == []


def test_the_root_holds_few_modules_and_the_subpackages_exist() -> None:
    root_modules = sorted(p.name for p in PACKAGE.glob("*.py"))
    assert len(root_modules) <= 10, root_modules
    for name in SUBPACKAGES:
        assert (PACKAGE / name / "__init__.py").is_file(), name
    assert (PACKAGE / "testing" / "sandbox" / "__init__.py").is_file()


def test_a_subpackage_keeps_its_internals_private() -> None:
    # Each subpackage's __init__ is its public surface: everything else in it is _private.
    for name in SUBPACKAGES:
        public = [p.name for p in (PACKAGE / name).glob("*.py") if not p.name.startswith("_")]
        assert public == [], f"{name}: {public}"


@pytest.mark.skipif(
    shutil.which("lint-imports") is None
    and not (Path(sys.executable).parent / "lint-imports").exists(),
    reason="import-linter is not installed (pip install -e .[dev])",
)
def test_the_layers_contract_fails_on_an_upward_import(tmp_path: Path) -> None:
    copy = tmp_path / "project"
    copy.mkdir()
    shutil.copy(ROOT / "pyproject.toml", copy / "pyproject.toml")
    shutil.copytree(PACKAGE, copy / "lean_connector", ignore=shutil.ignore_patterns("__pycache__"))
    lint = str(Path(sys.executable).parent / "lint-imports")

    kept = subprocess.run([lint], cwd=copy, capture_output=True, text=True, check=False)
    assert kept.returncode == 0, kept.stdout

    errors = copy / "lean_connector" / "errors.py"
    errors.write_text(errors.read_text() + "\nfrom lean_connector.client import LeanConnector\n")
    broken = subprocess.run([lint], cwd=copy, capture_output=True, text=True, check=False)
    assert broken.returncode != 0
    assert "lean_connector.errors -> lean_connector.client" in broken.stdout
