"""The model registry over MLflow's REST API (``autolog server`` or ``mlflow server``): the client side.

``RegistryRestMethods`` gives ``RestStore`` the registry methods of the ``SqlStore``, with the
names and arguments of MLflow's ``AbstractStore`` (``mlflow/store/model_registry``), so the
trackers and ``TrackingClient`` call either store alike. Paths, HTTP methods and JSON shapes are
MLflow's ``ModelRegistryService`` (``model_registry.proto``): ``registered-models/*``,
``model-versions/*`` and ``registered-models/alias`` (POST sets, DELETE deletes, GET resolves);
logged models are ``logged-models/{model_id}``.

A refusal for a missing model, version or alias (``RESOURCE_DOES_NOT_EXIST``, or MLflow's
``INVALID_PARAMETER_VALUE`` "... alias x not found.") raises ``RegistryNotFoundError`` and one
for a name already taken (``RESOURCE_ALREADY_EXISTS``) ``RegistryExistsError``, with the server's
message; any other refusal stays a ``RestError`` (a ``ValueError``) carrying the server's code
and message.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import quote

from ..errors import RegistryExistsError, RegistryNotFoundError
from ..registry_entities import (
    LoggedModel,
    LoggedModelMetric,
    ModelVersion,
    ModelVersionStage,
    ModelVersionStatus,
    RegisteredModel,
)
from .http import RestError


def _int_or_none(value: Any) -> int | None:
    return None if value is None or value == "" else int(value)


def _tags(items: list[dict] | None) -> dict[str, str]:
    return {item["key"]: item.get("value", "") for item in items or ()}


def model_version_from_json(data: dict) -> ModelVersion:
    return ModelVersion(
        name=data.get("name", ""),
        version=str(data.get("version", "")),
        creation_timestamp=_int_or_none(data.get("creation_timestamp")) or 0,
        last_updated_timestamp=_int_or_none(data.get("last_updated_timestamp")),
        description=data.get("description"),
        user_id=data.get("user_id") or None,
        current_stage=data.get("current_stage") or ModelVersionStage.NONE,
        source=data.get("source"),
        run_id=data.get("run_id") or None,
        status=data.get("status") or ModelVersionStatus.READY,
        status_message=data.get("status_message") or None,
        tags=_tags(data.get("tags")),
        run_link=data.get("run_link") or None,
        aliases=tuple(data.get("aliases") or ()),
        model_id=data.get("model_id") or None,
    )


def registered_model_from_json(data: dict) -> RegisteredModel:
    return RegisteredModel(
        name=data.get("name", ""),
        creation_timestamp=_int_or_none(data.get("creation_timestamp")),
        last_updated_timestamp=_int_or_none(data.get("last_updated_timestamp")),
        description=data.get("description"),
        latest_versions=tuple(model_version_from_json(v) for v in data.get("latest_versions") or ()),
        tags=_tags(data.get("tags")),
        aliases={a["alias"]: str(a.get("version", "")) for a in data.get("aliases") or ()},
    )


def logged_model_from_json(data: dict) -> LoggedModel:
    info = data.get("info") or {}
    body = data.get("data") or {}
    metrics = tuple(
        LoggedModelMetric(
            m.get("key", ""),
            float(m.get("value", 0.0)),
            int(m.get("timestamp") or 0),
            int(m.get("step") or 0),
            m.get("run_id"),
            m.get("model_id"),
            m.get("dataset_name"),
            m.get("dataset_digest"),
        )
        for m in body.get("metrics") or ()
    )
    return LoggedModel(
        experiment_id=str(info.get("experiment_id", "")),
        model_id=info.get("model_id", ""),
        name=info.get("name", ""),
        artifact_location=info.get("artifact_uri", ""),
        creation_timestamp=int(info.get("creation_timestamp_ms") or 0),
        last_updated_timestamp=int(info.get("last_updated_timestamp_ms") or 0),
        model_type=info.get("model_type") or None,
        source_run_id=info.get("source_run_id") or None,
        status=info.get("status") or "UNSPECIFIED",
        status_message=info.get("status_message") or None,
        tags=_tags(info.get("tags")),
        params=_tags(body.get("params")),
        metrics=metrics,
    )


def _tag_list(tags: Any) -> list[dict[str, str]]:
    """Tags as a dict, or a list of objects with key/value (MLflow's tag entities), as JSON."""
    if not tags:
        return []
    items = tags.items() if isinstance(tags, Mapping) else ((t.key, t.value) for t in tags)
    return [{"key": k, "value": "" if v is None else str(v)} for k, v in items]


class RegistryRestMethods:
    """Mixed into ``RestStore`` (which provides ``_call``)."""

    def _call(self, method: str, endpoint: str, payload: dict | None = None, retries: int | None = None) -> dict:
        raise NotImplementedError

    def _registry_call(self, method: str, endpoint: str, payload: dict) -> dict:
        try:
            return self._call(method, endpoint, {k: v for k, v in payload.items() if v is not None})
        except RestError as exc:
            if exc.error_code in ("RESOURCE_DOES_NOT_EXIST", "NOT_FOUND") or (
                # MLflow's server says an unknown alias is an INVALID_PARAMETER_VALUE "... not found."
                exc.error_code == "INVALID_PARAMETER_VALUE" and " not found" in exc.message
            ):
                raise RegistryNotFoundError(exc.message) from None
            if exc.error_code == "RESOURCE_ALREADY_EXISTS":
                raise RegistryExistsError(exc.message) from None
            raise

    # -- registered models --------------------------------------------------------------------
    def create_registered_model(self, name: str, tags: Any = None, description: str | None = None) -> RegisteredModel:
        payload = {"name": name, "tags": _tag_list(tags), "description": description}
        data = self._registry_call("POST", "registered-models/create", payload)
        return registered_model_from_json(data["registered_model"])

    def update_registered_model(self, name: str, description: str | None) -> RegisteredModel:
        data = self._registry_call("PATCH", "registered-models/update", {"name": name, "description": description})
        return registered_model_from_json(data["registered_model"])

    def rename_registered_model(self, name: str, new_name: str) -> RegisteredModel:
        data = self._registry_call("POST", "registered-models/rename", {"name": name, "new_name": new_name})
        return registered_model_from_json(data["registered_model"])

    def delete_registered_model(self, name: str) -> None:
        self._registry_call("DELETE", "registered-models/delete", {"name": name})

    def get_registered_model(self, name: str) -> RegisteredModel:
        data = self._registry_call("GET", "registered-models/get", {"name": name})
        return registered_model_from_json(data["registered_model"])

    def search_registered_models(
        self,
        filter_string: str | None = None,
        max_results: int | None = None,
        order_by: list[str] | None = None,
        page_token: str | None = None,
    ) -> tuple[list[RegisteredModel], str | None]:
        payload = {
            "filter": filter_string or None,
            "max_results": max_results,
            "order_by": list(order_by) if order_by else None,
            "page_token": page_token or None,
        }
        data = self._search("registered-models/search", payload)
        found = [registered_model_from_json(m) for m in data.get("registered_models") or ()]
        return found, data.get("next_page_token") or None

    def get_latest_versions(self, name: str, stages: list[str] | None = None) -> list[ModelVersion]:
        payload = {"name": name, "stages": list(stages) if stages else None}
        data = self._registry_call("POST", "registered-models/get-latest-versions", payload)
        return [model_version_from_json(v) for v in data.get("model_versions") or ()]

    def set_registered_model_tag(self, name: str, key: str, value: Any) -> None:
        self._registry_call("POST", "registered-models/set-tag", {"name": name, "key": key, "value": str(value)})

    def delete_registered_model_tag(self, name: str, key: str) -> None:
        self._registry_call("DELETE", "registered-models/delete-tag", {"name": name, "key": key})

    # -- model versions -------------------------------------------------------------------------
    def create_model_version(
        self,
        name: str,
        source: str,
        run_id: str | None = None,
        tags: Any = None,
        run_link: str | None = None,
        description: str | None = None,
        model_id: str | None = None,
    ) -> ModelVersion:
        payload = {
            "name": name,
            "source": source,
            "run_id": run_id,
            "tags": _tag_list(tags),
            "run_link": run_link,
            "description": description,
            "model_id": model_id,
        }
        data = self._registry_call("POST", "model-versions/create", payload)
        return model_version_from_json(data["model_version"])

    def update_model_version(self, name: str, version: str | int, description: str | None) -> ModelVersion:
        payload = {"name": name, "version": str(version), "description": description}
        return model_version_from_json(self._registry_call("PATCH", "model-versions/update", payload)["model_version"])

    def transition_model_version_stage(
        self, name: str, version: str | int, stage: str, archive_existing_versions: bool = False
    ) -> ModelVersion:
        payload = {
            "name": name,
            "version": str(version),
            "stage": stage,
            "archive_existing_versions": bool(archive_existing_versions),
        }
        data = self._registry_call("POST", "model-versions/transition-stage", payload)
        return model_version_from_json(data["model_version"])

    def delete_model_version(self, name: str, version: str | int) -> None:
        self._registry_call("DELETE", "model-versions/delete", {"name": name, "version": str(version)})

    def get_model_version(self, name: str, version: str | int) -> ModelVersion:
        data = self._registry_call("GET", "model-versions/get", {"name": name, "version": str(version)})
        return model_version_from_json(data["model_version"])

    def get_model_version_download_uri(self, name: str, version: str | int) -> str:
        data = self._registry_call("GET", "model-versions/get-download-uri", {"name": name, "version": str(version)})
        return data.get("artifact_uri", "")

    def search_model_versions(
        self,
        filter_string: str | None = None,
        max_results: int | None = None,
        order_by: list[str] | None = None,
        page_token: str | None = None,
    ) -> tuple[list[ModelVersion], str | None]:
        payload = {
            "filter": filter_string or None,
            "max_results": max_results,
            "order_by": list(order_by) if order_by else None,
            "page_token": page_token or None,
        }
        data = self._search("model-versions/search", payload)
        return [model_version_from_json(v) for v in data.get("model_versions") or ()], data.get(
            "next_page_token"
        ) or None

    def set_model_version_tag(self, name: str, version: str | int, key: str, value: Any) -> None:
        payload = {"name": name, "version": str(version), "key": key, "value": str(value)}
        self._registry_call("POST", "model-versions/set-tag", payload)

    def delete_model_version_tag(self, name: str, version: str | int, key: str) -> None:
        payload = {"name": name, "version": str(version), "key": key}
        self._registry_call("DELETE", "model-versions/delete-tag", payload)

    # -- aliases ----------------------------------------------------------------------------------
    def set_registered_model_alias(self, name: str, alias: str, version: str | int) -> None:
        payload = {"name": name, "alias": alias, "version": str(version)}
        self._registry_call("POST", "registered-models/alias", payload)

    def delete_registered_model_alias(self, name: str, alias: str) -> None:
        self._registry_call("DELETE", "registered-models/alias", {"name": name, "alias": alias})

    def get_model_version_by_alias(self, name: str, alias: str) -> ModelVersion:
        data = self._registry_call("GET", "registered-models/alias", {"name": name, "alias": alias})
        return model_version_from_json(data["model_version"])

    # -- logged models (MLflow 3) ------------------------------------------------------------------
    def get_logged_model(self, model_id: str) -> LoggedModel:
        data = self._registry_call("GET", f"logged-models/{quote(model_id, safe='')}", {})
        return logged_model_from_json(data["model"])

    def _search(self, endpoint: str, payload: dict) -> dict:
        try:
            return self._registry_call("GET", endpoint, payload)
        except RestError as exc:
            if exc.error_code == "INVALID_PARAMETER_VALUE" and "filter" in exc.message.lower():
                from ..errors import InvalidFilterError

                raise InvalidFilterError(exc.message) from None
            raise


__all__ = [
    "RegistryRestMethods",
    "logged_model_from_json",
    "model_version_from_json",
    "registered_model_from_json",
]
