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
