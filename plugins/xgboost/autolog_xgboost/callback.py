"""The ``TrainingCallback`` that logs every evaluation result while XGBoost trains.

One ``TrainingCall.log_metrics`` per iteration (a batching writer behind it, no database round
trip), unless option ``log_every_iteration`` is False: then it only remembers the history, and the
final values are logged once training is done (``collect.final_metrics``). ``evals_log`` is
XGBoost's own history: the last entry of each list is this iteration's value; for ``xgboost.cv``
an entry is a ``(mean, std)`` pair. An error while building or logging the metrics is reported
(``call.guarded``) and never reaches the training loop.
"""

from __future__ import annotations

from typing import Any

import xgboost

from autolog.plugin import TrainingCall

WHILE_LOGGING_METRICS = "logging per-iteration metrics"


def metrics_at(evals_log: dict, index: int = -1) -> dict[str, float]:
    """``{"<dataset>-<metric>": value}`` at ``index`` of the history (``-mean``/``-std`` for cv)."""
    metrics: dict[str, float] = {}
    for dataset, by_metric in evals_log.items():
        for metric, values in by_metric.items():
            value = values[index]
            if isinstance(value, tuple):
                metrics[f"{dataset}-{metric}-mean"] = value[0]
                metrics[f"{dataset}-{metric}-std"] = value[1]
            else:
                metrics[f"{dataset}-{metric}"] = value
    return metrics


class LoggingCallback(xgboost.callback.TrainingCallback):
    """Logs ``metrics_at(evals_log)`` at step = epoch; remembers the epochs it saw."""

    def __init__(self, call: TrainingCall) -> None:
        super().__init__()
        self.call = call
        self.every_iteration = bool(call.config.get("log_every_iteration", True))
        self.first_epoch: int | None = None
        self.last_epoch: int | None = None
        self.evals_log: dict | None = None

    def after_iteration(self, model: Any, epoch: int, evals_log: dict) -> bool:
        if self.first_epoch is None:
            self.first_epoch = epoch
        self.last_epoch = epoch
        if evals_log:
            self.evals_log = evals_log
            if self.every_iteration:
                with self.call.guarded(WHILE_LOGGING_METRICS):
                    self.call.log_metrics(metrics_at(evals_log), step=epoch)
        return False
