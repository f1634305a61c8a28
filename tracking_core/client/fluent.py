"""The fluent API: module-level functions that log into the active run.

The stack of active runs lives in a ``ContextVar``, so every thread and asyncio task has its own
(a new thread starts with no active run). Runs still open when the interpreter exits are ended:
FAILED after an uncaught exception, KILLED after KeyboardInterrupt, FINISHED otherwise, and
every queued write is flushed first.
"""

from __future__ import annotations

import atexit
import os
import sys
import threading
from contextvars import ContextVar
from typing import TYPE_CHECKING, Any, Literal, NamedTuple

from .. import uri as uri_module
from ..batch import now_ms
from ..entities import Experiment, Run, RunInfo, RunStatus
from ..lineage.liveness import owner_tags
from ..run_failure import failure_tags
from ..validation import check_key, metric_step, metric_timestamp, metric_value
from . import pending_work
from .tracker import Tracker, tracker_for
from .writer import TAG_HEARTBEAT, flush_all

if TYPE_CHECKING:
    from ..models.model_format import Flavor, ModelInfo

HANDED_RUN_ENV = "AUTOLOG_RUN_ID"  # set by ``autolog run URI`` for the project's command
_tracking_uri: str | None = None
_experiment_name: str | None = None
_active_stack: ContextVar[tuple[ActiveRun, ...]] = ContextVar("autolog_active_runs", default=())
_last_run_in_context: ContextVar[tuple[Tracker, str] | None] = ContextVar("autolog_last_run", default=None)
_last_run_global: tuple[Tracker, str] | None = None
_open_runs: dict[str, ActiveRun] = {}
_open_runs_lock = threading.Lock()


class RunAlreadyActiveError(RuntimeError):
    pass


class NoActiveRunError(RuntimeError):
    pass


class ActiveRun:
    """A run started with ``start_run``; a context manager that ends it on exit."""

    __slots__ = ("_ended", "_system_metrics", "info", "tracker")

    def __init__(self, info: RunInfo, tracker: Tracker):
        self.info = info
        self.tracker = tracker
        self._ended = False
        self._system_metrics = None  # a SystemMetricsSampler while log_system_metrics is on

    @property
    def data(self):
        return self.tracker.get_run(self.info.run_id).data

    def __enter__(self) -> ActiveRun:
        return self

    def __exit__(self, exc_type, exc, tb) -> Literal[False]:
        if exc_type is None:
            status = RunStatus.FINISHED
        elif issubclass(exc_type, KeyboardInterrupt):
            status = RunStatus.KILLED
        else:
            status = RunStatus.FAILED
            _record_failure(self, exc if exc is not None else exc_type())
        _end(self, status)
        return False

    def __repr__(self) -> str:
        return f"<ActiveRun {self.info.run_id} {self.info.run_name!r}>"


# -- configuration ------------------------------------------------------------------------------
def set_tracking_uri(uri: str | os.PathLike | None) -> None:
    global _tracking_uri
    _tracking_uri = os.fspath(uri) if uri is not None else None
    uri_module.resolve(_tracking_uri)  # validate now, not at the first run


def get_tracking_uri() -> str:
    return uri_module.resolve(_tracking_uri).tracking_uri


def _tracker() -> Tracker:
    return tracker_for(_tracking_uri)


def set_experiment(name: str) -> Experiment:
    """Runs started from now on go to experiment ``name`` (created if need be); until the first call,
    the env ``AUTOLOG_EXPERIMENT_NAME`` names it, else ``Default``."""
    global _experiment_name
    if not isinstance(name, str) or not name.strip():
        raise ValueError(f"experiment name must be a non-empty string, got {name!r}")
    experiment = _tracker().experiment(name)
    _experiment_name = name
    return experiment


# -- runs -----------------------------------------------------------------------------------------
def start_run(
    run_name: str | None = None,
    nested: bool = False,
    tags: dict | None = None,
    run_id: str | None = None,
    log_system_metrics: bool | None = None,
    system_metrics_interval: float | None = None,
) -> ActiveRun:
    """Start a run (or, with ``run_id``, resume that existing run: it is RUNNING again, its data kept).

    With no run active and the env ``AUTOLOG_RUN_ID`` set (a project's command, started by
    ``autolog run URI``), the outermost ``start_run`` continues that run, as MLflow's does with
    ``MLFLOW_RUN_ID``; ``run_name`` is then ignored (the project run keeps its name).

    ``log_system_metrics=True`` samples CPU, memory, disk, network and GPU use as ``system/...``
    metrics every ``system_metrics_interval`` seconds until the run ends (``tracking_core.lineage.system_metrics``);
    None means the env ``AUTOLOG_ENABLE_SYSTEM_METRICS_LOGGING`` decides (off by default).
    """
    if log_system_metrics is not None and not isinstance(log_system_metrics, bool):
        raise TypeError(f"log_system_metrics must be True, False or None, got {log_system_metrics!r}")
    if log_system_metrics is None and os.environ.get("AUTOLOG_ENABLE_SYSTEM_METRICS_LOGGING"):
        from ..lineage.system_metrics import enabled_by_env

        log_system_metrics = enabled_by_env()
    if log_system_metrics or system_metrics_interval is not None:
        from ..lineage import system_metrics

        interval = system_metrics.interval_seconds(system_metrics_interval)  # a bad value: no run started
    stack = _active_stack.get()
    if stack and not nested:
        raise RunAlreadyActiveError(
            f"run {stack[-1].info.run_id} is already active: end it with end_run() or pass nested=True"
        )
    tracker = _tracker()
    if run_id is None and not stack:
        handed = os.environ.get(HANDED_RUN_ENV)
        with _open_runs_lock:
            is_open = handed in _open_runs
        if handed and not is_open:  # a project run (``autolog run URI``): continue it, keep its name
            run_id, run_name = handed, None
    if run_id is not None:
        info = _resume(tracker, run_id, run_name, tags)
    else:
        parent = stack[-1].info.run_id if stack else None
        experiment = _experiment_name or os.environ.get("AUTOLOG_EXPERIMENT_NAME") or None
        info = tracker.create_run(
            experiment, run_name, {**(tags or {}), **owner_tags(), TAG_HEARTBEAT: str(now_ms())}, parent_run_id=parent
        )
    tracker.writer.keep_alive(info.run_id)  # heartbeat until it ends (liveness: a dead owner's run is KILLED)
    run = ActiveRun(info, tracker)
    _active_stack.set((*stack, run))
    with _open_runs_lock:
        _open_runs[info.run_id] = run
    _ensure_exit_handler()
    if log_system_metrics:
        system_metrics.attach(run, interval)
    return run


def _resume(tracker: Tracker, run_id: str, run_name: str | None, tags: dict | None) -> RunInfo:
    if not isinstance(run_id, str) or not run_id:
        raise ValueError(f"run_id must be a run id string, got {run_id!r}")
    with _open_runs_lock:
        if run_id in _open_runs:
            raise RunAlreadyActiveError(f"run {run_id} is already active in this process")
    info = tracker.resume_run(run_id)  # RunNotFoundError names the id
    if run_name is not None and run_name != info.run_name:
        raise ValueError(
            f"run {run_id} is named {info.run_name!r}: a resumed run keeps its name (got run_name={run_name!r})"
        )
    tracker.set_tags(run_id, {**(tags or {}), **owner_tags(), TAG_HEARTBEAT: str(now_ms())})  # this process owns it now
    return info


def end_run(status: str = RunStatus.FINISHED) -> None:
    stack = _active_stack.get()
    if stack:
        _end(stack[-1], status)


def _end(run: ActiveRun, status: str) -> None:
    global _last_run_global
    if run._ended:
        return
    RunStatus.validate(status)
    run._ended = True
    if run._system_metrics is not None:
        from ..lineage.system_metrics import detach

        detach(run)  # before the run ends: no system metric is logged after its end
    stack = _active_stack.get()
    if run in stack:
        _active_stack.set(tuple(r for r in stack if r is not run))
    with _open_runs_lock:
        _open_runs.pop(run.info.run_id, None)
    _last_run_in_context.set((run.tracker, run.info.run_id))
    _last_run_global = (run.tracker, run.info.run_id)
    run.tracker.end_run(run.info.run_id, status)


def _record_failure(run: ActiveRun, exc: BaseException) -> None:
    """Tag the run with the exception that failed it; the exception itself is left alone."""
    if run._ended:
        return
    try:
        run.tracker.set_tags(run.info.run_id, failure_tags(exc))
    except Exception:  # recording why must never replace the user's exception
        pass


def active_run() -> ActiveRun | None:
    stack = _active_stack.get()
    return stack[-1] if stack else None


def last_active_run() -> Run | None:
    """The active run of this context, else the run it ended last, else the last run ended anywhere."""
    stack = _active_stack.get()
    if stack:
        return stack[-1].tracker.get_run(stack[-1].info.run_id)
    last = _last_run_in_context.get() or _last_run_global
    if last is None:
        return None
    tracker, run_id = last
    return tracker.get_run(run_id)


def open_run_ids() -> list[str]:
    """Ids of the runs started in this process and not ended yet, in any thread or task."""
    with _open_runs_lock:
        return list(_open_runs)


class TrackingSettings(NamedTuple):
    """What ``set_tracking_uri`` and ``set_experiment`` set in this process (None: not set, so the
    env ``AUTOLOG_TRACKING_URI`` / ``AUTOLOG_EXPERIMENT_NAME`` or the default applies)."""

    tracking_uri: str | None
    experiment_name: str | None


def tracking_settings() -> TrackingSettings:
    """The tracking URI and experiment as set (not resolved): what ``restore_tracking_settings`` takes
    back, for a test fixture or a notebook cell that switches stores for a while."""
    return TrackingSettings(_tracking_uri, _experiment_name)


def restore_tracking_settings(settings: TrackingSettings) -> None:
    global _tracking_uri, _experiment_name
    _tracking_uri, _experiment_name = settings.tracking_uri, settings.experiment_name


def _run_for_logging() -> ActiveRun:
    stack = _active_stack.get()
    return stack[-1] if stack else start_run()


# -- logging ----------------------------------------------------------------------------------
def log_param(key: str, value: Any) -> Any:
    run = _run_for_logging()
    run.tracker.log_params(run.info.run_id, {key: value})
    return value


def log_params(params: dict) -> None:
    run = _run_for_logging()
    run.tracker.log_params(run.info.run_id, params)


def log_input(dataset: Any, context: str | None = None, name: str | None = None, tags: dict | None = None) -> None:
    """Record a dataset the active run was given: the data itself (described: digest, schema, profile),
    a ``DatasetDescription``, or MLflow's ``DatasetInput`` shape; ``context`` training/eval/test."""
    from ..lineage.dataset_inputs import to_input

    run = _run_for_logging()
    run_id = run.info.run_id
    _inputs_of(run.tracker)(run_id, [to_input(run_id, dataset, context, name, tags)])


def _inputs_of(tracker: Any):
    log_inputs = getattr(tracker, "log_inputs", None)
    if log_inputs is None:
        raise NotImplementedError(f"this tracking store ({type(tracker).__name__}) cannot record dataset inputs yet")
    return log_inputs


def set_tag(key: str, value: Any) -> None:
    run = _run_for_logging()
    run.tracker.set_tags(run.info.run_id, {key: value})


def set_tags(tags: dict) -> None:
    run = _run_for_logging()
    run.tracker.set_tags(run.info.run_id, tags)


def log_metric(key: str, value: float, step: int | None = None, timestamp: int | None = None) -> None:
    stack = _active_stack.get()
    run = stack[-1] if stack else start_run()
    check_key(key, "metric")
    run.tracker.writer.log_metric(
        run.info.run_id,
        key,
        metric_value(key, value),
        now_ms() if timestamp is None else metric_timestamp(key, timestamp),
        metric_step(key, step),
    )


def log_metrics(metrics: dict, step: int | None = None, timestamp: int | None = None) -> None:
    run = _run_for_logging()
    timestamp = now_ms() if timestamp is None else metric_timestamp("timestamp", timestamp)
    run_id = run.info.run_id
    points = [
        (run_id, check_key(k, "metric"), metric_value(k, v), timestamp, metric_step(k, step))
        for k, v in metrics.items()
    ]
    run.tracker.writer.log_metrics(points)


def log_artifact(local_path: str, artifact_path: str | None = None) -> None:
    run = _run_for_logging()
    run.tracker.artifact_repository(run.info.artifact_uri).log_artifact(os.fspath(local_path), artifact_path)


def log_artifacts(local_dir: str, artifact_path: str | None = None) -> None:
    run = _run_for_logging()
    run.tracker.artifact_repository(run.info.artifact_uri).log_artifacts(os.fspath(local_dir), artifact_path)


def log_text(text: str, artifact_file: str) -> None:
    try:
        data = text.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise ValueError(
            f"log_text({artifact_file!r}): the text is not valid unicode ({exc.reason} at position {exc.start})"
        ) from None
    log_bytes(data, artifact_file)


def log_bytes(data: bytes, artifact_file: str) -> None:
    """Store ``data`` as the artifact ``artifact_file`` (a path inside the run's artifacts)."""
    if not isinstance(data, (bytes, bytearray, memoryview)):
        raise TypeError(f"log_bytes({artifact_file!r}): data must be bytes, got {type(data).__name__}")
    run = _run_for_logging()
    run.tracker.artifact_repository(run.info.artifact_uri).write_bytes(artifact_file, bytes(data))


def log_dict(obj: Any, artifact_file: str) -> None:
    try:
        if artifact_file.endswith((".yaml", ".yml")):
            import yaml

            text = yaml.safe_dump(obj, default_flow_style=False, sort_keys=False)
        else:
            import json

            text = json.dumps(obj, indent=2, default=str)
    except RecursionError:
        raise ValueError(f"log_dict({artifact_file!r}): the object is nested too deeply to serialize") from None
    log_text(text, artifact_file)


def flush() -> None:
    """Write everything queued so far to the store (raises if the store refuses)."""
    pending_work.wait_all()
    _tracker().writer.flush()
    flush_all()


# -- models -----------------------------------------------------------------------------------------
def log_model(model: Any, flavor: Flavor, artifact_path: str = "model", **save_options: Any) -> ModelInfo:
    """Save ``model`` with ``flavor`` as an artifact directory of the active run."""
    from ..models import save_model

    run = _run_for_logging()
    repository = run.tracker.artifact_repository(run.info.artifact_uri)
    if hasattr(repository, "local_dir"):
        model_dir = repository.local_dir(artifact_path, create=False)  # save_model moves the model into place
        try:
            return save_model(
                model, model_dir, flavor, run_id=run.info.run_id, artifact_path=artifact_path, **save_options
            )
        except BaseException:
            if os.path.isdir(model_dir) and not os.listdir(model_dir):
                os.rmdir(model_dir)  # a failed save leaves nothing, not even the empty directory
            raise
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        info = save_model(model, tmp, flavor, run_id=run.info.run_id, artifact_path=artifact_path, **save_options)
        repository.log_artifacts(tmp, artifact_path)
        return info


def load_model(model_uri: str, flavor: str | None = None, kind: str = "native") -> Any:
    """Load a model from ``runs:/<run_id>/<path>``, ``models:/NAME/VERSION``, ``models:/NAME@ALIAS``,
    ``models:/NAME/latest``, ``models:/m-<logged model id>`` or a local model directory.

    ``kind="native"``: the framework's own object. ``kind="predict"``: a ``PredictModel`` with
    ``predict(data)``, the same for every flavor (``tracking_core.models.pyfunc``).
    """
    from ..models import load_model_from_dir

    if kind not in ("native", "predict"):
        raise ValueError(f"load_model(kind={kind!r}): kind is 'native' (the framework's object) or 'predict'")
    if kind == "predict":
        from ..models.pyfunc import load_predict_model

        return load_predict_model(local_model_dir(model_uri))
    return load_model_from_dir(local_model_dir(model_uri), flavor)


def local_model_dir(model_uri: str) -> str:
    """A local directory holding the model of ``runs:/<run_id>/<path>`` or ``models:/...`` (downloaded if
    need be), or the local directory ``model_uri`` names."""
    model_uri = os.fspath(model_uri)
    pending_work.wait_all()  # a model this process still saves elsewhere (a plugin's worker) is complete
    if model_uri.startswith("runs:/"):
        from .registry import local_run_model_dir

        return local_run_model_dir(_tracker(), model_uri)
    if uri_module.is_models_uri(model_uri):
        from .registry import model_dir

        return model_dir(_tracker(), model_uri)
    if "://" in model_uri or model_uri.startswith(("file:", "mlflow-artifacts:")):
        # An artifact URI: mlflow-artifacts:/..., s3://..., file:///... (what a model version's source is)
        from .registry import local_dir_of

        return local_dir_of(_tracker(), model_uri)
    return model_uri


def register_model(model_uri: str, name: str, tags: dict | None = None) -> Any:
    """Register the model at ``model_uri`` (``runs:/<run_id>/model``...) as a new version of the
    registered model ``name`` (created if need be) in the current tracking store; the ``ModelVersion``."""
    from .registry import register_model as register

    return register(_tracker(), model_uri, name, tags)


# -- interpreter exit ------------------------------------------------------------------------------
_exit_handler_installed = False


def _ensure_exit_handler() -> None:
    global _exit_handler_installed
    if not _exit_handler_installed:
        _exit_handler_installed = True
        atexit.register(_end_open_runs_at_exit)


def _status_at_exit() -> str:
    last = getattr(sys, "last_value", None)
    if last is None:
        return RunStatus.FINISHED
    return RunStatus.KILLED if isinstance(last, KeyboardInterrupt) else RunStatus.FAILED


def _end_open_runs_at_exit() -> None:
    status = _status_at_exit()
    with _open_runs_lock:
        runs = list(_open_runs.values())
        _open_runs.clear()
    for run in runs:
        run._ended = True
        if run._system_metrics is not None:
            run._system_metrics.stop(timeout=1.0)
        try:
            run.tracker.writer.end_run(run.info.run_id, status, now_ms())
        except Exception:
            pass
    flush_all()


def _reset_after_fork() -> None:
    global _open_runs_lock
    _open_runs_lock = threading.Lock()
    _open_runs.clear()


os.register_at_fork(after_in_child=_reset_after_fork)
