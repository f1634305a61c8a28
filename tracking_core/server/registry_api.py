"""MLflow's model registry and MLflow 3 logged-model REST endpoints, on the store's registry methods.

Same paths, methods, JSON shapes, error codes and limits as MLflow 3.17's server (``mlflow.protos
.model_registry_pb2`` and ``service_pb2``), served under ``/api/2.0/mlflow`` and ``/ajax-api/2.0/mlflow``:

- ``registered-models/create|get|rename|update|delete|search|set-tag|delete-tag|get-latest-versions``
  and ``registered-models/alias`` (POST sets, DELETE deletes, GET gets the version by alias);
- ``model-versions/create|get|update|delete|search|set-tag|delete-tag|get-download-uri|transition-stage``;
- ``logged-models`` (POST creates), ``logged-models/{id}`` (GET, PATCH finalizes, DELETE),
  ``logged-models/search``, ``logged-models/{id}/tags`` (PATCH), ``logged-models/{id}/tags/{key}``
  (DELETE), ``logged-models/{id}/params`` (POST), ``logged-models/{id}/artifacts/directories``;
- ``runs/outputs`` (a run's logged models, as the MLflow 3 client reports them after ``log_model``).

A version's ``source`` must be a ``runs:/<run>/...`` URI of an existing run, a ``models:/`` URI
(``m-<id>`` logged model, or ``name/version``, ``name@alias``) or a location inside this server's
artifact destination (``mlflow-artifacts:/...``): anything else (``/etc``, another bucket) is
refused, so the registry never points clients at files the server does not serve. Logged models'
artifacts live under their experiment's location (``.../models/<id>/artifacts``), shown to clients
as ``mlflow-artifacts:/`` URIs: the proxied artifact service uploads and downloads them.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

from ..errors import RegistryNotFoundError
from ..registry_entities import LoggedModel, LoggedModelStatus, ModelVersion, RegisteredModel
from .context import ServerContext
from .errors import INVALID_PARAMETER_VALUE, RESOURCE_DOES_NOT_EXIST, ApiError
from .protocol import get_int, get_list, get_objects, get_str, req_str, text

Handler = Callable[[ServerContext, dict], Any]
MAX_DESCRIPTION_LENGTH = 100_000
# MLflow's proto enum LoggedModelStatus, by number and by name, and our statuses as it names them
_STATUS_NUMBERS = {0: "UNSPECIFIED", 1: "PENDING", 2: "READY", 3: "FAILED"}
_STATUS_NAMES = {
    "LOGGED_MODEL_STATUS_UNSPECIFIED": "UNSPECIFIED",
    "LOGGED_MODEL_PENDING": "PENDING",
    "LOGGED_MODEL_READY": "READY",
    "LOGGED_MODEL_UPLOAD_FAILED": "FAILED",
}
_STATUS_OUT = {ours: proto for proto, ours in _STATUS_NAMES.items()}


# -- JSON shapes -------------------------------------------------------------------------------------
def _tags(tags) -> list[dict]:
    return [{"key": k, "value": v} for k, v in tags.items()]


def _drop_none(out: dict) -> dict:
    return {k: v for k, v in out.items() if v is not None}


def version_json(ctx: ServerContext, version: ModelVersion) -> dict:
    (name, number, created, updated, description, user_id, stage, source, run_id, status, status_message, tags,
     run_link, aliases, model_id) = version  # fmt: skip
    out: dict[str, Any] = {"name": name, "version": number, "creation_timestamp": created}
    if updated is not None:
        out["last_updated_timestamp"] = updated
    if user_id is not None:
        out["user_id"] = user_id
    out["current_stage"] = stage
    if description is not None:
        out["description"] = description
    if source:
        out["source"] = ctx.public_uri(source)
    if run_id is not None:
        out["run_id"] = run_id
    out["status"] = status
    if status_message is not None:
        out["status_message"] = status_message
    out["tags"] = [{"key": k, "value": v} for k, v in tags.items()] if tags else []
    if run_link is not None:
        out["run_link"] = run_link
    out["aliases"] = list(aliases)
    if model_id is not None:
        out["model_id"] = model_id
    return out


def model_json(ctx: ServerContext, model: RegisteredModel) -> dict:
    return _drop_none(
        {
            "name": model.name,
            "creation_timestamp": model.creation_timestamp,
            "last_updated_timestamp": model.last_updated_timestamp,
            "description": model.description,
            "latest_versions": [version_json(ctx, v) for v in model.latest_versions],
            "tags": _tags(model.tags),
            "aliases": [{"alias": a, "version": v} for a, v in model.aliases.items()],
        }
    )


def _float(value: float) -> float | str:
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "Infinity" if value > 0 else "-Infinity"
    return value


def logged_model_json(ctx: ServerContext, model: LoggedModel) -> dict:
    return {
        "info": _drop_none(
            {
                "model_id": model.model_id,
                "experiment_id": model.experiment_id,
                "name": model.name,
                "creation_timestamp_ms": model.creation_timestamp,
                "last_updated_timestamp_ms": model.last_updated_timestamp,
                "artifact_uri": ctx.public_uri(model.artifact_location),
                "status": _STATUS_OUT.get(model.status, model.status),
                "model_type": model.model_type,
                "source_run_id": model.source_run_id,
                "status_message": model.status_message,
                "tags": _tags(model.tags),
            }
        ),
        "data": {
            "params": _tags(model.params),
            "metrics": [
                _drop_none(
                    {
                        "key": m.key,
                        "value": _float(m.value),
                        "timestamp": m.timestamp,
                        "step": m.step,
                        "run_id": m.run_id,
                        "model_id": m.model_id,
                        "dataset_name": m.dataset_name,
                        "dataset_digest": m.dataset_digest,
                    }
                )
                for m in model.metrics
            ],
        },
    }


# -- request fields ------------------------------------------------------------------------------------
def _name(data: dict, field: str = "name") -> str:
    return req_str(data, field)


def _version(data: dict) -> str:
    value = data.get("version")
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return req_str(data, "version")


def _key_values(data: dict, field: str) -> dict[str, str]:
    result: dict[str, str] = {}
    for item in get_objects(data, field):
        result[req_str(item, "key")] = text(item, "value")
    return result


def _max_results(data: dict) -> int | None:
    return get_int(data, "max_results", minimum=1)


def _search_args(data: dict) -> dict[str, Any]:
    """A search request's filter, max_results, order_by and page_token, as the stores take them."""
    return {
        "filter_string": get_str(data, "filter"),
        "max_results": _max_results(data),
        "order_by": [str(o) for o in get_list(data, "order_by")] or None,
        "page_token": get_str(data, "page_token"),
    }


def _page(key: str, items: list, token: str | None) -> dict[str, Any]:
    return {key: items, "next_page_token": token} if token else {key: items}


# -- registered models ------------------------------------------------------------------------------------
def create_registered_model(ctx: ServerContext, data: dict) -> dict:
    model = ctx.store.create_registered_model(
        _name(data),
        tags=_key_values(data, "tags"),
        description=get_str(data, "description", max_length=MAX_DESCRIPTION_LENGTH),
    )
    return {"registered_model": model_json(ctx, model)}


def get_registered_model(ctx: ServerContext, data: dict) -> dict:
    return {"registered_model": model_json(ctx, ctx.store.get_registered_model(_name(data)))}


def rename_registered_model(ctx: ServerContext, data: dict) -> dict:
    model = ctx.store.rename_registered_model(_name(data), req_str(data, "new_name"))
    return {"registered_model": model_json(ctx, model)}


def update_registered_model(ctx: ServerContext, data: dict) -> dict:
    model = ctx.store.update_registered_model(
        _name(data), get_str(data, "description", max_length=MAX_DESCRIPTION_LENGTH)
    )
    return {"registered_model": model_json(ctx, model)}


def delete_registered_model(ctx: ServerContext, data: dict) -> dict:
    ctx.store.delete_registered_model(_name(data))
    return {}


def search_registered_models(ctx: ServerContext, data: dict) -> dict:
    models, token = ctx.store.search_registered_models(**_search_args(data))
    return _page("registered_models", [model_json(ctx, m) for m in models], token)


def get_latest_versions(ctx: ServerContext, data: dict) -> dict:
    stages = [str(s) for s in get_list(data, "stages")] or None
    versions = ctx.store.get_latest_versions(_name(data), stages)
    return {"model_versions": [version_json(ctx, v) for v in versions]}


def set_registered_model_tag(ctx: ServerContext, data: dict) -> dict:
    ctx.store.set_registered_model_tag(_name(data), req_str(data, "key"), text(data, "value"))
    return {}


def delete_registered_model_tag(ctx: ServerContext, data: dict) -> dict:
    ctx.store.delete_registered_model_tag(_name(data), req_str(data, "key"))
    return {}


def set_alias(ctx: ServerContext, data: dict) -> dict:
    ctx.store.set_registered_model_alias(_name(data), req_str(data, "alias"), _version(data))
    return {}


def delete_alias(ctx: ServerContext, data: dict) -> dict:
    ctx.store.delete_registered_model_alias(_name(data), req_str(data, "alias"))
    return {}


def get_by_alias(ctx: ServerContext, data: dict) -> dict:
    name, alias = _name(data), req_str(data, "alias")
    try:
        version = ctx.store.get_model_version_by_alias(name, alias)
    except RegistryNotFoundError as exc:
        if str(exc).startswith("Registered model alias"):  # MLflow's code for an unknown alias
            raise ApiError(str(exc), INVALID_PARAMETER_VALUE) from None
        raise
    return {"model_version": version_json(ctx, version)}


# -- model versions ------------------------------------------------------------------------------------
def _invalid_source(source: str, why: str) -> ApiError:
    return ApiError(f"Invalid model version source: '{source}' (source): {why}", INVALID_PARAMETER_VALUE)


def checked_source(ctx: ServerContext, source: str, run_id: str | None, model_id: str | None) -> tuple[str, str | None]:
    """The source as stored (a concrete location when it is a path of ours) and the run id; refuses
    sources outside what this server serves."""
    if source.startswith("models:"):
        if source.startswith("models://"):
            raise _invalid_source(source, "registered model sources must use this server's registry (no host)")
        return source, run_id
    if source.startswith("runs:"):
        rest = source[len("runs:") :]
        if rest.startswith("//") or not rest.startswith("/"):
            raise _invalid_source(source, "expected runs:/<run_id>/<path>")
        source_run = rest.lstrip("/").split("/", 1)[0]
        if run_id and run_id != source_run:
            raise _invalid_source(source, f"its run {source_run} is not the run_id {run_id} given")
        if ".." in rest.split("/"):
            raise _invalid_source(source, "a path with '..' is not allowed")
        if not run_id:  # the run is taken from the source, so it must exist; a run_id given is trusted, as MLflow does
            ctx.store.run_artifact_uri(source_run)  # RESOURCE_DOES_NOT_EXIST for an unknown run
        return source, source_run
    try:
        concrete = ctx.concrete_uri(source)
    except ValueError as exc:
        raise _invalid_source(source, str(exc)) from None
    if "://" not in concrete and not concrete.startswith("/"):
        raise _invalid_source(source, "a relative path is not a model location")
    if ".." in concrete.replace("\\", "/").split("/"):
        raise _invalid_source(source, "a path with '..' is not allowed")
    if ctx._below_destination(concrete) is None:
        raise _invalid_source(
            source,
            "it is outside this server's artifact destination; give a runs:/<run_id>/<path> or models:/ URI, "
            "or an mlflow-artifacts:/ location",
        )
    return concrete, run_id


def create_model_version(ctx: ServerContext, data: dict) -> dict:
    name = _name(data)
    source = req_str(data, "source")
    run_id = get_str(data, "run_id") or None
    model_id = get_str(data, "model_id") or None
    stored, run_id = checked_source(ctx, source, run_id, model_id)
    version = ctx.store.create_model_version(
        name,
        stored,
        run_id=run_id,
        tags=_key_values(data, "tags"),
        run_link=get_str(data, "run_link") or None,
        description=get_str(data, "description", max_length=MAX_DESCRIPTION_LENGTH),
        model_id=model_id,
    )
    return {"model_version": version_json(ctx, version)}


def get_model_version(ctx: ServerContext, data: dict) -> dict:
    return {"model_version": version_json(ctx, ctx.store.get_model_version(_name(data), _version(data)))}


def update_model_version(ctx: ServerContext, data: dict) -> dict:
    version = ctx.store.update_model_version(
        _name(data), _version(data), get_str(data, "description", max_length=MAX_DESCRIPTION_LENGTH)
    )
    return {"model_version": version_json(ctx, version)}


def delete_model_version(ctx: ServerContext, data: dict) -> dict:
    ctx.store.delete_model_version(_name(data), _version(data))
    return {}


def transition_stage(ctx: ServerContext, data: dict) -> dict:
    archive = data.get("archive_existing_versions", False)
    if isinstance(archive, str):
        archive = archive.lower() == "true"
    version = ctx.store.transition_model_version_stage(
        _name(data), _version(data), req_str(data, "stage"), bool(archive)
    )
    return {"model_version": version_json(ctx, version)}


def search_model_versions(ctx: ServerContext, data: dict) -> dict:
    versions, token = ctx.store.search_model_versions(**_search_args(data))
    return _page("model_versions", [version_json(ctx, v) for v in versions], token)


def get_download_uri(ctx: ServerContext, data: dict) -> dict:
    location = ctx.store.get_model_version_download_uri(_name(data), _version(data))
    if location.startswith("runs:/"):
        run_id, _, path = location[len("runs:/") :].partition("/")
        location = ctx.store.run_artifact_uri(run_id).rstrip("/") + ("/" + path if path else "")
    return {"artifact_uri": ctx.public_uri(location)}


def set_version_tag(ctx: ServerContext, data: dict) -> dict:
    ctx.store.set_model_version_tag(_name(data), _version(data), req_str(data, "key"), text(data, "value"))
    return {}


def delete_version_tag(ctx: ServerContext, data: dict) -> dict:
    ctx.store.delete_model_version_tag(_name(data), _version(data), req_str(data, "key"))
    return {}


# -- logged models ------------------------------------------------------------------------------------
def _model_id(data: dict) -> str:
    return req_str(data, "model_id")


def create_logged_model(ctx: ServerContext, data: dict) -> dict:
    experiment_id = data.get("experiment_id")
    experiment_id = str(experiment_id) if isinstance(experiment_id, int) else req_str(data, "experiment_id")
    if not experiment_id.isdigit() or int(experiment_id) > 2**31 - 1:
        raise ApiError(f"Invalid experiment_id {experiment_id[:40]!r}: not an experiment id (experiment_id)")
    if ctx.store.get_experiment(experiment_id) is None:
        raise ApiError(f"No Experiment with id={experiment_id} exists (experiment_id)", RESOURCE_DOES_NOT_EXIST)
    source_run_id = get_str(data, "source_run_id") or None  # as MLflow: any id, not checked
    model = ctx.store.create_logged_model(
        experiment_id,
        name=get_str(data, "name") or None,
        source_run_id=source_run_id,
        tags=_key_values(data, "tags"),
        params=_key_values(data, "params"),
        model_type=get_str(data, "model_type") or None,
    )
    return {"model": logged_model_json(ctx, model)}


def get_logged_model(ctx: ServerContext, data: dict) -> dict:
    return {"model": logged_model_json(ctx, ctx.store.get_logged_model(_model_id(data)))}


def finalize_logged_model(ctx: ServerContext, data: dict) -> dict:
    status = data.get("status")
    if isinstance(status, int) and not isinstance(status, bool):
        status = _STATUS_NUMBERS.get(status)
    status = _STATUS_NAMES.get(status, status) if isinstance(status, str) else status
    if status not in (LoggedModelStatus.READY, LoggedModelStatus.FAILED):
        raise ApiError(f"Invalid value for status: {data.get('status')!r}; expected READY or FAILED (status)")
    return {"model": logged_model_json(ctx, ctx.store.finalize_logged_model(_model_id(data), status))}


def delete_logged_model(ctx: ServerContext, data: dict) -> dict:
    ctx.store.delete_logged_model(_model_id(data))
    return {}


def search_logged_models(ctx: ServerContext, data: dict) -> dict:
    order_by: list[Any] = []
    for item in get_list(data, "order_by"):
        if isinstance(item, dict):
            order_by.append({"field_name": item.get("field_name", ""), "ascending": item.get("ascending", True)})
        else:
            order_by.append(str(item))
    models, token = ctx.store.search_logged_models(
        [str(e) for e in get_list(data, "experiment_ids")],
        filter_string=get_str(data, "filter"),
        datasets=get_objects(data, "datasets") or None,
        max_results=get_int(data, "max_results", minimum=1),
        order_by=order_by or None,
        page_token=get_str(data, "page_token"),
    )
    out: dict[str, Any] = {"models": [logged_model_json(ctx, m) for m in models]}
    if token:
        out["next_page_token"] = token
    return out


def set_logged_model_tags(ctx: ServerContext, data: dict) -> dict:
    ctx.store.set_logged_model_tags(_model_id(data), _key_values(data, "tags"))
    return {}


def delete_logged_model_tag(ctx: ServerContext, data: dict) -> dict:
    ctx.store.delete_logged_model_tag(_model_id(data), req_str(data, "tag_key"))
    return {}


def log_logged_model_params(ctx: ServerContext, data: dict) -> dict:
    ctx.store.log_logged_model_params(_model_id(data), _key_values(data, "params"))
    return {}


def list_logged_model_artifacts(ctx: ServerContext, data: dict) -> dict:
    from .artifact_api import checked_path

    model = ctx.store.get_logged_model(_model_id(data))
    path = checked_path(get_str(data, "artifact_directory_path") or "")
    files = []
    for info in ctx.artifact_repository(model.artifact_location).list_artifacts(path or None):
        item: dict[str, Any] = {"path": info.path, "is_dir": info.is_dir}
        if not info.is_dir and info.file_size is not None:
            item["file_size"] = info.file_size
        files.append(item)
    return {"root_uri": ctx.public_uri(model.artifact_location), "files": files}


def logged_model_file(ctx: ServerContext, model_id: str, path: str | None) -> tuple[Any, str, dict]:
    """(repository, clean path, headers) of one file of a logged model (``logged-models/{id}/artifacts/files``)."""
    import os

    from .artifact_api import SAFE_TYPES, SECURITY_HEADERS, checked_path

    model = ctx.store.get_logged_model(model_id)
    if not path:
        raise ApiError("Missing value for required parameter 'artifact_file_path'.")
    clean = checked_path(path)
    repository = ctx.artifact_repository(model.artifact_location)
    if not clean or not repository.is_file(clean):
        raise ApiError(f"no artifact file {clean!r} in logged model {model_id}", RESOURCE_DOES_NOT_EXIST)
    extension = os.path.splitext(clean)[1].lower()
    headers = dict(SECURITY_HEADERS)
    headers["Content-Type"] = SAFE_TYPES.get(extension, "application/octet-stream")
    return repository, clean, headers


def log_outputs(ctx: ServerContext, data: dict) -> dict:
    run_id = req_str(data, "run_id")
    ctx.store.run_artifact_uri(run_id)
    outputs = []
    for item in get_objects(data, "models"):
        model_id = req_str(item, "model_id")
        ctx.store.get_logged_model(model_id)
        outputs.append((model_id, get_int(item, "step", default=0) or 0))
    ctx.store.log_run_outputs(run_id, outputs)
    return {}


ROUTES: list[tuple[tuple[str, ...], str, Handler]] = [
    (("POST",), "registered-models/create", create_registered_model),
    (("GET",), "registered-models/get", get_registered_model),
    (("POST",), "registered-models/rename", rename_registered_model),
    (("PATCH",), "registered-models/update", update_registered_model),
    (("DELETE",), "registered-models/delete", delete_registered_model),
    (("GET",), "registered-models/search", search_registered_models),
    (("POST", "GET"), "registered-models/get-latest-versions", get_latest_versions),
    (("POST",), "registered-models/set-tag", set_registered_model_tag),
    (("DELETE",), "registered-models/delete-tag", delete_registered_model_tag),
    (("POST",), "registered-models/alias", set_alias),
    (("DELETE",), "registered-models/alias", delete_alias),
    (("GET",), "registered-models/alias", get_by_alias),
    (("POST",), "model-versions/create", create_model_version),
    (("GET",), "model-versions/get", get_model_version),
    (("PATCH",), "model-versions/update", update_model_version),
    (("DELETE",), "model-versions/delete", delete_model_version),
    (("GET",), "model-versions/search", search_model_versions),
    (("GET",), "model-versions/get-download-uri", get_download_uri),
    (("POST",), "model-versions/transition-stage", transition_stage),
    (("POST",), "model-versions/set-tag", set_version_tag),
    (("DELETE",), "model-versions/delete-tag", delete_version_tag),
    (("POST",), "logged-models", create_logged_model),
    (("POST",), "logged-models/search", search_logged_models),
    (("GET",), "logged-models/{model_id}", get_logged_model),
    (("PATCH",), "logged-models/{model_id}", finalize_logged_model),
    (("DELETE",), "logged-models/{model_id}", delete_logged_model),
    (("PATCH",), "logged-models/{model_id}/tags", set_logged_model_tags),
    (("DELETE",), "logged-models/{model_id}/tags/{tag_key:path}", delete_logged_model_tag),
    (("POST",), "logged-models/{model_id}/params", log_logged_model_params),
    (("GET",), "logged-models/{model_id}/artifacts/directories", list_logged_model_artifacts),
    (("POST",), "runs/outputs", log_outputs),
]
