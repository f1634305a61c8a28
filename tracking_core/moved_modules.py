"""Old module paths of tracking_core, kept importable after the modules moved into rooms.

Until round three, tracking_core was one flat package (``tracking_core.fluent``,
``tracking_core.writer``, ...). Code written against those paths (a user's script, a test, a
pickle or a saved model naming a module) keeps working: importing an old path gives the module at
its new place, the very same module object, so ``monkeypatch`` on either name changes both. The
packages that took an old module's name (``store``, ``client``, ``cli``) answer its names
themselves. New code imports the new paths.
"""

from __future__ import annotations

import importlib
import importlib.abc
import importlib.machinery
import sys
from types import ModuleType

MOVED = {
    "tracking_core.artifacts": "tracking_core.store.artifacts",
    "tracking_core.schema": "tracking_core.store.schema",
    "tracking_core.search": "tracking_core.store.search",
    "tracking_core.sql_search": "tracking_core.store.sql_search",
    "tracking_core.migrations": "tracking_core.store.migrations",
    "tracking_core.fluent": "tracking_core.client.fluent",
    "tracking_core.tracker": "tracking_core.client.tracker",
    "tracking_core.rest_tracker": "tracking_core.client.rest_tracker",
    "tracking_core.writer": "tracking_core.client.writer",
    "tracking_core.http": "tracking_core.rest.http",
    "tracking_core.rest_store": "tracking_core.rest.rest_store",
    "tracking_core.rest_artifacts": "tracking_core.rest.rest_artifacts",
    "tracking_core.datasets": "tracking_core.lineage.datasets",
    "tracking_core.dataset_inputs": "tracking_core.lineage.dataset_inputs",
    "tracking_core.system_metrics": "tracking_core.lineage.system_metrics",
    "tracking_core.liveness": "tracking_core.lineage.liveness",
    "tracking_core.models.cli": "tracking_core.cli.models",
    "tracking_core.server.cli": "tracking_core.cli.server",
}


def new_path(name: str) -> str | None:
    """The new path of an old module name (or of a module below an old package), None if it did not move."""
    for old, new in MOVED.items():
        if name == old or name.startswith(old + "."):
            return new + name[len(old) :]
    return None


class _AliasLoader(importlib.abc.Loader):
    def __init__(self, target: str):
        self.target = target

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> ModuleType:
        return importlib.import_module(self.target)

    def exec_module(self, module: ModuleType) -> None:
        """The module at its new path is already executed."""

    def module_repr(self, module: ModuleType) -> str:  # pragma: no cover - deprecated hook
        return repr(module)


class MovedModuleFinder(importlib.abc.MetaPathFinder):
    """Finds an old tracking_core path and hands out the module at its new path."""

    def find_spec(self, fullname: str, path=None, target=None) -> importlib.machinery.ModuleSpec | None:
        if not fullname.startswith("tracking_core."):
            return None
        target_name = new_path(fullname)
        if target_name is None:
            return None
        return importlib.machinery.ModuleSpec(fullname, _AliasLoader(target_name))


def install() -> None:
    """Put the finder on ``sys.meta_path`` once (idempotent)."""
    if not any(isinstance(finder, MovedModuleFinder) for finder in sys.meta_path):
        sys.meta_path.append(MovedModuleFinder())
