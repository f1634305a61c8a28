"""autolog-xgboost: autologging for XGBoost.

Patched: ``xgboost.train`` and ``xgboost.cv`` (also under ``xgboost.training``) and ``fit`` of the
scikit-learn estimators (``XGBModel``, ``XGBClassifier``, ``XGBRegressor``, ``XGBRanker``, the RF
variants). Each outermost call is one run with:

- params: every booster parameter plus the training arguments (``num_boost_round``,
  ``early_stopping_rounds``...); for estimators ``get_params()``;
- metrics: each evaluation result per iteration as ``<dataset>-<metric>`` (``train-logloss``,
  ``validation_0-logloss``), step = iteration (0-based), logged while training runs by a
  ``TrainingCallback`` put into a copy of the callbacks; ``xgboost.cv`` logs
  ``<dataset>-<metric>-mean`` and ``-std`` (the column names of its own result). With option
  ``log_every_iteration=False`` nothing is logged while training runs: only the final values
  (those of the last iteration, at its step) once training is done;
- early stopping: ``best_iteration`` as XGBoost reports it (0-based, ``Booster.best_iteration``)
  and ``stopped_iteration``, the 0-based index of the last iteration that ran (the step of the
  last per-iteration point; the same meaning as in autolog-lightgbm), then the metrics of the best
  iteration once more at step ``stopped_iteration + 1`` (so the latest value of each metric is
  the best one);
- artifacts: ``feature_importance_<type>.json`` for each type in option ``importance_types``
  (default ``["weight"]``; a list of ``weight``, ``gain``, ``cover``, ``total_gain``,
  ``total_cover``, or one of them; anything else is refused at the ``autolog()`` call);
- the model (``model/``) in XGBoost's UBJ format, loadable with ``autolog.load_model`` as the
  same class (``Booster`` or the estimator); signature from the training data (for a ``DMatrix``
  its feature names and count only), input example from estimator ``X`` when asked.

This module imports no XGBoost: everything that needs it is imported once a call is logged.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from autolog.plugin import Integration, hookimpl
from autolog.plugin import option_checks as checks

from . import collect, dataset_description
from .flavor import FLAVOR
from .patch import patch

NAME = "xgboost"
DEFAULT_OPTIONS: dict[str, Any] = {"importance_types": ["weight"], "log_every_iteration": True}
# Booster.get_score's importance types; one name or a list of them.
IMPORTANCE_TYPES = ("weight", "gain", "cover", "total_gain", "total_cover")
OPTION_CHECKS = {
    "importance_types": collect.importance_types_check(IMPORTANCE_TYPES),
    "log_every_iteration": checks.boolean,
}

INTEGRATION = Integration(
    name=NAME,
    modules=("xgboost",),
    patch=patch,
    options=dict(DEFAULT_OPTIONS),
    option_checks=dict(OPTION_CHECKS),
    flavors=(FLAVOR,),
    before_training=collect.before_training,
    collect_params=collect.params,
    collect_metrics=collect.iteration_metrics,
    collect_artifacts=collect.feature_importances,
    collect_models=collect.models,
)


@hookimpl
def autolog_register_integrations(register: Callable[[Integration], None]) -> None:
    register(INTEGRATION)


@hookimpl
def autolog_describe_dataset(data: Any) -> Any:
    """The run's description of this framework's data types (``dataset_description``)."""
    return dataset_description.describe(data)
