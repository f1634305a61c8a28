"""What an sklearn fit logs, as the integration's collectors (``autolog.plugin.Integration``).

A call with ``instance`` None is a patched module function (cross-validation or a curve, see
``cross_validation`` and ``curves``); otherwise it is an estimator's ``fit``/``fit_transform``/
``fit_predict``. Predictions, metrics and plot data on the training data are computed once per
fit (``evaluation``) and shared by metrics, artifacts and the model's signature.
"""

from __future__ import annotations

from typing import Any

from autolog.plugin import ArtifactToLog, ModelToLog, TrainingCall, remember_run, warn_once

from . import cross_validation, curves, plots, search, training_metrics
from .data import capture_before_fit, signature_input, training_data
from .flavor import REQUIREMENTS, SKLEARN_FLAVOR

NAME = "sklearn"
_EVALUATION = "autolog_sklearn.evaluation"


def _function(call: TrainingCall) -> Any:
    """The module handling a patched function (``instance is None``): cross-validation or curves."""
    return curves if call.method in curves.FUNCTIONS else cross_validation


def estimator_tags(estimator: Any) -> dict[str, str]:
    cls = type(estimator)
    return {"estimator_name": cls.__name__, "estimator_class": f"{cls.__module__}.{cls.__qualname__}"}


def evaluation(call: TrainingCall) -> training_metrics.Evaluation:
    """Predictions, metrics and plot data on the training data, computed once per fit."""
    found = call.state.get(_EVALUATION)
    if found is None:
        X, y, sample_weight = training_data(call)
        silent = call.config.get("silent", False)
        name = type(call.instance).__name__

        def failed(metrics: str, what: str, exc: BaseException) -> None:
            warn_once(
                NAME, f"sklearn: {metrics} not computed for {name}: {what} failed: {type(exc).__name__}: {exc}", silent
            )

        found = training_metrics.compute(
            call.instance, X, y, sample_weight, call.state, failed, call.config.get("pos_label")
        )
        found.tables = plots.tables(call.instance, y, found, sample_weight, call.config.get("pos_label"))
        call.state[_EVALUATION] = found
    return found


def before_training(call: TrainingCall) -> None:
    if call.instance is not None:
        capture_before_fit(call)


def collect_params(call: TrainingCall) -> dict[str, Any]:
    if call.instance is None:
        return _function(call).params(call)
    params = call.instance.get_params(deep=True)
    if search.is_search(call.instance):
        params.update(search.best_params(call.instance))
    return params


def collect_metrics(call: TrainingCall) -> dict[str, float]:
    if call.instance is None:
        return _function(call).metrics(call)
    found = dict(evaluation(call).metrics)
    if search.is_search(call.instance):
        found.update(search.best_score(call.instance))
    return found


def collect_tags(call: TrainingCall) -> dict[str, str] | None:
    estimator = call.instance if call.instance is not None else cross_validation.estimator(call)
    return None if estimator is None else estimator_tags(estimator)


def collect_artifacts(call: TrainingCall) -> list[ArtifactToLog] | None:
    if call.instance is None:
        return curves.artifacts(call) if _function(call) is curves else None
    found = []
    if search.is_search(call.instance):
        search.log_child_runs(
            call.instance,
            call.config["max_tuning_runs"],
            call.config.get("extra_tags"),
            estimator_tags(call.instance.estimator),
        )
        found.append(ArtifactToLog("cv_results.csv", content=search.cv_results_csv(call.instance)))
    return found + plots.artifacts(evaluation(call).tables, _png_wanted(call))


def _png_wanted(call: TrainingCall) -> bool:
    if not call.config.get("log_plots"):
        return False
    if plots.matplotlib_available():
        return True
    warn_once(
        NAME,
        "sklearn: log_plots=True draws PNG images with matplotlib, which is not installed; "
        "the plot data is logged as JSON only",
        call.config.get("silent", False),
    )
    return False


def collect_models(call: TrainingCall) -> list[ModelToLog] | None:
    if call.instance is None:
        return None
    X = signature_input(call)
    signature_outputs = call.state.get("y_pred")
    models = [
        ModelToLog(
            call.instance,
            SKLEARN_FLAVOR,
            "model",
            signature_inputs=X,
            signature_outputs=signature_outputs,
            input_example=X,
            requirements=REQUIREMENTS,
        )
    ]
    best = getattr(call.instance, "best_estimator_", None) if search.is_search(call.instance) else None
    if best is not None:
        models.append(
            ModelToLog(
                best,
                SKLEARN_FLAVOR,
                "best_estimator",
                signature_inputs=X,
                signature_outputs=signature_outputs,
                input_example=X,
                requirements=REQUIREMENTS,
            )
        )
    return models


def after_training(call: TrainingCall, status: str) -> None:
    """Post-training metrics of the fitted estimator go to this run (``post_training``)."""
    if status == "FINISHED" and call.instance is not None:
        remember_run(call.instance, call)
