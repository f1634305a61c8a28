"""Turning integrations on and off, whatever the import order.

Enabling registers a wrapt post-import hook per watched module (once per process) and patches
modules already imported. The hook checks the integration's current options when it fires, so
disabling needs no hook removal, and an error inside it only warns: the user's import never fails.
Version gating runs just before patching, from metadata only.
"""

from __future__ import annotations

import sys
import threading

from . import safety
from .config import config
from .integration import Integration
from .patching import Patcher
from .session import training_wrapper
from .versioning import framework_support

_patchers: dict[str, Patcher] = {}
_hooked_modules: set[tuple[str, str]] = set()
_lock = threading.RLock()


def patcher_for(integration: Integration) -> Patcher:
    patcher = _patchers.get(integration.name)
    if patcher is None:
        with _lock:
            patcher = _patchers.get(integration.name)
            if patcher is None:
                patcher = _patchers[integration.name] = Patcher(integration.name, training_wrapper(integration))
    return patcher


def apply(integration: Integration) -> None:
    """Bring the patches of ``integration`` in line with its effective options."""
    options = config.effective(integration)
    if options["disable"]:
        disable(integration)
        return
    for module_name in integration.modules:
        key = (integration.name, module_name)
        if module_name in sys.modules:
            _on_import(integration, sys.modules[module_name])
        if key not in _hooked_modules:
            with _lock:
                if key not in _hooked_modules:
                    import wrapt  # imported on first use: it pulls in asyncio

                    _hooked_modules.add(key)
                    wrapt.register_post_import_hook(_hook_for(integration), module_name)


def disable(integration: Integration) -> None:
    patcher = _patchers.get(integration.name)
    if patcher is not None:
        patcher.unpatch_all()


def _hook_for(integration: Integration):
    def on_import(module):
        _on_import(integration, module)

    return on_import


def _on_import(integration: Integration, module) -> None:
    options = config.effective(integration)
    if options["disable"]:
        return
    try:
        if not _version_allowed(integration, module, options):
            return
        with _lock:
            integration.patch(module, patcher_for(integration))
    except Exception as exc:
        safety.report(integration.name, exc, f"patching {module.__name__}", options.get("silent", False))


def _version_allowed(integration: Integration, module, options) -> bool:
    support = framework_support(integration.distribution, module.__name__.split(".", 1)[0])
    if support.supported is not False:
        return True
    message = (
        f"{support.distribution} {support.installed_version} is outside the range "
        f"{support.specifier} supported by {integration.distribution}"
    )
    if options.get("disable_for_unsupported_versions"):
        safety.warn_once(
            integration.name, f"{message}; {integration.name} autologging is disabled", options.get("silent", False)
        )
        return False
    safety.warn_once(integration.name, f"{message}; autologging may not work", options.get("silent", False))
    return True


def is_active(integration: Integration) -> bool:
    patcher = _patchers.get(integration.name)
    return patcher is not None and len(patcher) > 0
