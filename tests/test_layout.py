"""The layout holds: tracking_core's rooms and autolog import in one direction with no circle, and
code written against the old flat paths of tracking_core keeps working after the move."""

from __future__ import annotations

import importlib
import subprocess
import sys

import grimp
import pytest

OLD_PATHS = {
    "tracking_core.fluent": "tracking_core.client.fluent",
    "tracking_core.writer": "tracking_core.client.writer",
    "tracking_core.tracker": "tracking_core.client.tracker",
    "tracking_core.store": "tracking_core.storage.sql_store",
    "tracking_core.schema": "tracking_core.storage.schema",
    "tracking_core.artifacts": "tracking_core.storage.artifacts",
    "tracking_core.migrations": "tracking_core.storage.migrations",
    "tracking_core.rest_store": "tracking_core.rest.rest_store",
    "tracking_core.datasets": "tracking_core.lineage.datasets",
    "tracking_core.liveness": "tracking_core.lineage.liveness",
    "tracking_core.models.cli": "tracking_core.cli.models",
    "tracking_core.server.cli": "tracking_core.cli.server",
}


def strongly_connected_groups(graph: grimp.ImportGraph) -> list[list[str]]:
    """Groups of modules that import each other in a circle, directly or not (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups: list[list[str]] = []

    def visit(module: str) -> None:
        index[module] = low[module] = len(index)
        stack.append(module)
        on_stack.add(module)
        for imported in graph.find_modules_directly_imported_by(module):
            if imported not in index:
                visit(imported)
                low[module] = min(low[module], low[imported])
            elif imported in on_stack:
                low[module] = min(low[module], index[imported])
        if low[module] == index[module]:
            group = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.append(member)
                if member == module:
                    break
            if len(group) > 1:
                groups.append(sorted(group))

    for module in sorted(graph.modules):
        if module not in index:
            visit(module)
    return groups


def test_no_module_of_autolog_or_tracking_core_imports_itself_in_a_circle():
    # Every import counts: at the top, inside functions and under TYPE_CHECKING.
    graph = grimp.build_graph("autolog", "tracking_core")
    assert strongly_connected_groups(graph) == []


@pytest.mark.parametrize("old, new", sorted(OLD_PATHS.items()))
def test_an_old_flat_path_imports_the_module_at_its_new_place(old, new):
    assert importlib.import_module(old) is importlib.import_module(new)


def test_patching_a_function_through_its_old_path_changes_what_the_code_calls(tmp_path):
    # What a user's test or a plugin author's fixture did before the move: patch tracking_core.store.
    code = f"""
from tracking_core import store as store_module
opened = []
real = store_module.make_engine
store_module.make_engine = lambda url: opened.append(url) or real(url)
store_module.get_store({"sqlite:///" + str(tmp_path / "autolog.db")!r})
assert opened, "get_store did not use the patched make_engine"
from tracking_core.store import SqlStore
from tracking_core.tracker import tracker_for
from tracking_core.cli import add_runs_commands
from tracking_core.client import TrackingClient
"""
    subprocess.run([sys.executable, "-c", code], check=True)


def test_a_module_path_that_never_existed_is_still_an_import_error():
    with pytest.raises(ModuleNotFoundError):
        importlib.import_module("tracking_core.no_such_module")
