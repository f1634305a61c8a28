"""Helpers of the core tests: the fake plugin, and running code in a fresh interpreter."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from dataclasses import dataclass, field

from autolog import Integration, hookimpl

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
    option_checks: dict = field(default_factory=dict)

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
        register(
            Integration(
                name=self.name,
                modules=(self.module_name,),
                patch=self.patch,
                options=dict(self.options),
                option_checks=dict(self.option_checks),
            )
        )

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


def run_python(
    code: str, env: dict | None = None, cwd: str | None = None, timeout: float = 60, check: bool = True
) -> subprocess.CompletedProcess:
    """Run ``code`` in a fresh interpreter of this venv (the repository importable)."""
    env = dict(env or {})
    full_env = {k: v for k, v in os.environ.items() if not k.startswith(("AUTOLOG_", "PYTEST_"))}
    full_env["PYTHONPATH"] = os.pathsep.join(filter(None, [REPO_DIR, env.pop("PYTHONPATH", None)]))
    full_env.update(env)
    result = subprocess.run(
        [sys.executable, "-c", code], env=full_env, cwd=cwd, capture_output=True, text=True, timeout=timeout
    )
    if check and result.returncode != 0:
        raise AssertionError(f"subprocess failed ({result.returncode}):\n{result.stdout}\n{result.stderr}")
    return result


PLUGIN_SOURCE = textwrap.dedent('''
    """A tiny installed autolog plugin, found through its entry point."""
    from autolog import Integration, hookimpl

    NAME = {name!r}
    FRAMEWORK = {framework!r}
    GREETING = "hello from " + NAME


    def patch(module, patcher):
        patcher.wrap_training(module.Model, "fit")


    @hookimpl
    def autolog_register_integrations(register):
        register(Integration(name=NAME, modules=(FRAMEWORK,), patch=patch))


    @hookimpl
    def autolog_collect_params(call):
        if call.integration == NAME:
            return call.instance.get_params()
''')


def write_distribution(
    root,
    dist_name: str,
    version: str = "1.0",
    entry_points: dict | None = None,
    requires: list[str] = (),
    files: dict | None = None,
) -> None:
    """A minimal installed distribution: a dist-info directory (and modules) in a sys.path entry."""
    info = root / f"{dist_name.replace('-', '_')}-{version}.dist-info"
    info.mkdir(parents=True)
    metadata = ["Metadata-Version: 2.1", f"Name: {dist_name}", f"Version: {version}"]
    if any("extra ==" in r for r in requires):
        metadata.append("Provides-Extra: framework")
    metadata += [f"Requires-Dist: {r}" for r in requires]
    (info / "METADATA").write_text("\n".join(metadata) + "\n")
    if entry_points:
        (info / "entry_points.txt").write_text("[autolog]\n" + "".join(f"{k} = {v}\n" for k, v in entry_points.items()))
    for relative, text in (files or {}).items():
        (root / relative).write_text(text)
    record = [f"{info.name}/METADATA,,"] + [f"{relative},," for relative in (files or {})]
    (info / "RECORD").write_text("\n".join(record) + "\n")
