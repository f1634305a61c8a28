"""Default plugin: each integration's own collectors, called for its own training calls only.

An ``Integration`` declares ``before_training``, ``collect_params`` ... ``after_training`` as plain
functions of the call (see ``autolog.integration``). This plugin implements the hooks once for
all of them (``tryfirst``: an integration prepares its call, and restores what it changed, before
any extension or observer sees it; the values it collects come first, so an extension's value for
the same key wins). An error in one collector skips only what it collects, with one warning
naming the integration's plugin.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..hook_isolation import report_hook_error
from ..hookspecs import hookimpl
from ..plugin_manager import registry

if TYPE_CHECKING:
    from ..integration import Integration
    from ..training_call import ArtifactToLog, ModelToLog, TrainingCall


def _own(call: TrainingCall, attribute: str) -> tuple[Integration | None, Any]:
    integration = registry().get(call.integration)
    return integration, getattr(integration, attribute, None)


def _plugin(integration: Integration) -> str:
    return integration.distribution or integration.plugin_module or integration.name


def _collect(call: TrainingCall, attribute: str, hook_name: str) -> Any:
    integration, collector = _own(call, attribute)
    if collector is None or integration is None:
        return None
    try:
        return collector(call)
    except Exception as exc:
        report_hook_error(hook_name, _plugin(integration), exc, (call,))
        return None


@hookimpl(tryfirst=True)
def autolog_before_training(call: TrainingCall) -> None:
    _collect(call, "before_training", "autolog_before_training")


@hookimpl(tryfirst=True)
def autolog_collect_params(call: TrainingCall) -> dict[str, Any] | None:
    return _collect(call, "collect_params", "autolog_collect_params")


@hookimpl(tryfirst=True)
def autolog_collect_metrics(call: TrainingCall) -> dict[str, float] | None:
    return _collect(call, "collect_metrics", "autolog_collect_metrics")


@hookimpl(tryfirst=True)
def autolog_collect_tags(call: TrainingCall) -> dict[str, Any] | None:
    return _collect(call, "collect_tags", "autolog_collect_tags")


@hookimpl(tryfirst=True)
def autolog_collect_artifacts(call: TrainingCall) -> list[ArtifactToLog] | None:
    return _collect(call, "collect_artifacts", "autolog_collect_artifacts")


@hookimpl(tryfirst=True)
def autolog_collect_models(call: TrainingCall) -> list[ModelToLog] | None:
    return _collect(call, "collect_models", "autolog_collect_models")


@hookimpl(tryfirst=True)
def autolog_run_ended(call: TrainingCall, status: str) -> None:
    integration, after = _own(call, "after_training")
    if after is None or integration is None:
        return
    try:
        after(call, status)
    except Exception as exc:
        report_hook_error("autolog_run_ended", _plugin(integration), exc, (call,))
