"""autolog-lightgbm: autologging for LightGBM.

Patched: ``lightgbm.train`` and ``lightgbm.cv`` (also under ``lightgbm.engine``) and ``fit`` of the
scikit-learn estimators (``LGBMModel``, ``LGBMClassifier``, ``LGBMRegressor``, ``LGBMRanker``).
Each outermost call is one run with:

- params: every booster parameter plus the training arguments (``num_boost_round``...); for
  estimators ``get_params()``;
- metrics: each evaluation result per iteration as ``<dataset>-<metric>`` (``training-l2``,
  ``valid_1-l2``), step = iteration (0-based), logged while training runs by a callback added to
  a copy of the callbacks; ``lightgbm.cv`` logs ``<dataset>-<metric>-mean`` and ``-stdv`` (the
  names of its own result);
- early stopping: ``best_iteration`` as LightGBM reports it (1-based, ``Booster.best_iteration``:
  iteration ``best_iteration`` is the point at step ``best_iteration - 1``) and
  ``stopped_iteration``, the 0-based index of the last iteration that ran (the step of the last
  per-iteration point; the same meaning as in autolog-xgboost), then the metrics of the best
  iteration once more at step ``stopped_iteration + 1`` (so the latest value of each metric is
  the best one);
- artifacts: ``feature_importance_<type>.json`` for each type in option ``importance_types``
  (default ``["split", "gain"]``; anything but these names is refused at the ``autolog()`` call);
- the model (``model/``): LightGBM's text format, plus the pickled estimator for the scikit-learn
  API (LightGBM has no native format for the estimator); ``autolog.load_model`` returns a
  ``Booster`` or the estimator. Signature and input example from the training data.

This module imports no LightGBM: everything that needs it is imported once a call is logged.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from autolog.plugin import Integration, hookimpl

from . import collect, dataset_description
from .flavor import FLAVOR
from .patch import patch

NAME = "lightgbm"
DEFAULT_OPTIONS: dict[str, Any] = {"importance_types": ["split", "gain"]}
IMPORTANCE_TYPES = ("split", "gain")  # Booster.feature_importance's; one name or a list of them
OPTION_CHECKS = {"importance_types": collect.importance_types_check(IMPORTANCE_TYPES)}

INTEGRATION = Integration(
    name=NAME,
    modules=("lightgbm",),
    patch=patch,
    options=dict(DEFAULT_OPTIONS),
    option_checks=dict(OPTION_CHECKS),
    flavors=(FLAVOR,),
    before_training=collect.before_training,
    collect_params=collect.params,
    collect_metrics=collect.early_stopping_metrics,
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
