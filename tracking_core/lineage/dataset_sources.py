"""Where a dataset came from, in MLflow's dataset-source types and shapes (and back, for our views).

A description's source (``datasets.DatasetDescription.source``) is our dict: ``{"type": "local",
"uri": PATH, "size", "mtime_ns"}`` for a file, a URI (``http(s)://``, ``s3://``, ``gs://``...), or
None for data built in memory. ``to_mlflow_source(source)`` gives the ``(source_type, source)`` pair a
dataset input is stored with, in the shapes MLflow's ``mlflow.data.get_source`` parses:

- a local file (a path or ``file://``): ``"local"``, ``{"uri": PATH}``;
- ``http(s)://``: ``"http"``, ``{"url": URL}`` (MLflow's ``HTTPDatasetSource``);
- a URI of a store MLflow has an artifact repository for (``s3``, ``gs``, ``wasbs``, ``abfss``,
  ``hdfs``, ``viewfs``, ``ftp``, ``sftp``, ``r2``, ``b2``): that scheme, ``{"uri": URI}``;
- in memory, or a URI MLflow has no source for: ``"code"``, ``{"tags": {mlflow.user,
  mlflow.source.name, mlflow.source.type, mlflow.source.git.commit}}`` (MLflow's
  ``CodeDatasetSource``, as ``mlflow.data.from_numpy`` without a source), the URI kept beside.

Our own extra keys (``size``, ``mtime_ns``, ``files`` of a dataset read from several files) are kept
after MLflow's; MLflow's parsers ignore them. ``source_text(source_json)`` is the short
text our views show for a stored source, whether stored so or as before (the library's name as the
type, ``{}`` or ``{"type": "local", "uri": ...}`` as the source).
"""

from __future__ import annotations

import json
import os
from typing import Any
from urllib.parse import urlparse

from .run_context import code_source_tags

LOCAL = "local"
HTTP = "http"
CODE = "code"
# Schemes MLflow registers an artifact repository, hence a dataset source type, for.
STORE_SCHEMES = frozenset({"s3", "gs", "wasbs", "abfss", "hdfs", "viewfs", "ftp", "sftp", "r2", "b2"})
MLFLOW_SOURCE_TYPES = frozenset({LOCAL, HTTP, CODE, *STORE_SCHEMES})
_OURS = ("type", "uri", "url", "tags")


def _kind_of_uri(uri: str) -> tuple[str, dict[str, Any]]:
    scheme = urlparse(uri).scheme.lower() if "://" in uri else ""
    if scheme in ("http", "https"):
        return HTTP, {"url": uri}
    if scheme in STORE_SCHEMES:
        return scheme, {"uri": uri}
    if scheme == "file":
        return LOCAL, {"uri": uri}
    if not scheme:
        return LOCAL, {"uri": os.path.abspath(uri)}
    return CODE, {"tags": code_source_tags(), "uri": uri}


def to_mlflow_source(source: dict[str, Any] | None) -> tuple[str, dict[str, Any]]:
    """``(source_type, source)`` in MLflow's shapes for our ``source`` dict (module docstring)."""
    if not source:
        return CODE, {"tags": code_source_tags()}
    uri = source.get("uri") if source.get("uri") is not None else source.get("url")
    extra = {key: value for key, value in source.items() if key not in _OURS}
    if isinstance(uri, (list, tuple)) and uri:
        names = [str(name) for name in uri]
        if len(names) == 1:
            uri = names[0]
        else:
            source_type, shaped = _kind_of_uri(names[0])
            if source_type == LOCAL and not shaped["uri"].startswith("file:"):
                shaped = {"uri": os.path.commonpath([os.path.abspath(n) for n in names])}
            return source_type, {**shaped, **extra, "files": names}
    if isinstance(uri, str) and uri:
        source_type, shaped = _kind_of_uri(uri)
        return source_type, {**shaped, **extra}
    if "tags" in source and isinstance(source["tags"], dict):  # already MLflow's code shape
        return CODE, {"tags": source["tags"], **extra}
    return CODE, {"tags": code_source_tags(), **extra}


def source_text(source_json: str | None) -> str:
    """What our views show of a stored source: its file, URL or URI; empty for data made in memory."""
    try:
        source = json.loads(source_json) if source_json else {}
    except ValueError:
        return source_json or ""
    if not isinstance(source, dict):
        return str(source)
    found = source.get("files") or source.get("uri") or source.get("url")
    if isinstance(found, (list, tuple)):
        return ", ".join(map(str, found))
    return str(found) if found else ""
