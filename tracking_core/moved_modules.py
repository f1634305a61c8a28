"""Old module paths of tracking_core, kept importable after the modules moved into rooms.

Until round three, tracking_core was one flat package (``tracking_core.fluent``,
``tracking_core.writer``, ...). Code written against those paths (a user's script, a test, a
pickle or a saved model naming a module) keeps working: importing an old path gives the module at
its new place, the very same module object, so ``monkeypatch`` on either name changes both. The
two packages that took an old module's name answer its names themselves: ``client``
(``TrackingClient``) and ``cli`` (the runs and db commands). New code imports the new paths.
"""

from __future__ import annotations

import importlib
import sys
from importlib.machinery import ModuleSpec
from types import ModuleType

MOVED = {
    "tracking_core.store": "tracking_core.storage.sql_store",
    "tracking_core.artifacts": "tracking_core.storage.artifacts",
    "tracking_core.schema": "tracking_core.storage.schema",
    "tracking_core.search": "tracking_core.storage.search",
    "tracking_core.sql_search": "tracking_core.storage.sql_search",
    "tracking_core.migrations": "tracking_core.storage.migrations",
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


class _AliasLoader:
    """Loads an old path by importing the new one (a loader in ``importlib``'s sense)."""

    def __init__(self, target: str):
        self.target = target

    def create_module(self, spec: ModuleSpec) -> ModuleType:
        return importlib.import_module(self.target)

    def exec_module(self, module: ModuleType) -> None:
        """The module at its new path is already executed."""


class MovedModuleFinder:
    """Finds an old tracking_core path and hands out the module at its new path."""

    def find_spec(self, fullname: str, path=None, target=None) -> ModuleSpec | None:
        if not fullname.startswith("tracking_core."):
            return None
        target_name = new_path(fullname)
        if target_name is None:
            return None
        # A loader by protocol, not by base class: importlib.abc would cost milliseconds at import.
        return ModuleSpec(fullname, _AliasLoader(target_name))  # type: ignore[arg-type]


def install() -> None:
    """Put the finder first on ``sys.meta_path``, once (it answers only the old paths above)."""
    if not any(isinstance(finder, MovedModuleFinder) for finder in sys.meta_path):
        sys.meta_path.insert(0, MovedModuleFinder())  # before the path finder: a stale folder of an old path loses
