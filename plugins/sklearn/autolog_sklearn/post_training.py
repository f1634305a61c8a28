"""Post-training metrics: metrics computed on predictions of an autologged model go to its run.

``predict``-like methods of an autologged estimator (``autolog.plugin.run_of`` knows its run)
remember which run and which dataset variable (``X_test``) produced their output; a
``sklearn.metrics`` function called on that output, or ``model.score(X_test, y)``, is logged to the
model's run as ``<metric>_<dataset>`` (then ``-2``, ``-3`` for repeated calls on the same data).
The wrappers are ``autolog.plugin.post_training_wrapper``s: nothing is logged during training,
inside another of them (``score`` calling ``accuracy_score``) or once autologging is disabled.
The metric functions a user module imported before ``autolog()`` are reached too
(``Patcher.rebind_imports``): the import order does not matter.

The data such a metric was computed on is recorded as a dataset input of the run, context
``test``, named like the metric's suffix (the caller's variable, else ``X``), with the metric's
``y_true`` (``score``'s ``y``) hashed into its digest: ``autolog.plugin.log_dataset_input``, so only
when a metric is logged (a serving loop's predictions record nothing), once per run and content
(data the model was trained on stays ``training``), and not with ``log_datasets=False``. A
prediction keeps only a weak reference to its input: data gone before the metric is computed is
not recorded.
"""

from __future__ import annotations

import functools
import threading
import weakref
from dataclasses import dataclass
from typing import Any

from autolog.plugin import TrainedRun, caller_variable_name, log_dataset_input, options, post_training_wrapper, run_of

PREDICT_METHODS = ("predict", "predict_proba", "predict_log_proba", "decision_function", "transform")
METRIC_FUNCTIONS = (
    "accuracy_score",
    "balanced_accuracy_score",
    "f1_score",
    "fbeta_score",
    "precision_score",
    "recall_score",
    "jaccard_score",
    "log_loss",
    "roc_auc_score",
    "average_precision_score",
    "hamming_loss",
    "hinge_loss",
    "matthews_corrcoef",
    "zero_one_loss",
    "brier_score_loss",
    "top_k_accuracy_score",
    "cohen_kappa_score",
    "mean_squared_error",
    "root_mean_squared_error",
    "mean_absolute_error",
    "median_absolute_error",
    "mean_absolute_percentage_error",
    "mean_squared_log_error",
    "root_mean_squared_log_error",
    "r2_score",
    "explained_variance_score",
    "max_error",
    "mean_pinball_loss",
    "d2_absolute_error_score",
    "mean_poisson_deviance",
    "mean_gamma_deviance",
    "mean_tweedie_deviance",
    "silhouette_score",
    "calinski_harabasz_score",
    "davies_bouldin_score",
    "adjusted_rand_score",
    "rand_score",
    "adjusted_mutual_info_score",
    "normalized_mutual_info_score",
    "mutual_info_score",
    "homogeneity_score",
    "completeness_score",
    "v_measure_score",
    "fowlkes_mallows_score",
)
# Metrics whose first argument is the data, not the true labels (no targets to hash with it).
DATA_FIRST_METRICS = ("silhouette_score", "calinski_harabasz_score", "davies_bouldin_score")
NAME = "sklearn"
UNKNOWN_DATASET = "unknown_dataset"
_MAX_COUNTS = 10_000


@dataclass
class _Source:
    run: TrainedRun
    dataset: str
    ref: Any
    data: weakref.ref[Any] | None = None  # the input of the prediction, weakly


class PostTrainingLog:
    """Which outputs belong to which run, and how often each metric key was logged."""

    def __init__(self) -> None:
        self._outputs: dict[int, _Source] = {}
        self._counts: dict[tuple[str, str], int] = {}
        self._lock = threading.Lock()

    def remember_output(self, output: Any, run: TrainedRun, dataset: str, data: Any = None) -> None:
        key = id(output)

        def forget(_ref: Any) -> None:
            self._outputs.pop(key, None)

        try:
            ref: weakref.ref[Any] | None = weakref.ref(output, forget)
        except TypeError:
            ref = None  # plain lists and such: keep a strong reference (bounded below)
            if len(self._outputs) > 1000:
                self._outputs.clear()
        self._outputs[key] = _Source(run, dataset, ref if ref is not None else output, _weak(data))

    def source_of(self, value: Any) -> _Source | None:
        source = self._outputs.get(id(value))
        if source is None:
            return None
        held = source.ref() if isinstance(source.ref, weakref.ref) else source.ref
        return source if held is value else None

    def log(self, run: TrainedRun, metric: str, dataset: str, value: float) -> str:
        base = f"{metric}_{dataset}"
        with self._lock:
            if len(self._counts) >= _MAX_COUNTS:  # a long-lived process: forget the oldest runs' counts
                for old in list(self._counts)[: _MAX_COUNTS // 2]:
                    del self._counts[old]
            count = self._counts.get((run.run_id, base), 0) + 1
            self._counts[(run.run_id, base)] = count
        key = base if count == 1 else f"{base}-{count}"
        run.log_metrics({key: float(value)}, step=0)
        return key


post_training = PostTrainingLog()


def _weak(data: Any) -> weakref.ref[Any] | None:
    if data is None:
        return None
    try:
        return weakref.ref(data)
    except TypeError:  # a list: not describable as a dataset anyway
        return None


def dataset_name(data: Any) -> str | None:
    """The name of the caller's variable holding ``data`` (outside sklearn and autolog), or None."""
    return caller_variable_name(data, skip=("sklearn",))


def _record_dataset(run: TrainedRun, data: Any, name: str | None, targets: Any) -> None:
    """The data a logged metric was computed on, as a ``test`` input of the run (once)."""
    log_dataset_input(run, data, name or "X", "test", targets=targets)


def _enabled() -> bool:
    return bool(options(NAME)["log_post_training_metrics"])


def _dataset_argument(args: tuple, kwargs: dict) -> Any:
    return args[0] if args else kwargs.get("X")


def _remember_prediction(result: Any, model: Any, args: tuple, kwargs: dict) -> None:
    run = run_of(model)
    if run is not None and _enabled():
        data = _dataset_argument(args, kwargs)
        post_training.remember_output(result, run, dataset_name(data) or UNKNOWN_DATASET, data)


def _log_score(value: Any, model: Any, args: tuple, kwargs: dict) -> None:
    run = run_of(model)
    if run is not None and _enabled():
        data = _dataset_argument(args, kwargs)
        name = dataset_name(data)
        post_training.log(run, f"{type(model).__name__}_score", name or UNKNOWN_DATASET, value)
        _record_dataset(run, data, name, args[1] if len(args) > 1 else kwargs.get("y"))


def _is_scalar(value: Any) -> bool:
    try:
        float(value)
    except (TypeError, ValueError):
        return False
    return True


def _true_values(metric: str, output: Any, args: tuple, kwargs: dict) -> Any:
    """The metric's true labels (``y_true``, ``labels_true``, else the first other positional)."""
    if metric in DATA_FIRST_METRICS:
        return None
    for key in ("y_true", "labels_true"):
        if key in kwargs:
            return kwargs[key]
    return next((arg for arg in args[:2] if arg is not output), None)


def _log_metric(name: str, value: Any, _instance: Any, args: tuple, kwargs: dict) -> None:
    if not (_is_scalar(value) and _enabled()):
        return
    for candidate in (*args, *kwargs.values()):
        source = post_training.source_of(candidate)
        if source is not None:
            post_training.log(source.run, name, source.dataset, value)
            data = source.data() if source.data is not None else None
            if data is not None:
                dataset = None if source.dataset == UNKNOWN_DATASET else source.dataset
                _record_dataset(source.run, data, dataset, _true_values(name, candidate, args, kwargs))
            return


predict_wrapper = post_training_wrapper(NAME, _remember_prediction, "recording predictions for post-training metrics")
score_wrapper = post_training_wrapper(NAME, _log_score, "logging a post-training score")


def metric_wrapper(name: str) -> Any:
    """The wrapper of ``sklearn.metrics.<name>``."""
    return post_training_wrapper(NAME, functools.partial(_log_metric, name), f"logging post-training metric {name}")
