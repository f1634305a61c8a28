"""tracking_core: the tracking client autolog writes into (runs, metrics, artifacts, models).

It knows nothing of autologging; ``autolog`` re-exports this API. This module is the public
surface: what users and plugins import, under names that do not change. Behind it, rooms that
say where their code runs (the README's Layout section is the map): ``client`` (in a training
process), ``storage``, ``rest`` (the client side of the protocol), ``server`` and ``ui`` (the server
side), ``models``, ``lineage`` and ``cli``, over a few shared modules (``entities``, ``errors``,
``validation``, ``batch``, ``uri``, ``run_names``). Old flat paths (``tracking_core.fluent``...)
still import: see ``moved_modules``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from . import moved_modules
from .client.fluent import (
    ActiveRun,
    NoActiveRunError,
    RunAlreadyActiveError,
    TrackingSettings,
    active_run,
    end_run,
    flush,
    get_tracking_uri,
    last_active_run,
    load_model,
    log_artifact,
    log_artifacts,
    log_bytes,
    log_dict,
    log_input,
    log_metric,
    log_metrics,
    log_model,
    log_param,
    log_params,
    log_text,
    open_run_ids,
    register_model,
    restore_tracking_settings,
    set_experiment,
    set_tag,
    set_tags,
    set_tracking_uri,
    start_run,
    tracking_settings,
)
from .client.local_tracker import TAG_PARENT_RUN_ID, TAG_USER
from .client.pending_work import register as register_flush_waiter
from .client.tracking_client import TrackingClient
from .entities import Dataset, DatasetInput, Experiment, InputTag, Metric, Run, RunData, RunInfo, RunInputs, RunStatus
from .errors import (
    ExperimentDeletedError,
    ExperimentExistsError,
    InvalidFilterError,
    ModelLoadError,
    ParamConflictError,
    RegistryExistsError,
    RegistryNotFoundError,
    RunNotFoundError,
    StoreVersionError,
)
from .storage.artifacts import ArtifactPathError, FileInfo
from .validation import InvalidKeyError

moved_modules.install()

if TYPE_CHECKING:
    from .models import save_model
    from .registry_entities import LoggedModel, ModelVersion, RegisteredModel

_REGISTRY_ENTITIES = ("LoggedModel", "ModelVersion", "RegisteredModel")


def __getattr__(name: str) -> Any:
    # The registry's entities and model saving load on first use: a training process that never
    # registers a model does not pay for them in ``import autolog``.
    if name in _REGISTRY_ENTITIES:
        from . import registry_entities

        return getattr(registry_entities, name)
    if name == "save_model":
        from .models import save_model

        return save_model
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "TAG_PARENT_RUN_ID",
    "TAG_USER",
    "ActiveRun",
    "ArtifactPathError",
    "Dataset",
    "DatasetInput",
    "Experiment",
    "ExperimentDeletedError",
    "ExperimentExistsError",
    "FileInfo",
    "InputTag",
    "InvalidFilterError",
    "InvalidKeyError",
    "LoggedModel",
    "Metric",
    "ModelLoadError",
    "ModelVersion",
    "NoActiveRunError",
    "ParamConflictError",
    "RegisteredModel",
    "RegistryExistsError",
    "RegistryNotFoundError",
    "Run",
    "RunAlreadyActiveError",
    "RunData",
    "RunInfo",
    "RunInputs",
    "RunNotFoundError",
    "RunStatus",
    "StoreVersionError",
    "TrackingClient",
    "TrackingSettings",
    "active_run",
    "end_run",
    "flush",
    "get_tracking_uri",
    "last_active_run",
    "load_model",
    "log_artifact",
    "log_artifacts",
    "log_bytes",
    "log_dict",
    "log_input",
    "log_metric",
    "log_metrics",
    "log_model",
    "log_param",
    "log_params",
    "log_text",
    "open_run_ids",
    "register_flush_waiter",
    "register_model",
    "restore_tracking_settings",
    "save_model",
    "set_experiment",
    "set_tag",
    "set_tags",
    "set_tracking_uri",
    "start_run",
    "tracking_settings",
]
