"""The layers hold: plugins, examples and the test kit use only public modules, every distribution
ships ``py.typed``, and the import-linter contracts of ``make lint`` cover every internal module."""

from __future__ import annotations

import ast
import configparser
import glob
import os

import pytest

from core_support import REPO_DIR

PUBLIC_AUTOLOG = {"autolog", "autolog.plugin", "autolog.option_checks"}
PLUGIN_PACKAGES = sorted(
    path
    for path in glob.glob(os.path.join(REPO_DIR, "plugins", "*", "autolog_*"))
    + glob.glob(os.path.join(REPO_DIR, "examples", "*", "autolog_*"))
    if os.path.isdir(path) and not path.endswith(".egg-info")
)


def imported_modules(path: str) -> list[tuple[str, int]]:
    """(module, line) of every ``import x`` / ``from x import y`` (y too, when it is a module of x)."""
    found = []
    tree = ast.parse(open(path, encoding="utf-8").read(), path)
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(alias.name, node.lineno) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.append((node.module, node.lineno))
            found += [
                (f"{node.module}.{alias.name}", node.lineno)
                for alias in node.names
                if os.path.exists(os.path.join(REPO_DIR, *node.module.split("."), f"{alias.name}.py"))
            ]
    return found


def private_uses(paths: list[str]) -> list[str]:
    bad = []
    for path in paths:
        for module, line in imported_modules(path):
            top = module.split(".", 1)[0]
            if top == "autolog" and module not in PUBLIC_AUTOLOG:
                bad.append(f"{os.path.relpath(path, REPO_DIR)}:{line} imports {module}")
            elif top == "tracking_core" and module != "tracking_core":
                bad.append(f"{os.path.relpath(path, REPO_DIR)}:{line} imports {module}")
    return bad


@pytest.mark.parametrize("package", PLUGIN_PACKAGES, ids=os.path.basename)
def test_plugins_and_examples_import_only_public_modules(package):
    assert private_uses(glob.glob(os.path.join(package, "**", "*.py"), recursive=True)) == []


def test_the_test_kit_uses_only_public_tracking_core():
    bad = [use for use in private_uses([os.path.join(REPO_DIR, "autolog", "testing.py")]) if "tracking_core" in use]
    assert bad == []


def test_every_distribution_ships_py_typed():
    packages = [os.path.join(REPO_DIR, "autolog"), os.path.join(REPO_DIR, "tracking_core"), *PLUGIN_PACKAGES]
    assert [p for p in packages if not os.path.exists(os.path.join(p, "py.typed"))] == []


def test_the_import_contracts_forbid_every_internal_autolog_module():
    config = configparser.ConfigParser()
    config.read(os.path.join(REPO_DIR, ".importlinter"))
    forbidden = set(config["importlinter:contract:public-autolog"]["forbidden_modules"].split())
    internal = {
        f"autolog.{os.path.splitext(name)[0]}"
        for name in os.listdir(os.path.join(REPO_DIR, "autolog"))
        if not name.startswith("_")
        and (name.endswith(".py") or os.path.exists(os.path.join(REPO_DIR, "autolog", name, "__init__.py")))
    }
    assert internal - PUBLIC_AUTOLOG - forbidden == set()
    sources = set(config["importlinter:contract:public-autolog"]["source_modules"].split())
    assert {os.path.basename(p) for p in PLUGIN_PACKAGES} <= sources
