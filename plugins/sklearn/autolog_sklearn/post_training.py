"""Post-training metrics: metrics computed on predictions of an autologged model go to its run.

``predict``-like methods of an autologged estimator remember which run and which dataset
variable (``X_test``) produced their output; a ``sklearn.metrics`` function called on that output,
or ``model.score(X_test, y)``, is logged to the model's run as ``<metric>_<dataset>`` (then
``-2``, ``-3`` for repeated calls on the same data).
"""
from __future__ import annotations

import sys
import threading
import weakref
from contextvars import ContextVar
from dataclasses import dataclass
from typing import Any

from autolog import safety
from autolog.session import in_training
from tracking_core import fluent
from tracking_core.batch import now_ms
from tracking_core.tracker import Tracker, tracker_for

PREDICT_METHODS = ("predict", "predict_proba", "predict_log_proba", "decision_function", "transform")
METRIC_FUNCTIONS = (
    "accuracy_score", "balanced_accuracy_score", "f1_score", "fbeta_score", "precision_score", "recall_score",
    "jaccard_score", "log_loss", "roc_auc_score", "average_precision_score", "hamming_loss", "hinge_loss",
    "matthews_corrcoef", "zero_one_loss", "brier_score_loss", "top_k_accuracy_score", "cohen_kappa_score",
    "mean_squared_error", "root_mean_squared_error", "mean_absolute_error", "median_absolute_error",
    "mean_absolute_percentage_error", "mean_squared_log_error", "root_mean_squared_log_error", "r2_score",
    "explained_variance_score", "max_error", "mean_pinball_loss", "d2_absolute_error_score",
    "mean_poisson_deviance", "mean_gamma_deviance", "mean_tweedie_deviance",
    "silhouette_score", "calinski_harabasz_score", "davies_bouldin_score",
    "adjusted_rand_score", "rand_score", "adjusted_mutual_info_score", "normalized_mutual_info_score",
    "mutual_info_score", "homogeneity_score", "completeness_score", "v_measure_score", "fowlkes_mallows_score",
)
_SKIPPED_FRAME_PREFIXES = ("sklearn", "autolog", "wrapt", "tracking_core")

_in_metric: ContextVar[bool] = ContextVar("autolog_sklearn_in_metric", default=False)


@dataclass
class _Source:
    run_id: str
    tracker: Tracker
    dataset: str
    ref: Any


class PostTrainingLog:
    """Which models and outputs belong to which run, and how often each metric key was logged."""

    def __init__(self) -> None:
        self._models: dict[int, tuple[str, Tracker, Any]] = {}
        self._outputs: dict[int, _Source] = {}
        self._counts: dict[tuple[str, str], int] = {}
        self._lock = threading.Lock()

    def remember_model(self, model: Any, run_id: str) -> None:
        tracker = tracker_for(fluent._tracking_uri)
        key = id(model)
        try:
            ref = weakref.ref(model, lambda _r, k=key: self._models.pop(k, None))
        except TypeError:
            return
        self._models[key] = (run_id, tracker, ref)

    def run_of_model(self, model: Any) -> tuple[str, Tracker] | None:
        entry = self._models.get(id(model))
        if entry is None or entry[2]() is not model:
            return None
        return entry[0], entry[1]

    def remember_output(self, output: Any, run_id: str, tracker: Tracker, dataset: str) -> None:
        key = id(output)
        try:
            ref = weakref.ref(output, lambda _r, k=key: self._outputs.pop(k, None))
        except TypeError:
            ref = None  # plain lists and such: keep a strong reference (bounded below)
            if len(self._outputs) > 1000:
                self._outputs.clear()
        self._outputs[key] = _Source(run_id, tracker, dataset, ref if ref is not None else output)

    def source_of(self, value: Any) -> _Source | None:
        source = self._outputs.get(id(value))
        if source is None:
            return None
        held = source.ref() if isinstance(source.ref, weakref.ref) else source.ref
        return source if held is value else None

    def log(self, run_id: str, tracker: Tracker, metric: str, dataset: str, value: float) -> str:
        base = f"{metric}_{dataset}"
        with self._lock:
            count = self._counts.get((run_id, base), 0) + 1
            self._counts[(run_id, base)] = count
        key = base if count == 1 else f"{base}-{count}"
        tracker.writer.log_metric(run_id, key, float(value), now_ms(), 0)
        return key


post_training = PostTrainingLog()


def dataset_name(data: Any) -> str:
    """The name of the caller's variable holding ``data`` (outside sklearn and autolog)."""
    frame = sys._getframe(1)
    while frame is not None and frame.f_globals.get("__name__", "").startswith(_SKIPPED_FRAME_PREFIXES):
        frame = frame.f_back
    if frame is not None:
        for name, value in frame.f_locals.items():
            if value is data and not name.startswith("_"):
                return name
    return "unknown_dataset"


def _options():
    from .integration import options

    return options()


def _skipped() -> bool:
    """Calls made while training or inside another metric (score calling accuracy_score) log nothing."""
    return in_training() or _in_metric.get()


def _guarded(log, while_doing: str) -> None:
    try:
        log()
    except Exception as exc:
        safety.report("sklearn", exc, while_doing, _options()["silent"])


def _measured(wrapped, args, kwargs):
    token = _in_metric.set(True)
    try:
        return wrapped(*args, **kwargs)
    finally:
        _in_metric.reset(token)


def _dataset_argument(args, kwargs) -> Any:
    return args[0] if args else kwargs.get("X")


def predict_wrapper(wrapped, instance, args, kwargs):
    result = wrapped(*args, **kwargs)
    if not _skipped():
        _guarded(lambda: _remember_prediction(instance, result, _dataset_argument(args, kwargs)),
                 "recording predictions for post-training metrics")
    return result


def _remember_prediction(model, result, X) -> None:
    owner = post_training.run_of_model(model)
    if owner is not None and _options()["log_post_training_metrics"]:
        post_training.remember_output(result, owner[0], owner[1], dataset_name(X))


def score_wrapper(wrapped, instance, args, kwargs):
    if _skipped():
        return wrapped(*args, **kwargs)
    value = _measured(wrapped, args, kwargs)
    _guarded(lambda: _log_score(instance, value, _dataset_argument(args, kwargs)), "logging a post-training score")
    return value


def _log_score(model, value, X) -> None:
    owner = post_training.run_of_model(model)
    if owner is not None and _options()["log_post_training_metrics"]:
        post_training.log(owner[0], owner[1], f"{type(model).__name__}_score", dataset_name(X), value)


def _is_scalar(value: Any) -> bool:
    try:
        float(value)
    except (TypeError, ValueError):
        return False
    return True


def metric_wrapper(wrapped, instance, args, kwargs):
    if _skipped():
        return wrapped(*args, **kwargs)
    value = _measured(wrapped, args, kwargs)
    _guarded(lambda: _log_metric(wrapped.__name__, value, (*args, *kwargs.values())),
             f"logging post-training metric {wrapped.__name__}")
    return value


def _log_metric(name: str, value, arguments) -> None:
    if not (_options()["log_post_training_metrics"] and _is_scalar(value)):
        return
    for candidate in arguments:
        source = post_training.source_of(candidate)
        if source is not None:
            post_training.log(source.run_id, source.tracker, name, source.dataset, value)
            return
