"""Plugin discovery through entry points, blocking, broken plugins, ``autolog.<name>``, version gating."""

from __future__ import annotations

import shutil
import textwrap
import uuid
import warnings

import pytest

import autolog
from autolog import AutologWarning, PluginNotInstalledError
from autolog.plugin_manager import PluginLoadWarning

from core_support import FAKEFRAMEWORK_SOURCE, PLUGIN_SOURCE, write_distribution


@pytest.fixture
def installed(plugin_state, autolog_store, tmp_path, monkeypatch):
    """``installed(name, **kw)``: install a tiny plugin distribution ``autolog-<name>`` for a fresh copy
    of fakeframework (top-level module ``fakefwlib_<name>``); returns the framework module name."""
    root = tmp_path / "site"
    root.mkdir()
    monkeypatch.syspath_prepend(str(root))
    created = []

    def install(name: str, plugin_source: str | None = None, requires: list[str] = ()) -> str:
        framework = f"fakefwlib_{name}"
        shutil.copyfile(FAKEFRAMEWORK_SOURCE, root / f"{framework}.py")
        source = plugin_source if plugin_source is not None else PLUGIN_SOURCE.format(name=name, framework=framework)
        write_distribution(
            root,
            f"autolog-{name}",
            entry_points={name: f"autolog_{name}"},
            requires=requires,
            files={f"autolog_{name}.py": source},
        )
        monkeypatch.syspath_prepend(str(root))  # invalidates the import caches
        created.append(framework)
        return framework

    install.root = root
    yield install
    import sys

    for module in created:
        sys.modules.pop(module, None)


def _unique() -> str:
    return "ep" + uuid.uuid4().hex[:8]


def test_a_plugin_is_discovered_through_its_entry_point(installed, monkeypatch, autolog_store):
    name = _unique()
    framework = installed(name)
    monkeypatch.setenv("AUTOLOG_LOAD_PLUGINS", name)
    handle = getattr(autolog, name)
    assert handle.integration.distribution == f"autolog-{name}"
    assert handle.GREETING == f"hello from {name}"  # other attributes come from the plugin module

    autolog.autolog()
    try:
        module = __import__(framework)
        module.Model(alpha=9).fit([1])
    finally:
        autolog.autolog(disable=True)
    run = autolog.last_active_run()
    assert run.data.tags["autolog.autologging"] == name
    assert run.data.params == {"alpha": "9"}


def test_disabled_plugins_env_blocks_a_plugin(installed, monkeypatch):
    blocked, kept = _unique(), _unique()
    installed(blocked)
    installed(kept)
    monkeypatch.setenv("AUTOLOG_LOAD_PLUGINS", f"{blocked},{kept}")
    monkeypatch.setenv("AUTOLOG_DISABLED_PLUGINS", f" {blocked} ,someother")
    assert getattr(autolog, kept).integration.distribution == f"autolog-{kept}"
    with pytest.raises(PluginNotInstalledError, match=f"pip install autolog-{blocked}"):
        getattr(autolog, blocked)


def test_a_plugin_that_fails_to_import_is_skipped_with_a_warning(installed, monkeypatch):
    broken, good = _unique(), _unique()
    installed(broken, plugin_source="import a_module_that_does_not_exist_anywhere\n")
    installed(good)
    monkeypatch.setenv("AUTOLOG_LOAD_PLUGINS", f"{broken},{good}")
    with pytest.warns(PluginLoadWarning, match=broken) as record:
        handle = getattr(autolog, good)
    assert "a_module_that_does_not_exist_anywhere" in str(record[0].message)
    assert handle.name == good
    assert not hasattr(autolog, broken)


def test_a_plugin_whose_registration_raises_is_skipped_with_a_warning(installed, monkeypatch):
    broken, good = _unique(), _unique()
    installed(
        broken,
        plugin_source=textwrap.dedent("""
        from autolog import hookimpl

        @hookimpl
        def autolog_register_integrations(register):
            raise RuntimeError("cannot register")
    """),
    )
    installed(good)
    monkeypatch.setenv("AUTOLOG_LOAD_PLUGINS", f"{broken},{good}")
    with pytest.warns(PluginLoadWarning, match="cannot register"):
        assert getattr(autolog, good).name == good


@pytest.mark.parametrize(
    "name, distribution",
    [
        ("sklearn", "autolog-sklearn"),
        ("keras", "autolog-tensorflow"),
        ("pytorch_lightning", "autolog-lightning"),
        ("catboost", "autolog-catboost"),
    ],
)
def test_a_missing_integration_names_the_distribution_to_install(plugin_state, name, distribution):
    with pytest.raises(PluginNotInstalledError, match=f"pip install {distribution}"):
        getattr(autolog, name)
    assert not hasattr(autolog, name)


def test_outside_the_declared_range_autolog_warns_once_and_still_patches(installed, monkeypatch, autolog_store):
    name = _unique()
    framework = installed(name, requires=[f'fakefwlib-{name}>=2,<3; extra == "framework"'])
    write_distribution(installed.root, f"fakefwlib-{name}", version="1.5")
    monkeypatch.setenv("AUTOLOG_LOAD_PLUGINS", name)
    monkeypatch.delenv("AUTOLOG_TESTING")
    autolog.autolog()
    try:
        with warnings.catch_warnings(record=True) as record:
            warnings.simplefilter("always")
            module = __import__(framework)
            module.Model().fit([1])
    finally:
        autolog.autolog(disable=True)
    messages = [str(w.message) for w in record if issubclass(w.category, AutologWarning)]
    assert len(messages) == 1 and "1.5" in messages[0] and ">=2" in messages[0], messages
    assert len(autolog_store.search_runs()) == 1


def test_disable_for_unsupported_versions_skips_the_plugin(installed, monkeypatch, autolog_store):
    name = _unique()
    framework = installed(name, requires=[f'fakefwlib-{name}>=2,<3; extra == "framework"'])
    write_distribution(installed.root, f"fakefwlib-{name}", version="1.5")
    monkeypatch.setenv("AUTOLOG_LOAD_PLUGINS", name)
    monkeypatch.delenv("AUTOLOG_TESTING")
    autolog.autolog(disable_for_unsupported_versions=True)
    try:
        with pytest.warns(AutologWarning, match="disabled"):
            module = __import__(framework)
        original = module.Model.__dict__["fit"]
        module.Model().fit([1])
    finally:
        autolog.autolog(disable=True)
    assert not hasattr(original, "__wrapped__")
    assert autolog_store.search_runs() == []
