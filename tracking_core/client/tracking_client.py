"""``TrackingClient``: read (and delete) runs of one tracking store by id, outside the fluent state,
and its model registry (``registry.RegistryMethods``: ``MlflowClient``'s method names)."""

from __future__ import annotations

from typing import Any

from ..batch import now_ms
from ..entities import Experiment, Metric, Run, RunStatus
from ..errors import RunNotFoundError
from ..lineage import liveness
from ..storage.artifacts import FileInfo
from ..validation import check_key, metric_step, metric_timestamp, metric_value
from . import pending_work
from .registry import RegistryMethods
from .tracker import tracker_for

DEFAULT_MAX_RESULTS = 1000


class TrackingClient(RegistryMethods):
    def __init__(self, tracking_uri: str | None = None):
        if tracking_uri is None:
            from . import fluent

            tracking_uri = fluent._tracking_uri
        self._tracker = tracker_for(tracking_uri)
        self._checked_runs: set[str] = set()
        self.tracking_uri = self._tracker.resolved.tracking_uri

    @property
    def _store(self):
        self._tracker.writer.flush()
        return self._tracker.store

    def get_run(self, run_id: str) -> Run:
        """The run; a RUNNING run whose process is gone is marked and returned KILLED (``liveness``)."""
        run = self._tracker.get_run(run_id)
        return liveness.settle(self._tracker.store, [run])[0] if run.info.status == RunStatus.RUNNING else run

    def get_experiment_by_name(self, name: str) -> Experiment | None:
        return self._store.get_experiment_by_name(name)

    def set_experiment_tag(self, experiment_id: str, key: str, value: Any) -> None:
        self._store.set_experiment_tag(str(experiment_id), check_key(key, "tag"), str(value))

    def delete_experiment_tag(self, experiment_id: str, key: str) -> None:
        """Removes the tag ``key`` of the experiment (an error if it has no such tag)."""
        self._store.delete_experiment_tag(str(experiment_id), key)

    def search_runs(
        self,
        experiment_names: list[str] | None = None,
        filter_string: str | None = None,
        order_by: list[str] | None = None,
        max_results: int = DEFAULT_MAX_RESULTS,
    ) -> list[Run]:
        """Runs of the named experiments (all when None), newest first unless ``order_by`` says otherwise."""
        if isinstance(experiment_names, str):
            experiment_names = [experiment_names]
        store = self._store
        experiment_ids = None
        if experiment_names is not None:
            experiment_ids = []
            for name in experiment_names:
                experiment = store.get_experiment_by_name(name)
                if experiment is not None:
                    experiment_ids.append(experiment.experiment_id)
        # Filter, order and limit run in SQL (``sql_search``), a page of at most 50,000 at a time.
        found: list[Run] = []
        token = None
        while len(found) < max_results:
            page, token = store.search_runs_page(
                experiment_ids, filter_string, order_by, min(max_results - len(found), 50_000), token
            )
            found += page
            if token is None:
                break
        if any(run.info.status == RunStatus.RUNNING for run in found):
            found = liveness.settle(store, found)
        return found

    def get_metric_history(self, run_id: str, key: str) -> list[Metric]:
        store = self._store
        store.get_run(run_id)
        return store.get_metric_history(run_id, key)

    def list_artifacts(self, run_id: str, path: str | None = None) -> list[FileInfo]:
        pending_work.wait_all()  # artifacts this process still builds elsewhere are listed too
        run = self.get_run(run_id)
        return self._tracker.artifact_repository(run.info.artifact_uri).list_artifacts(path)

    def download_artifacts(self, run_id: str, path: str, dst_path: str | None = None) -> str:
        pending_work.wait_all()
        run = self.get_run(run_id)
        return self._tracker.artifact_repository(run.info.artifact_uri).download_artifacts(path, dst_path)

    # -- writing to a run by id (open or ended): queued on the batching writer like the fluent API --
    def create_run(
        self, experiment_id: str | None = None, run_name: str | None = None, tags: dict | None = None
    ) -> Run:
        """A new RUNNING run in the experiment (the default one when None); end it with ``set_terminated``."""
        name = None
        if experiment_id is not None:
            experiment = self._store.get_experiment(str(experiment_id))
            if experiment is None:
                raise ValueError(f"no experiment with id {experiment_id!r}")
            name = experiment.name
        info = self._tracker.create_run(name, run_name, tags)
        return self.get_run(info.run_id)

    def log_param(self, run_id: str, key: str, value: Any) -> None:
        self._known_run(run_id)
        self._tracker.log_params(run_id, {key: value})

    def log_metric(
        self, run_id: str, key: str, value: float, step: int | None = None, timestamp: int | None = None
    ) -> None:
        self._known_run(run_id)
        check_key(key, "metric")
        self._tracker.writer.log_metric(
            run_id,
            key,
            metric_value(key, value),
            now_ms() if timestamp is None else metric_timestamp(key, timestamp),
            metric_step(key, step),
        )

    def log_metrics(self, run_id: str, metrics: dict, step: int | None = None) -> None:
        self._known_run(run_id)
        timestamp = now_ms()
        self._tracker.writer.log_metrics(
            [
                (run_id, check_key(k, "metric"), metric_value(k, v), timestamp, metric_step(k, step))
                for k, v in metrics.items()
            ]
        )

    def set_tag(self, run_id: str, key: str, value: Any) -> None:
        self._known_run(run_id)
        self._tracker.set_tags(run_id, {key: value})

    def log_inputs(self, run_id: str, datasets: list | None = None, context: str | None = None) -> None:
        """Record dataset inputs of a run: each a ``DatasetDescription``, the data itself, a
        ``DatasetInput`` or MLflow's ``DatasetInput`` JSON shape (see ``tracking_core.lineage.dataset_inputs``)."""
        from ..lineage.dataset_inputs import to_input
        from .fluent import _inputs_of

        self._known_run(run_id)
        items = [to_input(run_id, item, context) for item in datasets or []]
        if items:
            _inputs_of(self._tracker)(run_id, items)

    def set_terminated(self, run_id: str, status: str = RunStatus.FINISHED) -> None:
        self._known_run(run_id)
        self._tracker.end_run(run_id, status)

    def _known_run(self, run_id: str) -> None:
        """Refuse an unknown id at the call (a queued write for it would fail later, far from the cause)."""
        if run_id not in self._checked_runs:
            self.get_run(run_id)
            self._checked_runs.add(run_id)

    def delete_run(self, run_id: str) -> None:
        self._store.delete_run(run_id)


__all__ = ["RunNotFoundError", "TrackingClient"]
