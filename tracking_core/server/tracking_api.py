"""The MLflow REST API 2.0 tracking endpoints: experiments, runs, metrics, artifact listing.

Each handler is a plain function ``(context, request_fields) -> response dict`` run in a worker
thread; ``app`` wires them to ``/api/2.0/mlflow/<path>`` with the HTTP methods MLflow uses.
Writes go through ``WriteBatch`` + ``SqlStore.write`` like every other writer of the store.
MLflow's limits hold: a log-batch carries at most 1000 metrics, 100 params, 100 tags (1000
entities) in at most 1 MB; param values up to 6000 characters, tag values up to 8000, keys up to 250.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from typing import Any

from ..batch import NewRun, WriteBatch, now_ms
from ..entities import LifecycleStage, Run, RunData, RunInfo, RunStatus
from ..errors import RunNotFoundError
from ..lineage import liveness
from ..validation import MAX_PARAM_VALUE_LENGTH, MAX_TAG_VALUE_LENGTH, check_key, truncated
from .context import ServerContext
from .errors import INVALID_PARAMETER_VALUE, INVALID_STATE, RESOURCE_DOES_NOT_EXIST, ApiError
from .protocol import (
    experiment_json,
    float_out,
    get_int,
    get_list,
    get_objects,
    get_str,
    invalid_value,
    key_values,
    metrics_page_json,
    missing_value,
    req_float,
    req_int,
    req_str,
    run_info_json,
    run_json,
    text,
)

MAX_METRICS_PER_BATCH = 1000
MAX_PARAMS_TAGS_PER_BATCH = 100
MAX_ENTITIES_PER_BATCH = 1000
MAX_BATCH_LOG_REQUEST_BYTES = 1_000_000
MAX_EXPERIMENT_NAME_LENGTH = 500
MAX_RUN_NAME_LENGTH = 256
MAX_SEARCH_RESULTS = 50000
MAX_HISTORY_PAGE = 1_000_000
DEFAULT_EXPERIMENT_NAME = "Default"
MLFLOW_DEFAULT_EXPERIMENT_ID = "0"
TAG_RUN_NAME = "mlflow.runName"
VIEW_TYPES = ("ACTIVE_ONLY", "DELETED_ONLY", "ALL")

Handler = Callable[[ServerContext, dict], Any]


# -- lookups ----------------------------------------------------------------------------------
def _experiment_id(data: dict, ctx: ServerContext, name: str = "experiment_id") -> str:
    experiment_id = req_str(data, name) if not isinstance(data.get(name), int) else str(data[name])
    return _resolve_experiment_id(ctx, experiment_id)


def _resolve_experiment_id(ctx: ServerContext, experiment_id: str) -> str:
    """Our ids are integers from 1; MLflow clients that set no experiment use "0": the Default one."""
    if experiment_id == MLFLOW_DEFAULT_EXPERIMENT_ID:
        cached = ctx.default_experiment_id  # the Default experiment cannot be deleted
        if cached is None:
            cached = ctx.default_experiment_id = ctx.store.get_or_create_experiment(
                DEFAULT_EXPERIMENT_NAME, ctx.artifacts_destination
            ).experiment_id
        return cached
    try:
        number = int(experiment_id)
    except ValueError:
        raise ApiError(
            f"Invalid experiment ID {experiment_id[:100]!r}. Experiment ID must be a valid integer."
        ) from None
    if not 0 <= number < 2**63 or not experiment_id.isdigit():
        raise ApiError(f"No Experiment with id={experiment_id[:100]} exists", RESOURCE_DOES_NOT_EXIST)
    return experiment_id


def ensure_default_experiment(ctx: ServerContext) -> str:
    """The id of the Default experiment, created if the store has none (MLflow always lists it)."""
    return _resolve_experiment_id(ctx, MLFLOW_DEFAULT_EXPERIMENT_ID)


def _get_experiment(ctx: ServerContext, experiment_id: str, recent: bool = False):
    experiment = _recent(ctx).get(("experiment", experiment_id)) if recent else None
    if experiment is None:
        experiment = ctx.store.get_experiment(experiment_id)
        if experiment is None:
            raise ApiError(f"No Experiment with id={experiment_id} exists", RESOURCE_DOES_NOT_EXIST)
        _recent(ctx).put(("experiment", experiment_id), experiment)
    return experiment


def _active_experiment(ctx: ServerContext, experiment_id: str):
    """An experiment that is not deleted: a deleted one is MLflow's "must be in the 'active' state"."""
    experiment = _get_experiment(ctx, experiment_id)
    if getattr(experiment, "lifecycle_stage", LifecycleStage.ACTIVE) != LifecycleStage.ACTIVE:
        raise ApiError(f"The experiment {experiment_id} must be in the 'active' state. Current state is deleted.")
    return experiment


def _run_id(data: dict) -> str:
    run_id = get_str(data, "run_id") or get_str(data, "run_uuid")
    if not run_id:
        raise ApiError(
            "Missing value for required parameter 'run_id'. See the API docs for more "
            "information about request parameters."
        )
    if len(run_id) > 256:
        raise invalid_value("run_id", run_id, f"it is {len(run_id)} characters long; the limit is 256")
    return run_id


def _get_run(ctx: ServerContext, run_id: str, include_deleted: bool = True):
    try:
        return ctx.store.get_run(run_id, include_deleted=include_deleted)
    except RunNotFoundError:
        raise ApiError(f"Run with id={run_id} not found", RESOURCE_DOES_NOT_EXIST) from None


def _active_run(ctx: ServerContext, run_id: str):
    run = _get_run(ctx, run_id)
    if getattr(run.info, "lifecycle_stage", LifecycleStage.ACTIVE) != LifecycleStage.ACTIVE:
        raise ApiError(f"The run {run_id} must be in the 'active' state. Current state is deleted.")
    _recent(ctx).put(("run", run_id), True)
    return run


class _Recent:
    """Lookups of the last second: an active run or experiment is not read again for every request
    of a burst (a run read is four queries; a log-batch is one write). Servers share no state, so a
    deletion made through another server is seen here at most ``TTL_SECONDS`` late."""

    TTL_SECONDS = 1.0
    MAX_ITEMS = 50_000

    def __init__(self) -> None:
        self._items: dict[tuple, tuple[float, object]] = {}

    def get(self, key: tuple):
        found = self._items.get(key)
        if found is None or found[0] < time.monotonic():
            return None
        return found[1]

    def put(self, key: tuple, value: object) -> None:
        if len(self._items) >= self.MAX_ITEMS:
            self._items.clear()
        self._items[key] = (time.monotonic() + self.TTL_SECONDS, value)

    def forget(self, key: tuple) -> None:
        self._items.pop(key, None)


def _recent(ctx: ServerContext) -> _Recent:
    recent = ctx.recent_lookups
    if recent is None:
        recent = ctx.recent_lookups = _Recent()
    return recent


def _check_active(ctx: ServerContext, run_id: str) -> None:
    if _recent(ctx).get(("run", run_id)) is None:
        _active_run(ctx, run_id)


def _key(key: str | None, kind: str) -> str:
    try:
        return check_key(key, kind)
    except ValueError as exc:
        raise ApiError(str(exc)) from None


# -- experiments ------------------------------------------------------------------------------
def create_experiment(ctx: ServerContext, data: dict) -> dict:
    name = req_str(data, "name", max_length=MAX_EXPERIMENT_NAME_LENGTH)
    if not name.strip():
        raise ApiError("experiment name must not be empty")
    location = get_str(data, "artifact_location")
    tags = key_values(data, "tags", MAX_TAG_VALUE_LENGTH)  # every field read before the location is judged
    location = ctx.check_client_location(location) if location else None
    experiment_id = ctx.store.create_experiment(
        name, artifact_location=location, tags=tags, artifact_root=ctx.artifacts_destination
    )
    return {"experiment_id": str(experiment_id)}


def get_experiment(ctx: ServerContext, data: dict) -> dict:
    experiment = _get_experiment(ctx, _experiment_id(data, ctx))
    return {"experiment": experiment_json(experiment, ctx.public_uri)}


def get_experiment_by_name(ctx: ServerContext, data: dict) -> dict:
    name = req_str(data, "experiment_name")
    experiment = ctx.store.get_experiment_by_name(name)
    if experiment is None:
        raise ApiError(f"Could not find experiment with name '{name}'", RESOURCE_DOES_NOT_EXIST)
    return {"experiment": experiment_json(experiment, ctx.public_uri)}


def _view_type(data: dict, name: str) -> str:
    view = data.get(name) or "ACTIVE_ONLY"
    if isinstance(view, int) and 1 <= view <= 3:
        view = VIEW_TYPES[view - 1]
    if view not in VIEW_TYPES:
        raise ApiError(f"parameter '{name}' must be one of {', '.join(VIEW_TYPES)}, got {view!r}")
    return view


def search_experiments(ctx: ServerContext, data: dict) -> dict:
    max_results = get_int(data, "max_results", default=1000, minimum=1, maximum=MAX_SEARCH_RESULTS)
    order_by = [str(item) for item in get_list(data, "order_by")]
    found, token = ctx.store.search_experiments(
        view_type=_view_type(data, "view_type"),
        max_results=max_results,
        filter_string=get_str(data, "filter"),
        order_by=order_by or None,
        page_token=get_str(data, "page_token"),
    )
    out: dict[str, Any] = {"experiments": [experiment_json(e, ctx.public_uri) for e in found]}
    if token:
        out["next_page_token"] = token
    return out


def update_experiment(ctx: ServerContext, data: dict) -> dict:
    experiment_id = _experiment_id(data, ctx)
    if _get_experiment(ctx, experiment_id).lifecycle_stage != LifecycleStage.ACTIVE:
        raise ApiError("Cannot rename a non-active experiment.", INVALID_STATE)
    new_name = get_str(data, "new_name", max_length=MAX_EXPERIMENT_NAME_LENGTH)
    if new_name:
        ctx.store.rename_experiment(experiment_id, new_name)
    return {}


def _experiment_in_stage(ctx: ServerContext, experiment_id: str, stage: str):
    """As MLflow: deleting a deleted experiment or restoring an active one finds no such experiment."""
    experiment = _get_experiment(ctx, experiment_id)
    if getattr(experiment, "lifecycle_stage", LifecycleStage.ACTIVE) != stage:
        raise ApiError(f"No Experiment with id={experiment_id} exists", RESOURCE_DOES_NOT_EXIST)
    return experiment


def delete_experiment(ctx: ServerContext, data: dict) -> dict:
    experiment_id = _experiment_id(data, ctx)
    _experiment_in_stage(ctx, experiment_id, LifecycleStage.ACTIVE)
    ctx.store.delete_experiment(experiment_id)
    _recent(ctx).forget(("experiment", experiment_id))
    return {}


def restore_experiment(ctx: ServerContext, data: dict) -> dict:
    experiment_id = _experiment_id(data, ctx)
    _experiment_in_stage(ctx, experiment_id, LifecycleStage.DELETED)
    ctx.store.restore_experiment(experiment_id)
    _recent(ctx).forget(("experiment", experiment_id))
    return {}


def set_experiment_tag(ctx: ServerContext, data: dict) -> dict:
    experiment_id = _experiment_id(data, ctx)
    _active_experiment(ctx, experiment_id)
    key = _key(req_str(data, "key"), "tag")
    ctx.store.set_experiment_tag(experiment_id, key, text(data, "value", max_length=MAX_TAG_VALUE_LENGTH))
    return {}


def delete_experiment_tag(ctx: ServerContext, data: dict) -> dict:
    experiment_id = _experiment_id(data, ctx)
    key = req_str(data, "key")
    _active_experiment(ctx, experiment_id)
    ctx.store.delete_experiment_tag(experiment_id, key)
    return {}


MAX_DATASET_SEARCH_EXPERIMENTS = 20


def search_datasets(ctx: ServerContext, data: dict) -> dict:
    """MLflow's ``experiments/search-datasets`` (UI only, ``/ajax-api``): the distinct datasets the
    runs of the given experiments were given, with their context (at most 1000)."""
    ids = get_list(data, "experiment_ids")
    if not ids:
        raise ApiError("SearchDatasets request must specify at least one experiment_id.")
    if len(ids) > MAX_DATASET_SEARCH_EXPERIMENTS:
        raise ApiError(
            f"SearchDatasets request cannot specify more than {MAX_DATASET_SEARCH_EXPERIMENTS} experiment_ids. "
            f"Received {len(ids)} experiment_ids."
        )
    experiment_ids = [_resolve_experiment_id(ctx, str(i)) for i in ids]
    summaries = []
    for experiment_id, name, digest, context in ctx.store.search_datasets(experiment_ids):
        summary = {"experiment_id": experiment_id, "name": name, "digest": digest}
        if context:
            summary["context"] = context
        summaries.append(summary)
    return {"dataset_summaries": summaries}


# -- runs ---------------------------------------------------------------------------------------
def create_run(ctx: ServerContext, data: dict) -> dict:
    experiment_id = (
        _experiment_id(data, ctx)
        if data.get("experiment_id") not in (None, "")
        else _resolve_experiment_id(ctx, MLFLOW_DEFAULT_EXPERIMENT_ID)
    )
    experiment = _get_experiment(ctx, experiment_id, recent=True)
    if getattr(experiment, "lifecycle_stage", LifecycleStage.ACTIVE) != LifecycleStage.ACTIVE:
        raise ApiError(f"The experiment {experiment_id} must be in the 'active' state. Current state is deleted.")
    tags = {_key(k, "tag"): truncated(v, "tag", k, MAX_TAG_VALUE_LENGTH) for k, v in key_values(data, "tags").items()}
    run_name = get_str(data, "run_name", max_length=MAX_RUN_NAME_LENGTH) or tags.get(TAG_RUN_NAME)
    if not run_name:
        from ..run_names import generate_run_name

        run_name = generate_run_name()
    if len(run_name) > MAX_RUN_NAME_LENGTH:
        raise ApiError(f"run name is longer than {MAX_RUN_NAME_LENGTH} characters")
    tags.setdefault(TAG_RUN_NAME, run_name)
    user_id = get_str(data, "user_id", max_length=256)
    if user_id and "mlflow.user" not in tags:
        tags.setdefault("autolog.user", user_id)
    start_time = get_int(data, "start_time", default=None, minimum=0)
    run_id = os.urandom(16).hex()
    location = experiment.artifact_location.rstrip("/")
    artifact_uri = f"{location}/{run_id}/artifacts"
    new_run = NewRun(run_id, experiment_id, run_name, start_time if start_time is not None else now_ms(), artifact_uri)
    ctx.store.write(WriteBatch(new_runs=[new_run], tags={(run_id, k): v for k, v in tags.items()}))
    _recent(ctx).put(("run", run_id), True)
    info = RunInfo(run_id, run_name, experiment_id, RunStatus.RUNNING, new_run.start_time, None, artifact_uri)
    return {"run": run_json(Run(info, RunData({}, {}, tags)), ctx.public_uri)}


def get_run(ctx: ServerContext, data: dict) -> dict:
    run = run_json(liveness.settle(ctx.store, [_get_run(ctx, _run_id(data))])[0], ctx.public_uri)
    outputs = ctx.store.run_outputs([run["info"]["run_id"]])[run["info"]["run_id"]]
    if outputs:  # MLflow 3: the logged models the run produced (runs/outputs)
        run["outputs"] = {"model_outputs": [{"model_id": model_id, "step": step} for model_id, step in outputs]}
    return {"run": run}


def update_run(ctx: ServerContext, data: dict) -> dict:
    run_id = _run_id(data)
    _active_run(ctx, run_id)
    status = get_str(data, "status")
    if status is not None and status not in (*RunStatus.ALL, "SCHEDULED"):
        raise ApiError(f"parameter 'status' must be one of {', '.join(RunStatus.ALL)}, got {status!r}")
    if status == "SCHEDULED":
        status = RunStatus.RUNNING
    end_time = get_int(data, "end_time", minimum=0)
    run_name = get_str(data, "run_name", max_length=MAX_RUN_NAME_LENGTH)
    ctx.store.update_run(run_id, status=status, end_time=end_time, run_name=run_name or None)
    if run_name:
        ctx.store.write(WriteBatch(tags={(run_id, TAG_RUN_NAME): run_name}))
    run = _get_run(ctx, run_id)
    return {"run_info": run_info_json(run.info, run.data.tags, ctx.public_uri)}


def delete_run(ctx: ServerContext, data: dict) -> dict:
    run_id = _run_id(data)
    _get_run(ctx, run_id)
    ctx.store.delete_run(run_id)
    _recent(ctx).forget(("run", run_id))
    return {}


def restore_run(ctx: ServerContext, data: dict) -> dict:
    run_id = _run_id(data)
    _get_run(ctx, run_id)
    ctx.store.restore_run(run_id)
    return {}


def search_runs(ctx: ServerContext, data: dict) -> dict:
    ids = get_list(data, "experiment_ids")
    experiment_ids = [_resolve_experiment_id(ctx, str(i)) for i in ids]
    max_results = get_int(data, "max_results", default=1000, minimum=1, maximum=MAX_SEARCH_RESULTS)
    order_by = get_list(data, "order_by")
    for item in order_by:
        if not isinstance(item, str):
            raise ApiError("every entry of 'order_by' must be a string")
    found, token = ctx.store.search_runs_page(
        experiment_ids,
        filter_string=get_str(data, "filter") or None,
        order_by=order_by or None,
        max_results=max_results,
        page_token=get_str(data, "page_token") or None,
        run_view_type=_view_type(data, "run_view_type"),
    )
    out: dict[str, Any] = {"runs": [run_json(run, ctx.public_uri) for run in liveness.settle(ctx.store, found)]}
    if token:
        out["next_page_token"] = token
    return out


# -- logging ------------------------------------------------------------------------------------
def _metric_point(run_id: str, item: dict, path: str = "") -> tuple[str, str, float, int, int]:
    """A metric of log-metric (``path`` "") or of a log-batch (``path`` "metrics[i]."): a missing
    field is named as MLflow names it, ``metrics[0].timestamp``."""
    for field in ("key", "value", "timestamp"):
        if item.get(field) in (None, ""):
            what = " (milliseconds since 1970)" if field == "timestamp" else ""
            raise ApiError(missing_value(path + field).message + what)
    key = _key(req_str(item, "key"), "metric")
    value = req_float(item, "value")
    timestamp = req_int(item, "timestamp", minimum=0)
    step = get_int(item, "step", default=0) or 0
    return (run_id, key, value, timestamp, step)


def _check_params(run, params: dict[str, str]) -> None:
    known = run.data.params
    for key, value in params.items():
        old = known.get(key)
        if old is not None and old != value:
            raise ApiError(
                f"Changing param values is not allowed. Param with key='{key}' was already logged with "
                f"value='{old}' for run ID='{run.info.run_id}'. Attempted logging new value '{value}'.",
                INVALID_PARAMETER_VALUE,
            )


def _log(ctx: ServerContext, run_id: str, metrics: list, params: dict[str, str], tags: dict[str, str]) -> dict:
    if params:
        _check_params(_active_run(ctx, run_id), params)
    else:
        _check_active(ctx, run_id)
    ctx.store.write(
        WriteBatch(
            params={(run_id, k): v for k, v in params.items()},
            tags={(run_id, k): v for k, v in tags.items()},
            metrics=metrics,
        )
    )
    if TAG_RUN_NAME in tags:
        ctx.store.update_run(run_id, run_name=tags[TAG_RUN_NAME][:MAX_RUN_NAME_LENGTH])
    return {}


def _pairs(data: dict, name: str, kind: str, max_value_length: int) -> dict[str, str]:
    result: dict[str, str] = {}
    for item in get_objects(data, name):
        key = _key(req_str(item, "key"), kind)
        value = truncated(text(item, "value"), kind, key, max_value_length)
        if kind == "param" and key in result and result[key] != value:
            raise ApiError(f"param {key!r} appears twice in the batch with different values")
        result[key] = value
    return result


def log_batch(ctx: ServerContext, data: dict) -> dict:
    run_id = _run_id(data)
    metrics, params, tags = (get_objects(data, "metrics"), get_objects(data, "params"), get_objects(data, "tags"))
    if len(metrics) > MAX_METRICS_PER_BATCH:
        raise ApiError(
            f"A batch logging request can contain at most {MAX_METRICS_PER_BATCH} metrics. "
            f"Got {len(metrics)} metrics. Please split up metrics across multiple requests and try again."
        )
    if len(params) > MAX_PARAMS_TAGS_PER_BATCH:
        raise ApiError(
            f"A batch logging request can contain at most {MAX_PARAMS_TAGS_PER_BATCH} params. "
            f"Got {len(params)} params. Please split up params across multiple requests and try again."
        )
    if len(tags) > MAX_PARAMS_TAGS_PER_BATCH:
        raise ApiError(
            f"A batch logging request can contain at most {MAX_PARAMS_TAGS_PER_BATCH} tags. "
            f"Got {len(tags)} tags. Please split up tags across multiple requests and try again."
        )
    total = len(metrics) + len(params) + len(tags)
    if total > MAX_ENTITIES_PER_BATCH:
        raise ApiError(
            f"A batch logging request can contain at most {MAX_ENTITIES_PER_BATCH} metrics, params "
            f"and tags in total. Got {total}."
        )
    points = [_metric_point(run_id, item, f"metrics[{index}].") for index, item in enumerate(metrics)]
    result = _log(
        ctx,
        run_id,
        points,
        _pairs(data, "params", "param", MAX_PARAM_VALUE_LENGTH),
        _pairs(data, "tags", "tag", MAX_TAG_VALUE_LENGTH),
    )
    _log_model_metrics(ctx, run_id, metrics, points)
    return result


def _log_model_metrics(ctx: ServerContext, run_id: str, items: list[dict], points: list) -> None:
    """MLflow 3: metrics sent with a ``model_id`` also belong to that logged model (its ``data.metrics``,
    searchable with ``metrics.<key>``); an unknown model id leaves the run's metric logged alone."""
    from ..errors import RegistryNotFoundError
    from ..registry_entities import LoggedModelMetric

    by_model: dict[str, list[LoggedModelMetric]] = {}
    for item, (_run, key, value, timestamp, step) in zip(items, points, strict=True):
        model_id = item.get("model_id")
        if isinstance(model_id, str) and model_id:
            dataset_name, dataset_digest = item.get("dataset_name"), item.get("dataset_digest")
            by_model.setdefault(model_id, []).append(
                LoggedModelMetric(
                    key,
                    value,
                    timestamp,
                    step,
                    run_id,
                    model_id,
                    dataset_name if isinstance(dataset_name, str) else None,
                    dataset_digest if isinstance(dataset_digest, str) else None,
                )
            )
    for model_id, model_metrics in by_model.items():
        try:
            ctx.store.log_logged_model_metrics(model_id, model_metrics)
        except RegistryNotFoundError:
            pass


def log_inputs(ctx: ServerContext, data: dict) -> dict:
    """MLflow's ``runs/log-inputs``: dataset inputs of a run (checked as ``log_input`` checks them)."""
    from ..lineage.dataset_inputs import to_input

    run_id = _run_id(data)
    entries = get_objects(data, "datasets")
    if len(entries) > MAX_ENTITIES_PER_BATCH:
        raise ApiError(
            f"a log-inputs request can contain at most {MAX_ENTITIES_PER_BATCH} datasets, got {len(entries)}"
        )
    _check_active(ctx, run_id)
    items = []
    for index, entry in enumerate(entries):
        try:
            items.append(to_input(run_id, entry))
        except (KeyError, TypeError, ValueError) as exc:
            raise ApiError(f"datasets[{index}]: {exc}") from None
    if items:
        ctx.store.write(WriteBatch(inputs=items))
    return {}


def log_metric(ctx: ServerContext, data: dict) -> dict:
    run_id = _run_id(data)
    point = _metric_point(run_id, data)
    result = _log(ctx, run_id, [point], {}, {})
    _log_model_metrics(ctx, run_id, [data], [point])
    return result


def log_param(ctx: ServerContext, data: dict) -> dict:
    run_id = _run_id(data)
    key = _key(req_str(data, "key"), "param")
    return _log(ctx, run_id, [], {key: truncated(text(data, "value"), "param", key, MAX_PARAM_VALUE_LENGTH)}, {})


def set_tag(ctx: ServerContext, data: dict) -> dict:
    run_id = _run_id(data)
    key = _key(req_str(data, "key"), "tag")
    return _log(ctx, run_id, [], {}, {key: truncated(text(data, "value"), "tag", key, MAX_TAG_VALUE_LENGTH)})


def delete_tag(ctx: ServerContext, data: dict) -> dict:
    run_id = _run_id(data)
    _active_run(ctx, run_id)
    ctx.store.delete_tag(run_id, req_str(data, "key"))
    return {}


# -- reading metrics and artifacts ----------------------------------------------------------------
def get_metric_history(ctx: ServerContext, data: dict) -> bytes:
    run_id = _run_id(data)
    key = req_str(data, "metric_key")
    # MLflow answers an unknown run's history with no points (200), not RESOURCE_DOES_NOT_EXIST.
    max_results = get_int(data, "max_results", default=None, minimum=1, maximum=MAX_HISTORY_PAGE)
    page_token = get_str(data, "page_token") or None
    rows, token = ctx.store.get_metric_history_rows(run_id, key, max_results=max_results, page_token=page_token)
    return metrics_page_json(key, rows, token)


MAX_BULK_RUNS = 100  # run ids of one get-history-bulk(-interval) request, as MLflow
MAX_BULK_HISTORY = 25_000  # points of one get-history-bulk answer (more asked for: cut to it, as MLflow)
MAX_SAMPLED_PER_RUN = 2500  # points per run of one get-history-bulk-interval answer


def _points_with_run_json(key: str, rows: list[tuple]) -> dict:
    return {
        "metrics": [
            {"key": key, "value": "NaN" if value is None else float_out(value), "timestamp": t, "step": s, "run_id": r}
            for r, value, t, s in rows
        ]
    }


def get_metric_history_bulk(ctx: ServerContext, data: dict) -> dict:
    """MLflow's UI endpoint ``/ajax-api/2.0/mlflow/metrics/get-history-bulk?run_id=..&metric_key=``:
    one key's history in up to 100 runs, by run id then timestamp, step and value, at most
    ``max_results`` (25,000) points in all. Runs that never logged the key add nothing."""
    run_ids = [str(run_id) for run_id in get_list(data, "run_id")]
    if not run_ids:
        raise ApiError("GetMetricHistoryBulk request must specify at least one run_id.")
    if len(run_ids) > MAX_BULK_RUNS:
        raise ApiError(
            f"GetMetricHistoryBulk request cannot specify more than {MAX_BULK_RUNS} run_ids. "
            f"Received {len(run_ids)} run_ids."
        )
    key = get_str(data, "metric_key")
    if key is None:
        raise ApiError("GetMetricHistoryBulk request must specify a metric_key.")
    max_results = get_int(data, "max_results", default=MAX_BULK_HISTORY)
    if max_results is None or max_results < 1:
        raise invalid_value(
            "max_results", max_results, f"it must be at least 1 (at most {MAX_BULK_HISTORY} points are sent)"
        )
    rows = ctx.store.get_metric_history_bulk(run_ids, key, min(max_results, MAX_BULK_HISTORY))
    return _points_with_run_json(key, rows)


def get_metric_history_bulk_interval(ctx: ServerContext, data: dict) -> dict:
    """MLflow's UI endpoint ``/ajax-api/2.0/mlflow/metrics/get-history-bulk-interval?run_ids=..&metric_key=``
    (``start_step``, ``end_step`` both or neither, ``max_results`` 1..2500, default 2500): each run's
    history of the key sampled to at most ``max_results`` points (the store's
    ``sample_metric_histories``, MLflow 3.17's sampling), run by run in the order asked."""
    run_ids = get_list(data, "run_ids")
    if not run_ids:
        raise missing_value("run_ids")
    for run_id in run_ids:
        if not isinstance(run_id, str):
            raise invalid_value("run_ids", run_ids, "every entry must be a string")
    if len(run_ids) > MAX_BULK_RUNS:
        raise ApiError(
            f"GetMetricHistoryBulkInterval request must specify at most {MAX_BULK_RUNS} run_ids. "
            f"Received {len(run_ids)} run_ids."
        )
    key = get_str(data, "metric_key")
    if not key:
        raise missing_value("metric_key")
    start_step, end_step = get_int(data, "start_step"), get_int(data, "end_step")
    max_results = get_int(data, "max_results", default=MAX_SAMPLED_PER_RUN)
    if max_results is None or not 1 <= max_results <= MAX_SAMPLED_PER_RUN:
        raise ApiError(f"max_results must be between 1 and {MAX_SAMPLED_PER_RUN}. Got {max_results}.")
    if start_step is not None and end_step is not None:
        if start_step > end_step:
            raise ApiError(
                f"end_step must be greater than start_step. Found start_step={start_step} and end_step={end_step}."
            )
    elif start_step is not None or end_step is not None:
        raise ApiError("If either start step or end step are specified, both must be specified.")
    rows = ctx.store.sample_metric_histories(run_ids, key, max_results, start_step, end_step)
    return _points_with_run_json(key, rows)


def list_artifacts(ctx: ServerContext, data: dict) -> dict:
    run = _get_run(ctx, _run_id(data))
    from .artifact_api import checked_path

    path = checked_path(get_str(data, "path") or "")
    files = ctx.artifact_repository(run.info).list_artifacts(path or None)
    return {
        "root_uri": ctx.public_uri(run.info.artifact_uri),
        "files": [_file_json(f) for f in files],
    }


def _file_json(info) -> dict:
    out: dict[str, Any] = {"path": info.path, "is_dir": info.is_dir}
    if not info.is_dir and info.file_size is not None:
        out["file_size"] = info.file_size
    return out


# method(s), path below /api/2.0/mlflow/, handler
ROUTES: list[tuple[tuple[str, ...], str, Handler]] = [
    (("POST",), "experiments/create", create_experiment),
    (("GET",), "experiments/get", get_experiment),
    (("GET",), "experiments/get-by-name", get_experiment_by_name),
    (("POST", "GET"), "experiments/search", search_experiments),
    (("POST",), "experiments/update", update_experiment),
    (("POST",), "experiments/delete", delete_experiment),
    (("POST",), "experiments/restore", restore_experiment),
    (("POST",), "experiments/set-experiment-tag", set_experiment_tag),
    (("POST",), "experiments/delete-experiment-tag", delete_experiment_tag),
    (("POST",), "runs/create", create_run),
    (("GET",), "runs/get", get_run),
    (("POST",), "runs/update", update_run),
    (("POST",), "runs/delete", delete_run),
    (("POST",), "runs/restore", restore_run),
    (("POST",), "runs/search", search_runs),
    (("POST",), "runs/log-batch", log_batch),
    (("POST",), "runs/log-inputs", log_inputs),
    (("POST",), "runs/log-metric", log_metric),
    (("POST",), "runs/log-parameter", log_param),
    (("POST",), "runs/set-tag", set_tag),
    (("POST",), "runs/delete-tag", delete_tag),
    (("GET",), "metrics/get-history", get_metric_history),
    (("GET",), "artifacts/list", list_artifacts),
]
# served under /ajax-api/2.0/mlflow/ only, as MLflow serves them (its UI's own endpoints)
AJAX_ROUTES: list[tuple[tuple[str, ...], str, Handler]] = [
    (("POST",), "experiments/search-datasets", search_datasets),
    (("GET",), "metrics/get-history-bulk", get_metric_history_bulk),
    (("GET",), "metrics/get-history-bulk-interval", get_metric_history_bulk_interval),
]
BODY_LIMITS = {"runs/log-batch": MAX_BATCH_LOG_REQUEST_BYTES}
