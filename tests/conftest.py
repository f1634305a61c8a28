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
import subprocess
import sys
import uuid
from dataclasses import dataclass, field

import pytest

from autolog import Integration, hookimpl
from autolog import plugin_manager

TESTS_DIR = os.path.dirname(os.path.abspath(__file__))
REPO_DIR = os.path.dirname(TESTS_DIR)
FAKEFRAMEWORK_SOURCE = os.path.join(TESTS_DIR, "fakeframework", "__init__.py")


class PluginBug(RuntimeError):
    """What a buggy fake plugin raises."""


@dataclass
class FakePlugin:
    """A plugin object for one integration: patches Model/Overriding/Inheriting.fit, logs alpha and loss.

    ``fail_in`` names hooks (``patch``, ``before_training``, ``collect_params``, ...) that raise
    ``PluginBug`` instead.
    """

    name: str
    module_name: str
    fail_in: set = field(default_factory=set)
    options: dict = field(default_factory=dict)

    def _maybe_fail(self, where: str) -> None:
        if where in self.fail_in:
            raise PluginBug(f"plugin bug in {where}")

    def patch(self, module, patcher) -> None:
        self._maybe_fail("patch")
        patcher.wrap_training(module.Model, "fit")
        patcher.wrap_training(module.Overriding, "fit")
        patcher.wrap_training(module.Inheriting, "fit")

    @hookimpl
    def autolog_register_integrations(self, register):
        register(Integration(name=self.name, modules=(self.module_name,), patch=self.patch,
                             options=dict(self.options)))

    @hookimpl
    def autolog_run_started(self, call):
        if call.integration == self.name:
            self._maybe_fail("run_started")

    @hookimpl
    def autolog_before_training(self, call):
        if call.integration == self.name:
            self._maybe_fail("before_training")

    @hookimpl
    def autolog_collect_params(self, call):
        if call.integration == self.name:
            self._maybe_fail("collect_params")
            return call.instance.get_params()

    @hookimpl
    def autolog_collect_metrics(self, call):
        if call.integration == self.name:
            self._maybe_fail("collect_metrics")
            return {"loss": call.instance.loss_}

    @hookimpl
    def autolog_run_ended(self, call, status):
        if call.integration == self.name:
            self._maybe_fail("run_ended")


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


@pytest.fixture
def make_framework(plugin_state, autolog_store, tmp_path, monkeypatch):
    """``make_framework(fail_in=(), register=True)``: a unique copy of fakeframework (not imported yet)
    and a fake plugin for it, registered by hand."""
    created: list[str] = []
    source_dir = tmp_path / "fwsrc"
    source_dir.mkdir()
    monkeypatch.syspath_prepend(str(source_dir))

    def make(fail_in=(), register=True, options=None) -> Framework:
        suffix = uuid.uuid4().hex[:10]
        module_name = f"fakefw_{suffix}"
        shutil.copyfile(FAKEFRAMEWORK_SOURCE, source_dir / f"{module_name}.py")
        importlib.invalidate_caches()
        plugin = FakePlugin(f"fake_{suffix}", module_name, set(fail_in), dict(options or {}))
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


def run_python(code: str, env: dict | None = None, cwd: str | None = None, timeout: float = 60,
               check: bool = True) -> subprocess.CompletedProcess:
    """Run ``code`` in a fresh interpreter of this venv (the repository importable)."""
    env = dict(env or {})
    full_env = {k: v for k, v in os.environ.items() if not k.startswith(("AUTOLOG_", "PYTEST_"))}
    full_env["PYTHONPATH"] = os.pathsep.join(filter(None, [REPO_DIR, env.pop("PYTHONPATH", None)]))
    full_env.update(env)
    result = subprocess.run([sys.executable, "-c", code], env=full_env, cwd=cwd, capture_output=True,
                            text=True, timeout=timeout)
    if check and result.returncode != 0:
        raise AssertionError(f"subprocess failed ({result.returncode}):\n{result.stdout}\n{result.stderr}")
    return result
