"""autolog-catboost: an example third-party plugin, autologging for CatBoost.

``CatBoost``, ``CatBoostClassifier``, ``CatBoostRegressor`` and ``CatBoostRanker`` ``.fit`` are
patched. Each outermost fit logs the params, per-iteration metrics (step = iteration), early
stopping (``best_iteration``, ``stopped_iteration``) and the model in CatBoost's native ``.cbm``
format (flavor ``catboost``), loadable with ``autolog.load_model``. It uses only autolog's public
plugin API (``autolog.plugin``); the core has no line naming it. The integration declares what it
logs; autolog calls these functions for CatBoost's fits only. A ``Pool`` is described as a dataset
input by this plugin too (``dataset_description``, hook ``autolog_describe_dataset``).
"""

from __future__ import annotations

from types import ModuleType
from typing import Any

from autolog.plugin import Integration, ModelToLog, Patcher, TrainingCall, hookimpl

from . import dataset_description
from .collect import early_stopping_metrics, iteration_history, training_params
from .flavor import CatBoostFlavor

NAME = "catboost"
FLAVOR = CatBoostFlavor()
MODEL_CLASSES = ("CatBoost", "CatBoostClassifier", "CatBoostRegressor", "CatBoostRanker")
REQUIREMENTS = ("catboost", "autolog-catboost")


def patch(module: ModuleType, patcher: Patcher) -> None:
    """Called once ``catboost`` is imported (and again after re-enabling)."""
    for class_name in MODEL_CLASSES:
        cls = getattr(module, class_name, None)
        if cls is not None and "fit" in vars(cls):
            patcher.wrap_training(cls, "fit")


def params(call: TrainingCall) -> dict[str, str]:
    return training_params(call.instance, call.kwargs)


def metrics(call: TrainingCall) -> dict[str, float]:
    history = iteration_history(call.instance)
    for step, values in sorted(history.items()):
        call.log_metrics(values, step=step)
    return early_stopping_metrics(call.instance, history)


def models(call: TrainingCall) -> list[ModelToLog]:
    X = call.argument("X")
    X = None if type(X).__name__ == "Pool" else X  # a Pool is no signature or input example
    return [ModelToLog(call.instance, FLAVOR, signature_inputs=X, input_example=X, requirements=REQUIREMENTS)]


INTEGRATION = Integration(
    name=NAME,
    modules=("catboost",),
    patch=patch,
    flavors=(FLAVOR,),
    collect_params=params,
    collect_metrics=metrics,
    collect_models=models,
)


@hookimpl
def autolog_register_integrations(register: Any) -> None:
    register(INTEGRATION)


@hookimpl
def autolog_describe_dataset(data: Any) -> Any:
    """A ``Pool`` given to a fit (or to ``autolog.log_input``) becomes a described dataset input."""
    return dataset_description.describe(data)
