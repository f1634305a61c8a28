"""tracking_core: the tracking client autolog writes into (runs, metrics, artifacts, models).

It knows nothing of autologging; ``autolog`` re-exports this API.
"""
from __future__ import annotations

from .artifacts import ArtifactPathError, FileInfo
from .client import TrackingClient
from .entities import Experiment, Metric, Run, RunData, RunInfo, RunStatus
from .fluent import (
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
    log_metric,
    log_metrics,
    log_model,
    log_param,
    log_params,
    log_text,
    open_run_ids,
    restore_tracking_settings,
    set_experiment,
    set_tag,
    set_tags,
    set_tracking_uri,
    start_run,
    tracking_settings,
)
from .errors import (
    ExperimentDeletedError,
    ExperimentExistsError,
    InvalidFilterError,
    ModelLoadError,
    ParamConflictError,
    RunNotFoundError,
    StoreVersionError,
)
from .tracker import TAG_PARENT_RUN_ID, TAG_USER
from .validation import InvalidKeyError

__all__ = [
    "ActiveRun", "ArtifactPathError", "Experiment", "ExperimentDeletedError", "ExperimentExistsError", "FileInfo",
    "InvalidFilterError", "StoreVersionError", "InvalidKeyError", "Metric", "ModelLoadError",
    "NoActiveRunError", "ParamConflictError", "Run", "RunAlreadyActiveError", "RunData", "RunInfo",
    "RunNotFoundError", "RunStatus", "TAG_PARENT_RUN_ID", "TAG_USER", "TrackingClient", "TrackingSettings", "active_run", "end_run", "flush", "get_tracking_uri",
    "last_active_run", "load_model", "log_artifact", "log_artifacts", "log_bytes", "log_dict", "log_metric", "log_metrics",
    "log_model", "log_param", "log_params", "log_text", "open_run_ids", "restore_tracking_settings",
    "set_experiment", "set_tag", "set_tags", "set_tracking_uri", "start_run", "tracking_settings",
]
