"""``Tracker``: one tracking destination (store + writer + artifact root), here a local store.

``RestTracker`` (``rest_tracker``) is the same API over the REST protocol; ``tracker.tracker_for``
picks one per tracking URI and process.

The fluent API and ``TrackingClient`` both go through a ``Tracker``: it creates runs, queues
what is logged on the batching writer, and flushes before every read so a process always reads
what it wrote.

A local SQLite store is written through ``DirectSqliteStore`` (the standard library's ``sqlite3``):
creating runs and experiments, persisting batches and reading a run back never import
SQLAlchemy, which was most of a one-fit script's cost. ``store`` (the full ``SqlStore``: searches,
histories, experiment management) is opened on first use. Other databases use ``SqlStore`` for all.
"""

from __future__ import annotations

import os
import threading
from typing import TYPE_CHECKING

from .. import uri as uri_module
from ..batch import NewRun, now_ms
from ..entities import Experiment, Run, RunInfo, RunStatus
from ..errors import ParamConflictError
from ..lineage.run_context import (  # noqa: F401  (the TAG_* names are re-exported from here)
    TAG_GIT_COMMIT,
    TAG_PARENT_RUN_ID,
    TAG_SOURCE_NAME,
    TAG_USER,
    system_tags,
    with_mlflow_tags,
)
from ..storage.artifacts import repository_for
from ..validation import as_text, check_key, check_text, param_text, tag_text
from .writer import BatchingWriter

if TYPE_CHECKING:
    from ..storage.sql_store import SqlStore
    from ..storage.sqlite_direct import DirectSqliteStore

DEFAULT_EXPERIMENT_NAME = "Default"
MAX_RUN_NAME_LENGTH = 256


def _clean_values(values: dict, kind: str) -> dict[str, str]:
    return {check_key(k, kind): tag_text(k, v) for k, v in values.items()}


class Tracker:
    _direct: DirectSqliteStore | None = None  # a local SQLite file's store without SQLAlchemy, else None
    _store: SqlStore | None = None

    def __init__(self, resolved: uri_module.ResolvedUri):
        self.resolved = resolved
        from ..storage.sqlite_direct import open_direct

        self._direct = open_direct(resolved.database_url)
        self.writer = BatchingWriter(self._direct if self._direct is not None else self.store)
        self._experiments: dict[str, Experiment] = {}
        self._params: dict[str, dict[str, str]] = {}
        self._lock = threading.Lock()

    @property
    def store(self) -> SqlStore:
        """The full store (searches, histories, experiments, deletion), opened on first use."""
        if self._store is None:
            from ..storage.sql_store import get_store

            self._store = get_store(self.resolved.database_url)
        return self._store

    @store.setter
    def store(self, store: SqlStore) -> None:
        self._store = store

    def _runs_store(self) -> DirectSqliteStore | SqlStore:
        """What creating experiments and reading runs back goes through: the direct store when there is one."""
        return self._direct if self._direct is not None else self.store

    # -- experiments and runs -------------------------------------------------------------------
    def experiment(self, name: str | None) -> Experiment:
        name = name or DEFAULT_EXPERIMENT_NAME
        found = self._experiments.get(name)
        if found is None:
            found = self._experiments[name] = self._runs_store().get_or_create_experiment(
                name, self.resolved.artifact_root
            )
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
        run_id = os.urandom(16).hex()  # a random 128-bit id, as uuid4().hex but without importing uuid
        location = experiment.artifact_location
        separator = "/" if "://" in location else os.sep
        info = RunInfo(
            run_id=run_id,
            run_name=run_name or _generated_name(),
            experiment_id=experiment.experiment_id,
            status=RunStatus.RUNNING,
            start_time=now_ms(),
            end_time=None,
            artifact_uri=separator.join([location.rstrip("/"), run_id, "artifacts"]),
        )
        all_tags = dict(system_tags())
        if parent_run_id:
            all_tags[TAG_PARENT_RUN_ID] = parent_run_id
        if tags:
            all_tags.update(_clean_values(tags, "tag"))
        self._params[run_id] = {}
        self.writer.create_run(NewRun(run_id, info.experiment_id, info.run_name, info.start_time, info.artifact_uri))
        self.writer.set_tags(run_id, with_mlflow_tags(all_tags))
        return info

    def resume_run(self, run_id: str) -> RunInfo:
        """Mark an existing run RUNNING again (``start_run(run_id=...)``); its data is kept."""
        info = self.get_run(run_id).info
        self.writer.end_run(run_id, RunStatus.RUNNING, None)
        self.writer.flush()
        return info._replace(status=RunStatus.RUNNING, end_time=None)

    def end_run(self, run_id: str, status: str) -> None:
        self.writer.end_run(run_id, RunStatus.validate(status), now_ms())
        self._params.pop(run_id, None)
        self.writer.flush()

    # -- logging ----------------------------------------------------------------------------------
    def log_params(self, run_id: str, values: dict) -> None:
        known = self._params.get(run_id)
        clean: dict[str, str] = {}
        for key, value in values.items():
            check_key(key, "param")
            text = param_text(key, value)
            old = known.get(key) if known is not None else None
            if old is None and known is None:
                old = self._runs_store().get_param(run_id, key)
            if old is not None and old != text:
                raise ParamConflictError(run_id, key, old, text)
            clean[key] = text
        if known is not None:
            known.update(clean)
        self.writer.log_params(run_id, clean)

    def set_tags(self, run_id: str, values: dict) -> None:
        self.writer.set_tags(run_id, with_mlflow_tags(_clean_values(values, "tag")))

    def log_inputs(self, run_id: str, inputs: list) -> None:
        """Dataset inputs of ``run_id`` (``dataset_inputs.to_input`` items, or what it accepts), queued."""
        from ..batch import InputToLog
        from ..lineage.dataset_inputs import to_input

        self.writer.log_inputs([item if isinstance(item, InputToLog) else to_input(run_id, item) for item in inputs])

    # -- reads --------------------------------------------------------------------------------------
    def get_run(self, run_id: str) -> Run:
        self.writer.flush()
        return self._runs_store().get_run(run_id)

    def artifact_repository(self, artifact_uri: str):
        return repository_for(artifact_uri)


def _generated_name() -> str:
    from ..run_names import generate_run_name  # imported with the first unnamed run, not by ``import autolog``

    return generate_run_name()
