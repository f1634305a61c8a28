"""What a finished CatBoost ``fit`` logs: params, per-iteration metrics, early stopping.

- params: every training parameter CatBoost used (``get_all_params()``), the ones the user set
  (``get_params()``) and ``fit``'s scalar keyword arguments (``early_stopping_rounds``...), as strings;
- per-iteration metrics from ``get_evals_result()`` as ``<dataset>-<metric>`` (``learn-Logloss``,
  ``validation-Logloss``; ``validation_0``... for several eval sets), step = iteration;
- when an eval set was given: ``best_iteration`` and ``stopped_iteration`` (the last iteration run,
  lower than ``iterations - 1`` when early stopping fired), and the best scores as
  ``best-<dataset>-<metric>``.
"""

from __future__ import annotations

import math
from typing import Any

SCALARS = (str, int, float, bool, type(None))


def training_params(model: Any, kwargs: dict) -> dict[str, str]:
    params: dict[str, Any] = {}
    try:
        params.update(model.get_all_params())
    except Exception:  # not fitted (fit raised) or an old model
        pass
    params.update(model.get_params())
    params.update({k: v for k, v in kwargs.items() if isinstance(v, SCALARS)})
    return {k: v if isinstance(v, str) else str(v) for k, v in params.items()}


def iteration_history(model: Any) -> dict[int, dict[str, float]]:
    """``{iteration: {"learn-Logloss": value, ...}}`` from ``get_evals_result()``."""
    history: dict[int, dict[str, float]] = {}
    for dataset, metrics in (model.get_evals_result() or {}).items():
        for metric, values in metrics.items():
            key = f"{dataset}-{metric}"
            for step, value in enumerate(values):
                history.setdefault(step, {})[key] = float(value)
    return history


def has_eval_set(model: Any) -> bool:
    return any(name != "learn" for name in (model.get_evals_result() or {}))


def early_stopping_metrics(model: Any, history: dict[int, dict[str, float]]) -> dict[str, float]:
    if not has_eval_set(model):
        return {}
    found: dict[str, float] = {}
    best = model.get_best_iteration()
    if best is not None:
        found["best_iteration"] = float(best)
    if history:
        found["stopped_iteration"] = float(max(history))
    for dataset, scores in (model.get_best_score() or {}).items():
        for metric, value in scores.items():
            if isinstance(value, (int, float)) and math.isfinite(value):
                found[f"best-{dataset}-{metric}"] = float(value)
    return found
