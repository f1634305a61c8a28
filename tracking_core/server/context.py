"""What a request works on: the tracking store, where artifacts live, and how a run's artifacts are found.

One ``ServerContext`` per server process. The UI (``tracking_core.ui.routes(context)``) receives
the same object, so both read through one store and one artifact policy.

Artifact URIs: the server keeps concrete locations in the store (``<destination>/<experiment>/<run>/
artifacts``) and shows clients the proxied form ``mlflow-artifacts:/<path below the destination>``,
as MLflow's server does with ``--serve-artifacts``: clients then upload and download through
``/api/2.0/mlflow-artifacts/artifacts/<path>`` and never need the bucket's credentials.
"""

from __future__ import annotations

import posixpath
from typing import Any

from ..storage.artifacts import ArtifactPathError, clean_artifact_path, is_remote, repository_for

PROXIED_SCHEME = "mlflow-artifacts:"


def _strip_file_scheme(uri: str) -> str:
    return uri[len("file://") :] if uri.startswith("file://") else uri


def proxied_path(uri: str) -> str:
    """The path below the destination named by ``mlflow-artifacts:/p``, ``mlflow-artifacts:///p`` or
    ``mlflow-artifacts://host:port/p`` (checked: it may not leave the destination)."""
    rest = uri[len(PROXIED_SCHEME) :]
    if rest.startswith("//"):
        rest = rest[2:]
        rest = rest.split("/", 1)[1] if "/" in rest else ""  # drop the authority (host:port)
    return clean_artifact_path(rest.lstrip("/"))


class ServerContext:
    """The store (None with ``--artifacts-only``), the artifact destination and the URI clients know."""

    def __init__(self, store: Any, artifacts_destination: str, tracking_uri: str, serve_artifacts: bool = True) -> None:
        self.store = store
        self.tracking_uri = tracking_uri
        self.default_experiment_id: str | None = None  # filled by the API on first use of "0"
        self.recent_lookups: Any = None  # the API's one-second memory of active runs and experiments
        self.serve_artifacts = serve_artifacts
        self.artifacts_destination = (
            artifacts_destination.rstrip("/")
            if is_remote(artifacts_destination)
            else _strip_file_scheme(artifacts_destination).rstrip("/") or "/"
        )

    # -- URIs ------------------------------------------------------------------------------------
    def _below_destination(self, uri: str) -> str | None:
        """The relative path of a concrete location inside the destination, else None."""
        root = self.artifacts_destination
        uri = uri if is_remote(uri) else _strip_file_scheme(uri)
        if uri == root:
            return ""
        if uri.startswith(root.rstrip("/") + "/"):
            return uri[len(root.rstrip("/")) + 1 :]
        return None

    def public_uri(self, uri: str) -> str:
        """How a stored artifact location is shown to clients (proxied when it is ours to serve)."""
        if not self.serve_artifacts:
            return uri
        relative = self._below_destination(uri)
        if relative is None:
            return uri
        return f"{PROXIED_SCHEME}/{relative}" if relative else f"{PROXIED_SCHEME}/"

    def concrete_uri(self, uri: str) -> str:
        """The stored (concrete) location for a URI a client sent or the store holds."""
        if uri.startswith(PROXIED_SCHEME):
            relative = proxied_path(uri)
            return self.join(relative)
        return uri

    def join(self, relative: str) -> str:
        relative = clean_artifact_path(relative)
        if not relative:
            return self.artifacts_destination
        return (
            posixpath.join(self.artifacts_destination, relative)
            if is_remote(self.artifacts_destination)
            else self.artifacts_destination.rstrip("/") + "/" + relative
        )

    def check_client_location(self, uri: str) -> str:
        """A location a client asks for (experiment ``artifact_location``): only inside the destination.

        Anything else would let a client point the server at its own files (``/etc``) or at another
        bucket with the server's credentials.
        """
        concrete = self.concrete_uri(uri)
        if self._below_destination(concrete) is None:
            raise ArtifactPathError(
                f"artifact_location {uri!r} is outside this server's artifact destination: "
                f"give mlflow-artifacts:/<path> or leave it empty"
            )
        return concrete

    # -- repositories -----------------------------------------------------------------------------
    def artifact_repository(self, run_info_or_uri: Any):
        """The repository of a run's artifacts (``RunInfo``, or its artifact URI as a string)."""
        uri = run_info_or_uri if isinstance(run_info_or_uri, str) else run_info_or_uri.artifact_uri
        return repository_for(self.concrete_uri(uri))

    def destination_repository(self):
        """The proxied artifact service's root (``/api/2.0/mlflow-artifacts/artifacts/<path>``)."""
        return repository_for(self.artifacts_destination)


__all__ = ["PROXIED_SCHEME", "ArtifactPathError", "ServerContext", "proxied_path"]
