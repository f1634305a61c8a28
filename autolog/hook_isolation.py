"""One failing plugin never silences another, while every hook is still called through pluggy.

pluggy stops a hook call at the first implementation that raises. When a plugin is registered,
``isolate`` wraps each of its plain implementations (not ``wrapper=True`` / ``hookwrapper``
ones, which pluggy drives as generators) so that an error becomes one report naming the plugin
and the hook, and the call goes on with the next implementation. The hook call itself, with its
ordering (``tryfirst``/``trylast``), wrappers, ``firstresult`` and tracing, stays pluggy's.

While an implementation runs, ``current_plugin()`` names its plugin: discovery callbacks
(``register``) use it to know who registers what.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from contextvars import ContextVar
from typing import Any

from . import safety

_current_plugin: ContextVar[str | None] = ContextVar("autolog_current_plugin", default=None)
_ISOLATED = "_autolog_isolated"

# What the warning says autologging was doing when a plugin failed in each hook.
DOING = {
    "autolog_run_started": "starting its run",
    "autolog_before_training": "preparing the training call",
    "autolog_collect_params": "collecting params",
    "autolog_collect_metrics": "collecting metrics",
    "autolog_collect_tags": "collecting tags",
    "autolog_collect_artifacts": "collecting artifacts",
    "autolog_collect_models": "collecting models",
    "autolog_step_metrics": "observing step metrics",
    "autolog_run_ended": "ending its run",
    "autolog_register_integrations": "registering its integrations",
    "autolog_register_flavors": "registering its flavors",
    "autolog_describe_dataset": "describing a dataset",
}


class PluginLoadWarning(UserWarning):
    """A plugin could not be loaded or failed while registering; it was skipped."""


def current_plugin() -> str | None:
    return _current_plugin.get()


def isolate(manager: Any, plugin: object) -> None:
    """Wrap the plain hook implementations ``plugin`` registered with ``manager`` (idempotent)."""
    plugin_name = manager.get_name(plugin)
    for caller in manager.get_hookcallers(plugin) or ():
        for impl in caller.get_hookimpls():
            if (
                impl.plugin is plugin
                and not (impl.wrapper or impl.hookwrapper)
                and not getattr(impl.function, _ISOLATED, False)
            ):
                impl.function = _isolated(impl.function, caller.name, plugin_name)


def _isolated(function: Callable[..., Any], hook_name: str, plugin_name: str) -> Callable[..., Any]:
    def call_isolated(*args: Any) -> Any:
        token = _current_plugin.set(plugin_name)
        try:
            return function(*args)
        except Exception as exc:
            report_hook_error(hook_name, plugin_name, exc, args)
            return None
        finally:
            _current_plugin.reset(token)

    setattr(call_isolated, _ISOLATED, True)
    call_isolated.__wrapped__ = function  # type: ignore[attr-defined]
    return call_isolated


def report_hook_error(hook_name: str, plugin_name: str | None, exc: Exception, args: tuple = ()) -> None:
    """During a training call, report through ``safety`` (one warning per integration, raised under
    AUTOLOG_TESTING); otherwise (discovery) a ``PluginLoadWarning``: the plugin is skipped."""
    from .training_call import TrainingCall

    doing = DOING.get(hook_name, f"calling {hook_name}")
    where = f" (plugin {plugin_name})" if plugin_name else ""
    call = next((a for a in args if isinstance(a, TrainingCall)), None)
    if call is not None:
        safety.report(call.integration, exc, f"{doing}{where}", call.config.get("silent", False))
        return
    warnings.warn(
        f"autolog: plugin {plugin_name!r} failed while {doing} and was skipped: {type(exc).__name__}: {exc}",
        PluginLoadWarning,
        stacklevel=2,
    )
