"""The model registry from a training or serving process: ``TrackingClient``'s registry methods,
``register_model`` and the resolution of ``models:/`` URIs.

``RegistryMethods`` is mixed into ``TrackingClient``: the methods of MLflow's ``MlflowClient`` of
the same names and arguments (tags as dicts, versions as int or str), over the tracker's store,
a ``SqlStore`` or a ``RestStore`` (both have MLflow's ``AbstractStore`` registry methods).

``models:/`` URIs (parsed by ``tracking_core.uri.parse_models_uri``) resolve in two steps:

1. the model version: ``models:/NAME/3`` one ``get_model_version``, ``models:/NAME@ALIAS`` one
   ``get_model_version_by_alias``, ``models:/NAME/latest`` (or ``/STAGE``) ``get_latest_versions``;
   ``models:/m-<id>`` names a logged model (MLflow 3) directly;
2. where its files are: the version's ``source`` as it was registered (``runs:/``, a path, an
   artifact URI); a ``models:/`` source (what MLflow 3 clients register) asks the store for the
   download URI (the logged model's artifact location).

So resolving an alias costs one store call (a SQL query, or one request on a kept-alive
connection) before the download that loading a ``runs:/`` URI makes anyway. Not-found errors say
which part of the URI is wrong: the model, the version or the alias.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any

from .. import uri as uri_module
from ..errors import RegistryExistsError, RegistryNotFoundError, RunNotFoundError

if TYPE_CHECKING:
    from ..registry_entities import ModelVersion, RegisteredModel

MLMODEL = "MLmodel"
DEFAULT_SEARCH_MODELS = 100  # MlflowClient.search_registered_models' default
DEFAULT_SEARCH_VERSIONS = 10_000  # MlflowClient.search_model_versions' default


class PagedList(list):
    """A page of search results; ``token`` gives the next page (None on the last), as MLflow's."""

    def __init__(self, items: Any, token: str | None):
        super().__init__(items)
        self.token = token


def _version(version: Any, field: str = "version") -> str:
    text = str(version).strip() if version is not None else ""
    if not text.isdigit() or int(text) < 1:
        raise ValueError(f"{field} must be a model version number (1, 2, ...), not {version!r}")
    return str(int(text))


def _tags(tags: dict[str, Any] | None) -> dict[str, str]:
    if tags is not None and not isinstance(tags, dict):
        raise ValueError(f"tags must be a dict of key -> value, not {type(tags).__name__}")
    return {str(k): str(v) for k, v in (tags or {}).items()}


def _name(name: Any, field: str = "name") -> str:
    if not isinstance(name, str) or not name.strip():
        raise ValueError(f"registered model {field} must be a non-empty string, not {name!r}")
    return name


class RegistryMethods:
    """The registry half of ``TrackingClient`` (which provides ``_store`` and ``_tracker``)."""

    _tracker: Any

    @property
    def _store(self) -> Any:
        raise NotImplementedError

    # -- registered models ------------------------------------------------------------------------
    def create_registered_model(
        self, name: str, tags: dict[str, Any] | None = None, description: str | None = None
    ) -> RegisteredModel:
        """A new registered model (``RegistryExistsError`` if the name is taken)."""
        return self._store.create_registered_model(_name(name), _tags(tags), description)

    def get_registered_model(self, name: str) -> RegisteredModel:
        return self._store.get_registered_model(_name(name))

    def rename_registered_model(self, name: str, new_name: str) -> RegisteredModel:
        return self._store.rename_registered_model(_name(name), _name(new_name, "new_name"))

    def update_registered_model(self, name: str, description: str | None = None) -> RegisteredModel:
        return self._store.update_registered_model(_name(name), description)

    def delete_registered_model(self, name: str) -> None:
        """Deletes the model, its versions and aliases (their files stay where they were logged)."""
        self._store.delete_registered_model(_name(name))

    def search_registered_models(
        self,
        filter_string: str | None = None,
        max_results: int = DEFAULT_SEARCH_MODELS,
        order_by: list[str] | None = None,
        page_token: str | None = None,
    ) -> PagedList:
        """Registered models matching ``filter_string`` (MLflow's syntax: ``name LIKE 'wine%'``...)."""
        found, token = self._store.search_registered_models(filter_string, max_results, order_by, page_token)
        return PagedList(found, token)

    def get_latest_versions(self, name: str, stages: list[str] | None = None) -> list[ModelVersion]:
        """The latest version per stage (of ``stages``, or of every stage: MLflow 2's stages)."""
        return self._store.get_latest_versions(_name(name), stages)

    def set_registered_model_tag(self, name: str, key: str, value: Any) -> None:
        self._store.set_registered_model_tag(_name(name), key, str(value))

    def delete_registered_model_tag(self, name: str, key: str) -> None:
        self._store.delete_registered_model_tag(_name(name), key)

    # -- model versions ---------------------------------------------------------------------------
    def create_model_version(
        self,
        name: str,
        source: str,
        run_id: str | None = None,
        tags: dict[str, Any] | None = None,
        run_link: str | None = None,
        description: str | None = None,
        model_id: str | None = None,
    ) -> ModelVersion:
        """A new version of the registered model ``name`` (which must exist) whose files are at ``source``."""
        if not isinstance(source, str) or not source:
            raise ValueError(f"source must be the URI or path of the model's files, not {source!r}")
        return self._store.create_model_version(
            _name(name), source, run_id, _tags(tags), run_link, description, model_id=model_id
        )

    def get_model_version(self, name: str, version: str | int) -> ModelVersion:
        return self._store.get_model_version(_name(name), _version(version))

    def update_model_version(self, name: str, version: str | int, description: str | None = None) -> ModelVersion:
        return self._store.update_model_version(_name(name), _version(version), description)

    def delete_model_version(self, name: str, version: str | int) -> None:
        self._store.delete_model_version(_name(name), _version(version))

    def transition_model_version_stage(
        self, name: str, version: str | int, stage: str, archive_existing_versions: bool = False
    ) -> ModelVersion:
        """MLflow 2's stages (deprecated there in favour of aliases), kept for the clients that use them."""
        return self._store.transition_model_version_stage(
            _name(name), _version(version), stage, archive_existing_versions
        )

    def get_model_version_download_uri(self, name: str, version: str | int) -> str:
        return self._store.get_model_version_download_uri(_name(name), _version(version))

    def search_model_versions(
        self,
        filter_string: str | None = None,
        max_results: int = DEFAULT_SEARCH_VERSIONS,
        order_by: list[str] | None = None,
        page_token: str | None = None,
    ) -> PagedList:
        """Versions matching ``filter_string`` (``name = 'wine'``, ``run_id = '...'``, tags...)."""
        found, token = self._store.search_model_versions(filter_string, max_results, order_by, page_token)
        return PagedList(found, token)

    def set_model_version_tag(self, name: str, version: str | int, key: str, value: Any) -> None:
        self._store.set_model_version_tag(_name(name), _version(version), key, str(value))

    def delete_model_version_tag(self, name: str, version: str | int, key: str) -> None:
        self._store.delete_model_version_tag(_name(name), _version(version), key)

    # -- aliases ------------------------------------------------------------------------------------
    def set_registered_model_alias(self, name: str, alias: str, version: str | int) -> None:
        """Point ``alias`` of model ``name`` at ``version`` (moving it if it pointed elsewhere)."""
        self._store.set_registered_model_alias(_name(name), alias, _version(version))

    def delete_registered_model_alias(self, name: str, alias: str) -> None:
        self._store.delete_registered_model_alias(_name(name), alias)

    def get_model_version_by_alias(self, name: str, alias: str) -> ModelVersion:
        return self._store.get_model_version_by_alias(_name(name), alias)


# -- resolving models:/ URIs ---------------------------------------------------------------------------
def _why_not_found(store: Any, ref: uri_module.ModelsUri, exc: Exception) -> RegistryNotFoundError:
    """A not-found error naming the part of the URI that is wrong (model, version, alias)."""
    name = ref.name
    try:
        model = store.get_registered_model(name)
    except RegistryNotFoundError:
        return RegistryNotFoundError(f"model URI {ref.uri!r}: no registered model named {name!r}")
    except Exception:
        return RegistryNotFoundError(f"model URI {ref.uri!r}: {exc}")
    if ref.alias is not None:
        known = ", ".join(f"{a} -> version {v}" for a, v in sorted(model.aliases.items())) or "none"
        hint = ""
        if ref.alias.isdigit() or (ref.alias[:1] in "vV" and ref.alias[1:].isdigit()):
            hint = f"; for version {ref.alias.lstrip('vV')} write models:/{name}/{ref.alias.lstrip('vV')}"
        return RegistryNotFoundError(
            f"model URI {ref.uri!r}: registered model {name!r} has no alias {ref.alias!r} (its aliases: {known}){hint}"
        )
    if ref.version is not None:
        return RegistryNotFoundError(f"model URI {ref.uri!r}: registered model {name!r} has no version {ref.version}")
    return RegistryNotFoundError(f"model URI {ref.uri!r}: {exc}")


def resolve_version(store: Any, ref: uri_module.ModelsUri) -> ModelVersion:
    """The model version a ``models:/NAME/...`` URI names (not for ``models:/m-<id>``)."""
    try:
        if ref.version is not None:
            return store.get_model_version(ref.name, ref.version)
        if ref.alias is not None:
            return store.get_model_version_by_alias(ref.name, ref.alias)
        latest = store.get_latest_versions(ref.name, [ref.stage] if ref.stage else None)
    except RegistryNotFoundError as exc:
        raise _why_not_found(store, ref, exc) from None
    if not latest:
        where = f" in stage {ref.stage}" if ref.stage else ""
        raise RegistryNotFoundError(f"model URI {ref.uri!r}: registered model {ref.name!r} has no version{where}")
    return max(latest, key=lambda v: int(v.version))


def version_files_uri(store: Any, version: ModelVersion) -> str:
    """Where the files of ``version`` are: its source, or the store's download URI for a ``models:/`` source."""
    source = version.source or ""
    if not source or uri_module.is_models_uri(source):
        return store.get_model_version_download_uri(version.name, version.version)
    return source


def local_dir_of(tracker: Any, files_uri: str) -> str:
    """A local directory holding the files at ``files_uri`` (downloaded when they are not local)."""
    if files_uri.startswith("runs:/"):
        return local_run_model_dir(tracker, files_uri)
    if uri_module.is_models_uri(files_uri):
        return model_dir(tracker, files_uri)
    if files_uri.startswith("file:"):  # file:///abs/path, file:/abs/path
        files_uri = files_uri[len("file:") :]
        files_uri = files_uri[2:] if files_uri.startswith("//") else files_uri
    if "://" not in files_uri and ":" not in files_uri.split("/", 1)[0]:
        if not os.path.isdir(files_uri):
            raise FileNotFoundError(f"the model files at {files_uri!r} are gone (no such directory)")
        return files_uri
    if files_uri.startswith("mlflow-artifacts:") and not hasattr(tracker, "rest_store"):
        raise ValueError(
            f"the model files are at {files_uri!r}, in a tracking server's proxied artifact store: "
            "set the tracking URI to that server to load them"
        )
    return tracker.artifact_repository(files_uri).download_artifacts("")


def local_run_model_dir(tracker: Any, model_uri: str) -> str:
    """A local directory holding the model of ``runs:/<run_id>/<path>`` (downloaded if need be)."""
    rest = model_uri[len("runs:/") :].strip("/")
    run_id, _, path = rest.partition("/")
    if not run_id:
        raise ValueError(f"model URI {model_uri!r} names no run id: use runs:/<run_id>/<path>")
    try:
        run = tracker.get_run(run_id)
    except RunNotFoundError:
        raise RunNotFoundError(run_id) from None
    repository = tracker.artifact_repository(run.info.artifact_uri)
    return repository.download_artifacts(path or "model")


def model_dir(tracker: Any, model_uri: str) -> str:
    """A local directory holding the model a ``models:/`` URI names."""
    ref = uri_module.parse_models_uri(model_uri)
    store = tracker.store
    if ref.model_id is not None:
        return local_dir_of(tracker, logged_model_location(store, ref))
    return local_dir_of(tracker, version_files_uri(store, resolve_version(store, ref)))


def logged_model_location(store: Any, ref: uri_module.ModelsUri) -> str:
    get = getattr(store, "get_logged_model", None)
    if get is None:
        raise ValueError(f"model URI {ref.uri!r}: this tracking store has no logged models (MLflow 3)")
    try:
        return get(ref.model_id).artifact_location
    except RegistryNotFoundError:
        raise RegistryNotFoundError(f"model URI {ref.uri!r}: no logged model with id {ref.model_id!r}") from None


# -- registering -------------------------------------------------------------------------------------------
def registration_source(tracker: Any, model_uri: str) -> tuple[str, str | None, str | None]:
    """(source, run_id, model_id) to register ``model_uri`` with, as MLflow's ``register_model`` does:
    a ``runs:/`` URI becomes the run's artifact URI of the model directory (which must hold an MLmodel)."""
    model_uri = os.fspath(model_uri)
    if model_uri.startswith("runs:/"):
        rest = model_uri[len("runs:/") :].strip("/")
        run_id, _, path = rest.partition("/")
        path = path.strip("/")
        if not run_id or not path:
            raise ValueError(f"model URI {model_uri!r}: use runs:/<run_id>/<path of the model in the run>")
        run = tracker.get_run(run_id)
        repository = tracker.artifact_repository(run.info.artifact_uri)
        entries = {info.path.rsplit("/", 1)[-1] for info in repository.list_artifacts(path)}
        if MLMODEL not in entries:
            raise ValueError(
                f"model URI {model_uri!r}: run {run_id} has no model at {path!r} "
                f"(no {path}/{MLMODEL} among its artifacts)"
            )
        return f"{run.info.artifact_uri.rstrip('/')}/{path}", run_id, None
    if uri_module.is_models_uri(model_uri):
        ref = uri_module.parse_models_uri(model_uri)
        store = tracker.store
        if ref.model_id is not None:
            source_run: str | None = None
            try:
                source_run = store.get_logged_model(ref.model_id).source_run_id
            except RegistryNotFoundError:
                raise RegistryNotFoundError(
                    f"model URI {model_uri!r}: no logged model with id {ref.model_id!r}"
                ) from None
            except AttributeError:
                pass
            return model_uri, source_run, ref.model_id
        version = resolve_version(store, ref)
        return version_files_uri(store, version), version.run_id, version.model_id
    if "://" not in model_uri:
        path = os.path.abspath(os.path.expanduser(model_uri))
        if not os.path.isfile(os.path.join(path, MLMODEL)):
            raise ValueError(f"model path {model_uri!r} holds no model (no {MLMODEL} file)")
        return path, None, None
    return model_uri, None, None


def register_model(tracker: Any, model_uri: str, name: str, tags: dict[str, Any] | None = None) -> ModelVersion:
    """Register the model at ``model_uri`` (``runs:/<run_id>/model``, ``models:/...``, a path) as a new
    version of the registered model ``name`` in ``tracker``'s store; the model is created if need be."""
    _name(name)
    source, run_id, model_id = registration_source(tracker, model_uri)
    tracker.writer.flush()  # the run the version names is in the store
    store = tracker.store
    try:
        store.create_registered_model(name)
    except RegistryExistsError:
        pass  # a new version of an existing model
    return store.create_model_version(name, source, run_id, _tags(tags), None, None, model_id=model_id)


__all__ = [
    "PagedList",
    "RegistryMethods",
    "local_dir_of",
    "model_dir",
    "register_model",
    "registration_source",
    "resolve_version",
    "version_files_uri",
]
