"""autolog-catboost: an example third-party plugin, autologging for CatBoost.

``CatBoost``, ``CatBoostClassifier``, ``CatBoostRegressor`` and ``CatBoostRanker`` ``.fit`` are
patched. Each outermost fit logs the params, per-iteration metrics (step = iteration), early
stopping (``best_iteration``, ``stopped_iteration``) and the model in CatBoost's native ``.cbm``
format (flavor ``catboost``), loadable with ``autolog.load_model``. It uses only autolog's public
plugin API; the core has no line naming it.
"""
from __future__ import annotations

from types import ModuleType
from typing import Any

from autolog import Integration, ModelToLog, TrainingCall, hookimpl

from .collect import early_stopping_metrics, iteration_history, training_params
from .flavor import CatBoostFlavor

NAME = "catboost"
FLAVOR = CatBoostFlavor()
MODEL_CLASSES = ("CatBoost", "CatBoostClassifier", "CatBoostRegressor", "CatBoostRanker")
REQUIREMENTS = ("catboost", "autolog-catboost")


def patch(module: ModuleType, patcher: Any) -> None:
    """Called once ``catboost`` is imported (and again after re-enabling)."""
    for class_name in MODEL_CLASSES:
        cls = getattr(module, class_name, None)
        if cls is not None and "fit" in vars(cls):
            patcher.wrap_training(cls, "fit")


@hookimpl
def autolog_register_integrations(register) -> None:
    register(Integration(name=NAME, modules=("catboost",), patch=patch))


@hookimpl
def autolog_register_flavors(register) -> None:
    register(FLAVOR)


@hookimpl
def autolog_collect_params(call: TrainingCall) -> dict[str, str] | None:
    if call.integration != NAME:
        return None
    return training_params(call.instance, call.kwargs)


@hookimpl
def autolog_collect_metrics(call: TrainingCall) -> dict[str, float] | None:
    if call.integration != NAME:
        return None
    history = iteration_history(call.instance)
    for step, metrics in sorted(history.items()):
        call.log_metrics(metrics, step=step)
    return early_stopping_metrics(call.instance, history)


def _training_data(call: TrainingCall) -> Any:
    X = call.args[0] if call.args else call.kwargs.get("X")
    return None if type(X).__name__ == "Pool" else X


@hookimpl
def autolog_collect_models(call: TrainingCall) -> list[ModelToLog] | None:
    if call.integration != NAME:
        return None
    X = _training_data(call)
    return [ModelToLog(call.instance, FLAVOR, signature_inputs=X, input_example=X, requirements=REQUIREMENTS)]
