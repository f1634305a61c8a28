"""The pluggy plugin manager: default plugins, then installed plugins from entry points.

Loading is lazy (first use) and idempotent. ``AUTOLOG_DISABLED_PLUGINS=a,b`` blocks plugins by
entry-point name; ``AUTOLOG_LOAD_PLUGINS=a,b`` loads only those (empty: none but the defaults);
``AUTOLOG_TRACE_PLUGINS=1`` prints every hook call. A plugin that fails to import is skipped with
a warning naming it.
"""

from __future__ import annotations

import importlib
import os
import sys
import threading
import types
import warnings
from typing import TYPE_CHECKING, Any

from tracking_core.lineage import add_describer

from .hook_isolation import PluginLoadWarning, current_plugin, isolate
from .integration import IntegrationRegistry

if TYPE_CHECKING:
    import pluggy

ENTRY_POINT_GROUP = "autolog"
DISABLED_ENV = "AUTOLOG_DISABLED_PLUGINS"
LOAD_ONLY_ENV = "AUTOLOG_LOAD_PLUGINS"
TRACE_ENV = "AUTOLOG_TRACE_PLUGINS"
DEFAULT_PLUGINS = (
    "autolog.default_plugins.pickle_flavor",
    "autolog.default_plugins.system_metrics",
    "autolog.default_plugins.environment",
    "autolog.default_plugins.datasets",
    "autolog.default_plugins.integrations",
)


class _State:
    def __init__(self) -> None:
        self.manager: pluggy.PluginManager | None = None
        self.registry = IntegrationRegistry()
        self.flavors: list = []
        self.distributions: dict[str, str] = {}  # plugin name -> distribution
        self.loaded = False
        self.collected: set[str] = set()
        self.lock = threading.RLock()


_state = _State()


def _names(env: str) -> set[str] | None:
    raw = os.environ.get(env)
    if raw is None:
        return None
    return {name.strip() for name in raw.split(",") if name.strip()}


def plugin_manager() -> pluggy.PluginManager:
    manager = _state.manager
    if manager is None:
        with _state.lock:
            if _state.manager is None:
                import pluggy  # imported on first use: it pulls in importlib.metadata (25 ms)

                from . import hookspecs

                manager = pluggy.PluginManager("autolog")
                manager.add_hookspecs(hookspecs)
                for module_name in DEFAULT_PLUGINS:
                    _register(manager, importlib.import_module(module_name), module_name)
                if os.environ.get(TRACE_ENV):
                    manager.trace.root.setwriter(lambda message: sys.stderr.write(f"[autolog] {message}"))
                    manager.enable_tracing()
                _state.manager = manager
            manager = _state.manager
    return manager


def load_plugins() -> IntegrationRegistry:
    """Load every installed plugin once and collect the integrations they register."""
    if _state.loaded:
        return _state.registry
    with _state.lock:
        if _state.loaded:
            return _state.registry
        from importlib import metadata  # imported on first use: it pulls in email.*

        manager = plugin_manager()
        blocked = _names(DISABLED_ENV) or set()
        only = _names(LOAD_ONLY_ENV)
        for entry_point in metadata.entry_points(group=ENTRY_POINT_GROUP):
            if entry_point.name in blocked or (only is not None and entry_point.name not in only):
                continue
            if manager.has_plugin(entry_point.name):
                continue
            try:
                plugin = entry_point.load()
                _register(manager, plugin, entry_point.name)
            except Exception as exc:
                warnings.warn(
                    f"autolog: plugin {entry_point.name!r} ({entry_point.value}) failed to load "
                    f"and was skipped: {type(exc).__name__}: {exc}",
                    PluginLoadWarning,
                    stacklevel=3,
                )
                continue
            if entry_point.dist is not None:
                _state.distributions[entry_point.name] = entry_point.dist.name
        _collect_registrations(manager)
        _state.loaded = True
    return _state.registry


def register_plugin(plugin: object, name: str | None = None) -> None:
    """Register a plugin object by hand (tests, notebooks); its integrations become available."""
    with _state.lock:
        manager = plugin_manager()
        _register(manager, plugin, name)
        _collect_registrations(manager)


def unregister_plugin(name: str) -> None:
    with _state.lock:
        manager = plugin_manager()
        plugin = manager.get_plugin(name)
        if plugin is not None:
            manager.unregister(plugin)


def _register(manager: pluggy.PluginManager, plugin: object, name: str | None) -> None:
    """Register with pluggy, refuse unknown ``autolog_*`` hooks, isolate each implementation."""
    manager.register(plugin, name=name)
    name = manager.get_name(plugin)
    unknown = sorted(caller.name for caller in manager.get_hookcallers(plugin) or () if not caller.has_spec())
    if unknown:
        manager.unregister(plugin)
        import pluggy

        raise pluggy.PluginValidationError(
            plugin,
            f"autolog plugin {name!r} implements unknown hook(s) {', '.join(unknown)}: "
            f"the hooks are listed in autolog/hookspecs.py (a misspelling logs nothing)",
        )
    isolate(manager, plugin)


def _collect_registrations(manager: pluggy.PluginManager) -> None:
    """Ask plugins not asked yet for their integrations and flavors (a pluggy call; the callbacks
    skip plugins already collected, so registering one more plugin adds only its own)."""
    collected = set(_state.collected)

    def register_integration(integration) -> None:
        plugin = current_plugin()
        if plugin in collected:
            return
        if integration.plugin_module is None:
            # autolog.<name>.<attribute> reads the plugin's module (not the entry-point name: that
            # is often the framework's own name, "sklearn").
            found = manager.get_plugin(plugin) if plugin else None
            integration.plugin_module = found.__name__ if isinstance(found, types.ModuleType) else None
        if integration.distribution is None:
            integration.distribution = _state.distributions.get(plugin) if plugin else None
        _state.registry.register(integration)
        for flavor in integration.flavors:
            _register_flavor(flavor)

    def register_flavor(flavor) -> None:
        if current_plugin() not in collected:
            _register_flavor(flavor)

    manager.hook.autolog_register_integrations(register=register_integration)
    manager.hook.autolog_register_flavors(register=register_flavor)  # trylast ones come last
    _state.collected.update(name for name, _plugin in manager.list_name_plugin())


def _register_flavor(flavor) -> None:
    if all(existing.name != flavor.name for existing in _state.flavors):
        _state.flavors.append(flavor)


def registry() -> IntegrationRegistry:
    return load_plugins()


def flavors() -> list:
    load_plugins()
    return list(_state.flavors)


def plugin_distribution(plugin_name: str) -> str | None:
    return _state.distributions.get(plugin_name)


def describe_with_plugins(data: Any) -> Any:
    """The first plugin's ``DataSummary`` of ``data`` (hook ``autolog_describe_dataset``), or None.

    Added to ``tracking_core.lineage``'s describers when this module is imported, so every dataset
    description (autologged inputs, ``autolog.log_input(dmatrix)``) asks the installed plugins about
    a type the core does not know; plugins are loaded on first use.
    """
    load_plugins()
    return plugin_manager().hook.autolog_describe_dataset(data=data)


add_describer(describe_with_plugins)
