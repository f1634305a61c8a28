"""``TrackingClient``: read (and delete) runs of one tracking store by id, outside the fluent state."""
from __future__ import annotations

from .artifacts import FileInfo
from .entities import Experiment, Metric, Run
from .errors import RunNotFoundError
from .tracker import tracker_for

DEFAULT_MAX_RESULTS = 1000


class TrackingClient:
    def __init__(self, tracking_uri: str | None = None):
        if tracking_uri is None:
            from . import fluent

            tracking_uri = fluent._tracking_uri
        self._tracker = tracker_for(tracking_uri)
        self.tracking_uri = self._tracker.resolved.tracking_uri

    @property
    def _store(self):
        self._tracker.writer.flush()
        return self._tracker.store

    def get_run(self, run_id: str) -> Run:
        return self._tracker.get_run(run_id)

    def get_experiment_by_name(self, name: str) -> Experiment | None:
        return self._store.get_experiment_by_name(name)

    def search_runs(self, experiment_names: list[str] | None = None, filter_string: str | None = None,
                    order_by: list[str] | None = None, max_results: int = DEFAULT_MAX_RESULTS) -> list[Run]:
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
        from .search import parse_filter, sort_runs  # imported on first search: it compiles regexes

        matches = parse_filter(filter_string)
        limit = max_results if not filter_string and not order_by else 1_000_000
        runs = [run for run in store.search_runs(experiment_ids, limit) if matches(run)]
        return sort_runs(runs, order_by)[:max_results]

    def get_metric_history(self, run_id: str, key: str) -> list[Metric]:
        store = self._store
        store.get_run(run_id)
        return store.get_metric_history(run_id, key)

    def list_artifacts(self, run_id: str, path: str | None = None) -> list[FileInfo]:
        run = self.get_run(run_id)
        return self._tracker.artifact_repository(run.info.artifact_uri).list_artifacts(path)

    def download_artifacts(self, run_id: str, path: str, dst_path: str | None = None) -> str:
        run = self.get_run(run_id)
        return self._tracker.artifact_repository(run.info.artifact_uri).download_artifacts(path, dst_path)

    def delete_run(self, run_id: str) -> None:
        self._store.delete_run(run_id)


__all__ = ["TrackingClient", "RunNotFoundError"]
