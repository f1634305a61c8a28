"""The sklearn integration: what it watches, its options, and how it patches each module."""
from __future__ import annotations

from typing import Any

from autolog import Integration
from autolog.config import config
from autolog.option_checks import boolean, non_negative_int, optional

from .callers import should_log
from .parallel import patch_parallel
from .patching import EstimatorPatcher, patch_cv_functions, patch_metric_functions

NAME = "sklearn"
OPTIONS = {"max_tuning_runs": 5, "log_post_training_metrics": True, "pos_label": None, "log_plots": False}


def _label(value: Any) -> None:
    if not isinstance(value, (str, int, float, bool)) and not (hasattr(value, "item") and getattr(value, "ndim", 1) == 0):
        raise ValueError("must be a class label (a string or a number) or None")


OPTION_CHECKS = {"max_tuning_runs": optional(non_negative_int), "log_post_training_metrics": boolean,
                 "pos_label": optional(_label), "log_plots": boolean}
WATCHED_MODULES = ("sklearn.base", "sklearn.model_selection", "sklearn.metrics", "sklearn.utils.parallel")

_integration: Integration | None = None


def patch(module, patcher) -> None:
    from autolog.plugin_manager import registry

    options = config.effective(_integration)
    post_training = bool(options["log_post_training_metrics"])
    if module.__name__ == "sklearn.base":
        estimators = EstimatorPatcher(patcher, registry().modules_owned_by_others(NAME), post_training)
        estimators.patch_existing()
        estimators.hook_new_classes()
    elif module.__name__ == "sklearn.model_selection":
        patch_cv_functions(module, patcher)
    elif module.__name__ == "sklearn.metrics" and post_training:
        patch_metric_functions(module, patcher)
    elif module.__name__ == "sklearn.utils.parallel":
        patch_parallel(module, patcher)


def integration() -> Integration:
    global _integration
    if _integration is None:
        _integration = Integration(name=NAME, modules=WATCHED_MODULES, patch=patch, options=dict(OPTIONS),
                                   framework="scikit-learn", should_log=should_log,
                                   option_checks=OPTION_CHECKS)
    return _integration


def options() -> dict[str, Any]:
    return config.effective(integration())
