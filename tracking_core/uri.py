"""Resolve a tracking URI into a database URL and an artifact root.

A plain path (the default is ``./autologruns``) is a directory that holds the SQLite database
``autolog.db`` and the ``artifacts/`` folder. ``sqlite:///...`` and ``postgresql://...`` are
database URLs; their artifacts go under ``AUTOLOG_ARTIFACT_ROOT`` (default
``./autologruns/artifacts``), which may itself be an fsspec URL such as ``s3://bucket/prefix``.
``http://`` and ``https://`` name a tracking server (``autolog server`` or ``mlflow server``):
its URL is the "database URL" and the server decides where artifacts go.
"""

from __future__ import annotations

import os
from typing import NamedTuple

DEFAULT_TRACKING_DIR = "autologruns"
DATABASE_FILE = "autolog.db"
TRACKING_URI_ENV = "AUTOLOG_TRACKING_URI"
ARTIFACT_ROOT_ENV = "AUTOLOG_ARTIFACT_ROOT"
DATABASE_SCHEMES = ("sqlite", "postgresql", "postgres", "postgresql+psycopg", "postgresql+psycopg2")


class ResolvedUri(NamedTuple):
    tracking_uri: str
    database_url: str
    artifact_root: str


HTTP_SCHEMES = ("http", "https")


def is_http_url(uri: str) -> bool:
    return uri.split("://", 1)[0].lower() in HTTP_SCHEMES if "://" in uri else False


def is_database_url(uri: str) -> bool:
    scheme = uri.split("://", 1)[0] if "://" in uri else ""
    return scheme in DATABASE_SCHEMES


def _is_remote_url(uri: str) -> bool:
    return "://" in uri and not uri.startswith("file://")


def _local_path(uri: str) -> str:
    if uri.startswith("file://"):
        uri = uri[len("file://") :]
    return os.path.abspath(os.path.expanduser(uri))


def default_artifact_root() -> str:
    root = os.environ.get(ARTIFACT_ROOT_ENV) or os.path.join(DEFAULT_TRACKING_DIR, "artifacts")
    return root if _is_remote_url(root) else _local_path(root)


def resolve(uri: str | None) -> ResolvedUri:
    """Turn what the user set (or nothing) into where the store and artifacts live."""
    uri = uri or os.environ.get(TRACKING_URI_ENV) or DEFAULT_TRACKING_DIR
    if is_database_url(uri):
        url = uri.replace("postgres://", "postgresql://", 1) if uri.startswith("postgres://") else uri
        return ResolvedUri(uri, url, default_artifact_root())
    if is_http_url(uri):
        base = uri.rstrip("/")
        return ResolvedUri(base, base, "")
    if _is_remote_url(uri):
        raise ValueError(
            f"unsupported tracking URI {uri!r}: use a directory path, sqlite:///PATH, postgresql://... "
            "or http(s)://HOST:PORT of a tracking server"
        )
    directory = _local_path(uri)
    return ResolvedUri(
        directory,
        "sqlite:///" + os.path.join(directory, DATABASE_FILE),
        os.path.join(directory, "artifacts"),
    )


# -- models:/ URIs ---------------------------------------------------------------------------------
MODELS_SCHEME = "models:"
LATEST = "latest"
STAGES = ("None", "Staging", "Production", "Archived")  # MLflow 2's stages, still in models:/NAME/STAGE
_MODELS_URI_FORMS = (
    "models:/NAME/VERSION, models:/NAME@ALIAS, models:/NAME/latest, models:/NAME/STAGE or models:/m-<logged model id>"
)


class ModelsUri(NamedTuple):
    """A parsed ``models:/`` URI: exactly one of version, alias, stage, latest (or a logged model id)."""

    uri: str
    name: str | None = None
    version: str | None = None
    alias: str | None = None
    stage: str | None = None
    latest: bool = False
    model_id: str | None = None

    def describe(self) -> str:
        if self.model_id is not None:
            return f"logged model {self.model_id!r}"
        if self.version is not None:
            return f"version {self.version} of model {self.name!r}"
        if self.alias is not None:
            return f"alias {self.alias!r} of model {self.name!r}"
        if self.stage is not None:
            return f"the latest {self.stage} version of model {self.name!r}"
        return f"the latest version of model {self.name!r}"


def is_models_uri(uri: str) -> bool:
    return uri.startswith(MODELS_SCHEME)


def _bad_models_uri(uri: str, what: str) -> ValueError:
    return ValueError(f"model URI {uri!r}: {what}; use {_MODELS_URI_FORMS}")


def parse_models_uri(uri: str) -> ModelsUri:
    """``models:/NAME/VERSION|latest|STAGE``, ``models:/NAME@ALIAS`` or ``models:/<model id>``, as MLflow
    reads them; a ``ValueError`` naming the part that is wrong (name, version, alias) otherwise."""
    if not is_models_uri(uri):
        raise _bad_models_uri(uri, "not a models:/ URI")
    path = uri[len(MODELS_SCHEME) :]
    if path.startswith("//"):
        raise _bad_models_uri(uri, "a models URI names no host (write models:/NAME, with one slash)")
    if not path.startswith("/") or not path.strip("/"):
        raise _bad_models_uri(uri, "the model name is missing")
    parts = path[1:].split("/")
    if parts[-1] == "" and len(parts) == 2:
        raise _bad_models_uri(uri, f"the version of model {parts[0]!r} is empty")
    if len(parts) > 2:
        raise _bad_models_uri(uri, "too many parts: a model name cannot contain '/', and nothing follows the version")
    if not parts[0].strip():
        raise _bad_models_uri(uri, "the model name is empty")
    if len(parts) == 2:
        name, suffix = parts
        if "@" in name:
            raise _bad_models_uri(uri, f"both an alias ({name.rsplit('@', 1)[1]!r}) and a version ({suffix!r})")
        if not suffix.strip():
            raise _bad_models_uri(uri, f"the version of model {name!r} is empty")
        if suffix.isdigit():
            if int(suffix) < 1:
                raise _bad_models_uri(uri, f"version {suffix!r} of model {name!r}: versions start at 1")
            return ModelsUri(uri, name=name, version=str(int(suffix)))
        if suffix.lower() == LATEST:
            return ModelsUri(uri, name=name, latest=True)
        for stage in STAGES:
            if suffix.lower() == stage.lower():
                return ModelsUri(uri, name=name, stage=stage)
        raise _bad_models_uri(
            uri,
            f"version {suffix!r} of model {name!r} is not a version number, 'latest' or a stage "
            f"({', '.join(STAGES)}); an alias is written models:/{name}@{suffix}",
        )
    part = parts[0]
    if "@" in part:
        name, _, alias = part.rpartition("@")
        if not name.strip():
            raise _bad_models_uri(uri, "the model name before '@' is empty")
        if not alias.strip():
            raise _bad_models_uri(uri, f"the alias of model {name!r} after '@' is empty")
        return ModelsUri(uri, name=name, alias=alias)
    if part.startswith("m-"):
        return ModelsUri(uri, model_id=part)
    raise _bad_models_uri(
        uri,
        f"{part!r} names a model but no version or alias (models:/{part}/latest for its latest version), "
        "and is not a logged model id (m-...)",
    )
