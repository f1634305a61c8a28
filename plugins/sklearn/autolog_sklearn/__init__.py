"""autolog-sklearn: autologging for scikit-learn (the reference plugin).

Every estimator's ``fit``, ``fit_transform`` and ``fit_predict`` called by the user makes one run
per outermost call (fits sklearn runs inside its own functions are not training: see
``callers``) with params (``get_params(deep=True)``), ``training_*`` metrics, ``estimator_name`` /
``estimator_class`` tags, the fitted model, and for classifiers the confusion matrix, ROC and
precision-recall curves on the training data as JSON (``plots``). Parameter searches add
``best_*`` params, ``best_cv_score``, ``cv_results.csv``, ``best_estimator/`` and child runs for the
best candidates. ``cross_validate``/``cross_val_score``/``cross_val_predict`` and
``learning_curve``/``validation_curve``/``permutation_test_score`` make one run each.
Post-training metrics (``accuracy_score_X_test``) go into the model's run, and the data they were
computed on becomes its ``test`` dataset input (``post_training``).
Options: ``max_tuning_runs`` (default 5, None for all), ``log_post_training_metrics`` (True),
``pos_label`` (None), ``log_plots`` (False: PNG images of the plots, where matplotlib is installed).
"""

from __future__ import annotations

from typing import Any

from autolog.plugin import hookimpl

from .collect import estimator_tags
from .integration import INTEGRATION, NAME, integration, options


@hookimpl
def autolog_register_integrations(register: Any) -> None:
    register(INTEGRATION)


__all__ = ["INTEGRATION", "NAME", "estimator_tags", "integration", "options"]
