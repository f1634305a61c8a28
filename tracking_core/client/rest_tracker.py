"""The ``Tracker`` of an ``http://`` / ``https://`` tracking URI: the same API, over the REST API.

Logging is queued on the same batching writer as for a local store; only its store differs (a
``RestStore``). Runs are created with one synchronous ``runs/create`` (the server assigns their
ids); artifacts and models go through the server's proxied artifact service when it hands out
``mlflow-artifacts:/`` URIs, and straight to the location otherwise (an MLflow server started
with ``--no-serve-artifacts``).
"""

from __future__ import annotations

import threading

from .. import uri as uri_module
from ..batch import now_ms
from ..entities import Experiment, RunInfo
from ..rest.rest_artifacts import RestArtifactRepository
from ..rest.rest_store import RestStore
from ..run_names import generate_run_name
from ..storage.artifacts import repository_for
from ..validation import as_text, check_text
from .local_tracker import (
    DEFAULT_EXPERIMENT_NAME,
    MAX_RUN_NAME_LENGTH,
    TAG_PARENT_RUN_ID,
    Tracker,
    _clean_values,
    system_tags,
    with_mlflow_tags,
)
from .writer import BatchingWriter

TAG_RUN_NAME = "mlflow.runName"


class RestTracker(Tracker):
    def __init__(self, resolved: uri_module.ResolvedUri):
        self.resolved = resolved
        self.rest_store = RestStore(resolved.database_url)
        self.store = self.rest_store  # type: ignore[assignment]  # the SqlStore interface, over HTTP
        self.writer = BatchingWriter(self.rest_store)
        self._experiments: dict[str, Experiment] = {}
        self._params: dict[str, dict[str, str]] = {}
        self._lock = threading.Lock()

    def experiment(self, name: str | None) -> Experiment:
        name = name or DEFAULT_EXPERIMENT_NAME
        found = self._experiments.get(name)
        if found is None:
            found = self._experiments[name] = self.rest_store.get_or_create_experiment(name)
        return found

    def create_run(
        self,
        experiment_name: str | None = None,
        run_name: str | None = None,
        tags: dict | None = None,
        parent_run_id: str | None = None,
    ) -> RunInfo:
        if run_name is not None:
            run_name = check_text(as_text(run_name), "run", "name")
            if len(run_name) > MAX_RUN_NAME_LENGTH:
                raise ValueError(f"run name {run_name[:40]!r}... is longer than {MAX_RUN_NAME_LENGTH} characters")
        experiment = self.experiment(experiment_name)
        all_tags = dict(system_tags())
        if parent_run_id:
            all_tags[TAG_PARENT_RUN_ID] = parent_run_id
        if tags:
            all_tags.update(_clean_values(tags, "tag"))
        run_name = run_name or generate_run_name()
        all_tags.setdefault(TAG_RUN_NAME, run_name)
        info = self.rest_store.create_run(experiment.experiment_id, run_name, now_ms(), with_mlflow_tags(all_tags))
        self._params[info.run_id] = {}
        return info

    def artifact_repository(self, artifact_uri: str):
        if artifact_uri.startswith("mlflow-artifacts:"):
            return RestArtifactRepository(self.rest_store.http, artifact_uri)
        return repository_for(artifact_uri)
