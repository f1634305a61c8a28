"""autolog: one call before training, and every fit is recorded.

    import autolog
    autolog.autolog()
    model = LogisticRegression().fit(X, y)
    run = autolog.last_active_run()

The tracking API (runs, metrics, artifacts, models) is re-exported from ``tracking_core``;
``autolog.<name>`` is the installed integration of that name (``autolog.sklearn.autolog()``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from tracking_core import (
    ActiveRun,
    ArtifactPathError,
    InvalidFilterError,
    Metric,
    ModelLoadError,
    ParamConflictError,
    RegistryExistsError,
    RegistryNotFoundError,
    Run,
    RunNotFoundError,
    RunStatus,
    StoreVersionError,
    TrackingClient,
    active_run,
    end_run,
    flush,
    get_tracking_uri,
    last_active_run,
    load_model,
    log_artifact,
    log_artifacts,
    log_dict,
    log_input,
    log_metric,
    log_metrics,
    log_param,
    log_params,
    log_text,
    register_model,
    set_experiment,
    set_tag,
    set_tags,
    set_tracking_uri,
    start_run,
)

from .api import IntegrationHandle, PluginNotInstalledError, autolog, integration_handle
from .flavors import log_model
from .integration import COMMON_OPTIONS, Integration
from .option_checks import InvalidOptionError
from .safety import AutologWarning
from .session import current_call
from .training_call import ArtifactToLog, ModelToLog, TrainingCall

if TYPE_CHECKING:
    from tracking_core import ModelVersion, RegisteredModel

__version__ = "0.1.0"


__all__ = [
    "COMMON_OPTIONS",
    "ActiveRun",
    "ArtifactPathError",
    "ArtifactToLog",
    "AutologWarning",
    "Integration",
    "IntegrationHandle",
    "InvalidFilterError",
    "InvalidOptionError",
    "Metric",
    "ModelLoadError",
    "ModelToLog",
    "ModelVersion",
    "ParamConflictError",
    "PluginNotInstalledError",
    "RegisteredModel",
    "RegistryExistsError",
    "RegistryNotFoundError",
    "Run",
    "RunNotFoundError",
    "RunStatus",
    "StoreVersionError",
    "TrackingClient",
    "TrainingCall",
    "active_run",
    "autolog",
    "current_call",
    "end_run",
    "flush",
    "get_tracking_uri",
    "hookimpl",
    "last_active_run",
    "load_model",
    "log_artifact",
    "log_artifacts",
    "log_dict",
    "log_input",
    "log_metric",
    "log_metrics",
    "log_model",
    "log_param",
    "log_params",
    "log_text",
    "register_model",
    "set_experiment",
    "set_tag",
    "set_tags",
    "set_tracking_uri",
    "start_run",
]


def __getattr__(name: str):
    if name == "hookimpl":  # pluggy is imported only when a plugin asks for it
        from .hookspecs import hookimpl

        return hookimpl
    if name in ("ModelVersion", "RegisteredModel"):  # loaded on first use, as tracking_core does
        import tracking_core

        return getattr(tracking_core, name)
    if name == "projects":  # autolog.projects.run(...) after a plain ``import autolog``
        import importlib

        return importlib.import_module(".projects", __name__)
    if name.startswith("__") or _is_submodule(name):
        raise AttributeError(name)  # lets ``from autolog import <submodule>`` import it
    return integration_handle(name)


def _is_submodule(name: str) -> bool:
    import os

    here = os.path.dirname(__file__)
    return os.path.exists(os.path.join(here, f"{name}.py")) or os.path.isdir(os.path.join(here, name))
