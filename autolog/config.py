"""Autologging options: the global ``autolog()`` call and the per-integration calls.

The effective options of an integration are its defaults updated by its last per-library call
if there was one (that call wins whole, whatever the order of the calls, as in MLflow), else by
the global options it knows. Each call replaces the options of the call before it.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from types import MappingProxyType
from typing import Any

from .integration import Integration


class AutologConfig:
    def __init__(self) -> None:
        self._global: dict[str, Any] = {}
        self._per_integration: dict[str, dict[str, Any]] = {}
        self._effective: dict[str, Mapping[str, Any]] = {}
        self._global_called = False
        self._lock = threading.Lock()

    def set_global(self, options: dict[str, Any]) -> None:
        with self._lock:
            self._global = dict(options)
            self._global_called = True
            self._effective.clear()

    def set_for(self, integration: Integration, options: dict[str, Any]) -> None:
        unknown = sorted(set(options) - set(integration.defaults))
        if unknown:
            raise TypeError(
                f"autolog.{integration.name}.autolog() got unknown option(s) {', '.join(unknown)}; "
                f"it accepts {', '.join(sorted(integration.defaults))}"
            )
        with self._lock:
            # Each call says it all, as in MLflow: options it does not pass are back to their defaults.
            self._per_integration[integration.name] = dict(options)
            self._effective.pop(integration.name, None)

    def effective(self, integration: Integration) -> Mapping[str, Any]:
        """The integration's options, read-only: they are shared (a plugin that needs its own copy
        for one call has ``call.config``)."""
        found = self._effective.get(integration.name)
        if found is None:
            defaults = integration.defaults
            found = dict(defaults)
            own = self._per_integration.get(integration.name)
            if own is None:
                found.update({k: v for k, v in self._global.items() if k in defaults})
                if not self._global_called:
                    # Never enabled (or reset since): a post-import hook left from an earlier
                    # autolog() call must not patch a framework imported now.
                    found["disable"] = True
            else:  # a per-library call wins whole over the global one, whatever the order
                found.update(own)
            found = self._effective[integration.name] = MappingProxyType(found)
        return found

    def reset(self) -> None:
        with self._lock:
            self._global.clear()
            self._global_called = False
            self._per_integration.clear()
            self._effective.clear()


config = AutologConfig()
