"""The sklearn integration: what it watches, its options, its collectors, how it patches each module."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from autolog.option_checks import boolean, non_negative_int, optional
from autolog.plugin import Integration, Patcher, integration_options, modules_owned_by_others

from . import collect
from .callers import should_log
from .flavor import SKLEARN_FLAVOR
from .parallel import patch_parallel
from .patching import EstimatorPatcher, patch_cv_functions, patch_metric_functions

NAME = "sklearn"
OPTIONS = {"max_tuning_runs": 5, "log_post_training_metrics": True, "pos_label": None, "log_plots": False}


def _label(value: Any) -> None:
    if not isinstance(value, (str, int, float, bool)) and not (
        hasattr(value, "item") and getattr(value, "ndim", 1) == 0
    ):
        raise ValueError("must be a class label (a string or a number) or None")


OPTION_CHECKS = {
    "max_tuning_runs": optional(non_negative_int),
    "log_post_training_metrics": boolean,
    "pos_label": optional(_label),
    "log_plots": boolean,
}
WATCHED_MODULES = ("sklearn.base", "sklearn.model_selection", "sklearn.metrics", "sklearn.utils.parallel")


def patch(module: Any, patcher: Patcher) -> None:
    current = options()
    post_training = bool(current["log_post_training_metrics"])
    if module.__name__ == "sklearn.base":
        estimators = EstimatorPatcher(patcher, modules_owned_by_others(NAME), post_training, bool(current["silent"]))
        estimators.patch_existing()
        estimators.hook_new_classes()
    elif module.__name__ == "sklearn.model_selection":
        patch_cv_functions(module, patcher)
    elif module.__name__ == "sklearn.metrics" and post_training:
        patch_metric_functions(module, patcher)
    elif module.__name__ == "sklearn.utils.parallel":
        patch_parallel(module, patcher)


INTEGRATION = Integration(
    name=NAME,
    modules=WATCHED_MODULES,
    patch=patch,
    options=dict(OPTIONS),
    option_checks=OPTION_CHECKS,
    framework="scikit-learn",
    should_log=should_log,
    flavors=(SKLEARN_FLAVOR,),
    before_training=collect.before_training,
    collect_params=collect.collect_params,
    collect_metrics=collect.collect_metrics,
    collect_tags=collect.collect_tags,
    collect_artifacts=collect.collect_artifacts,
    collect_models=collect.collect_models,
    after_training=collect.after_training,
)


def integration() -> Integration:
    return INTEGRATION


def options() -> Mapping[str, Any]:
    return integration_options(INTEGRATION)
