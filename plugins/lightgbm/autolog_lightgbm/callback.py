"""The LightGBM callback that logs every evaluation result while training runs.

A plain callable with LightGBM's callback attributes: ``order`` 25 runs it after
``record_evaluation`` (20) and before ``early_stopping`` (30), so the iteration at which early
stopping fires is logged too. One ``TrainingCall.log_metrics`` per iteration. An error while
building or logging the metrics is reported (``call.guarded``) and never reaches the
training loop.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from autolog.plugin import TrainingCall

ORDER = 25
WHILE_LOGGING_METRICS = "logging per-iteration metrics"


def metrics_of(results: Iterable[Any]) -> dict[str, float]:
    """``{"<dataset>-<metric>": value}`` from LightGBM's evaluation results (``-mean``/``-stdv`` for cv)."""
    metrics: dict[str, float] = {}
    for item in results:
        if len(item) > 4 and item[4] is not None:
            metrics[f"{item[0]}-{item[1]}-mean"] = item[2]
            metrics[f"{item[0]}-{item[1]}-stdv"] = item[4]
        else:
            metrics[f"{item[0]}-{item[1]}"] = item[2]
    return metrics


class LoggingCallback:
    """Logs ``metrics_of(env.evaluation_result_list)`` at step = ``env.iteration``."""

    def __init__(self, call: TrainingCall) -> None:
        self.order = ORDER  # in __dict__: LightGBM setdefaults an order on every callback
        self.before_iteration = False
        self.call = call
        self.first_iteration: int | None = None
        self.last_iteration: int | None = None
        # lightgbm.cv returns its history cut at the best iteration and has no Booster to ask for
        # the best score: the values of every iteration are kept for it (a few floats each).
        self.history: list[dict[str, float]] | None = [] if call.method == "cv" else None

    def __call__(self, env: Any) -> None:
        if self.first_iteration is None:
            self.first_iteration = env.iteration
        self.last_iteration = env.iteration
        if env.evaluation_result_list:
            with self.call.guarded(WHILE_LOGGING_METRICS):
                metrics = metrics_of(env.evaluation_result_list)
                if self.history is not None:
                    self.history.append(metrics)
                self.call.log_metrics(metrics, step=env.iteration)
