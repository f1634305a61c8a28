"""``autolog.autolog()`` and ``autolog.<name>``: the public entry points of autologging."""

from __future__ import annotations

from typing import Any

from . import activation
from .config import config
from .integration import COMMON_OPTIONS, Integration
from .plugin_manager import load_plugins

# The integrations we ship, so a missing one can name the distribution to install.
KNOWN_DISTRIBUTIONS = {
    "sklearn": "autolog-sklearn",
    "xgboost": "autolog-xgboost",
    "lightgbm": "autolog-lightgbm",
    "tensorflow": "autolog-tensorflow",
    "keras": "autolog-tensorflow",
    "lightning": "autolog-lightning",
    "pytorch_lightning": "autolog-lightning",
    "statsmodels": "autolog-statsmodels",
}


class PluginNotInstalledError(AttributeError):
    """``autolog.<name>`` for an integration whose plugin distribution is not installed."""


def autolog(**options: Any) -> None:
    """Enable (or with ``disable=True`` revert) autologging for every installed integration.

    Options common to all integrations are listed in ``autolog.COMMON_OPTIONS``; an option an
    integration does not know is ignored by it. A per-library ``autolog.<name>.autolog()`` call
    wins over this one for that library, whatever the order of the calls.
    """
    unknown_everywhere = set(options) - set(COMMON_OPTIONS)
    registry = load_plugins()
    if unknown_everywhere:
        known = set().union(*(set(i.options) for i in registry)) if list(registry) else set()
        unknown = sorted(unknown_everywhere - known)
        if unknown:
            # Ignored, as DESIGN says, so one script runs wherever fewer plugins are installed;
            # a warning still catches typos.
            import warnings

            warnings.warn(
                f"autolog() ignores option(s) no installed integration knows: {', '.join(unknown)}",
                UserWarning,
                stacklevel=2,
            )
    from .option_checks import check_options

    check_options(options, [(i.name, i.option_checks) for i in registry if i.option_checks], "autolog()")
    config.set_global(options)
    for integration in registry:
        activation.apply(integration)


class IntegrationHandle:
    """``autolog.<name>``: configure one integration; other attributes come from its plugin module."""

    def __init__(self, integration: Integration):
        self.integration = integration
        self.name = integration.name

    def autolog(self, **options: Any) -> None:
        from .option_checks import check_options

        check_options(options, [(self.name, self.integration.option_checks)], f"autolog.{self.name}.autolog()")
        config.set_for(self.integration, options)
        activation.apply(self.integration)

    @property
    def options(self) -> dict[str, Any]:
        return dict(config.effective(self.integration))

    def __getattr__(self, attribute: str) -> Any:
        import importlib

        module_name = self.integration.plugin_module
        if not module_name:
            raise AttributeError(attribute)
        return getattr(importlib.import_module(module_name), attribute)

    def __repr__(self) -> str:
        return f"<autolog integration {self.name!r}>"


def integration_handle(name: str) -> IntegrationHandle:
    registry = load_plugins()
    integration = registry.get(name)
    if integration is None:
        distribution = KNOWN_DISTRIBUTIONS.get(name, f"autolog-{name.replace('_', '-')}")
        installed = ", ".join(sorted(i.name for i in registry)) or "none"
        raise PluginNotInstalledError(
            f"autolog has no {name!r} integration installed: pip install {distribution} "
            f"(installed integrations: {installed})"
        )
    return IntegrationHandle(integration)
