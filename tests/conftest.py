"""Fixtures of the core tests: a fresh plugin state, a fake framework, a fake plugin for it.

Every test that patches gets its own copy of ``tests/fakeframework`` under a unique module name
and its own integration name, so wrapt post-import hooks (process-global, never removed) and
patchers (one per integration name) of one test never touch another. The plugin manager state
is swapped for a fresh one that loads no installed plugin (``AUTOLOG_LOAD_PLUGINS=""``), so the
results do not depend on which autolog plugins happen to be installed in the venv.
"""

from __future__ import annotations

import importlib
import os
import shutil
import sys
import uuid
from dataclasses import dataclass

import pytest

from autolog import plugin_manager

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from core_support import FAKEFRAMEWORK_SOURCE, FakePlugin


@pytest.fixture
def plugin_state(monkeypatch):
    """A fresh plugin manager that loads the default plugins only (no installed distribution)."""
    monkeypatch.setenv("AUTOLOG_LOAD_PLUGINS", "")
    monkeypatch.delenv("AUTOLOG_DISABLED_PLUGINS", raising=False)
    monkeypatch.setattr(plugin_manager, "_state", plugin_manager._State())
    yield


@dataclass
class Framework:
    module_name: str
    plugin: FakePlugin

    @property
    def name(self) -> str:
        return self.plugin.name

    def imported(self) -> bool:
        return self.module_name in sys.modules

    def import_(self):
        return importlib.import_module(self.module_name)


FAKE_PACKAGE = "autolog_fakefw"


@pytest.fixture(scope="session")
def _framework_root(tmp_path_factory):
    """A sys.path entry holding the namespace package ``autolog_fakefw`` (one top-level module for all
    copies, so the one-time metadata scan of version gating happens once per session)."""
    root = tmp_path_factory.mktemp("fakefw")
    (root / FAKE_PACKAGE).mkdir()
    sys.path.insert(0, str(root))
    importlib.invalidate_caches()
    yield root / FAKE_PACKAGE
    sys.path.remove(str(root))


@pytest.fixture
def make_framework(plugin_state, autolog_store, _framework_root):
    """``make_framework(fail_in=(), register=True)``: a unique copy of fakeframework (not imported yet)
    and a fake plugin for it, registered by hand."""
    created: list[str] = []

    def make(fail_in=(), register=True, options=None, option_checks=None) -> Framework:
        suffix = uuid.uuid4().hex[:10]
        module_name = f"{FAKE_PACKAGE}.fw_{suffix}"
        shutil.copyfile(FAKEFRAMEWORK_SOURCE, _framework_root / f"fw_{suffix}.py")
        importlib.invalidate_caches()
        plugin = FakePlugin(f"fake_{suffix}", module_name, set(fail_in), dict(options or {}), dict(option_checks or {}))
        if register:
            plugin_manager.register_plugin(plugin, plugin.name)
        created.append(module_name)
        return Framework(module_name, plugin)

    yield make
    for module_name in created:
        sys.modules.pop(module_name, None)


@pytest.fixture
def fw(make_framework):
    """A registered fake framework, already imported (``fw.module``)."""
    framework = make_framework()
    framework.module = framework.import_()
    return framework
