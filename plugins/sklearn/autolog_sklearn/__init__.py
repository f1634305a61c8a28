"""autolog-sklearn: autologging for scikit-learn (the reference plugin).

Every estimator's ``fit``, ``fit_transform`` and ``fit_predict`` called by the user makes one run
per outermost call (fits sklearn runs inside its own functions are not training: see
``callers``) with params (``get_params(deep=True)``), ``training_*`` metrics, ``estimator_name`` /
``estimator_class`` tags, the fitted model, and for classifiers the confusion matrix, ROC and
precision-recall curves on the training data as JSON (``plots``). Parameter searches add
``best_*`` params, ``best_cv_score``, ``cv_results.csv``, ``best_estimator/`` and child runs for the
best candidates. ``cross_validate``/``cross_val_score``/``cross_val_predict`` and
``learning_curve``/``validation_curve``/``permutation_test_score`` make one run each.
Options: ``max_tuning_runs`` (default 5, None for all), ``log_post_training_metrics`` (True),
``pos_label`` (None), ``log_plots`` (False: PNG images of the plots, where matplotlib is installed).
"""
from __future__ import annotations

from autolog import ArtifactToLog, ModelToLog, hookimpl, safety

from . import cross_validation, curves, plots, search, training_metrics
from .data import capture_before_fit, signature_input, training_data
from .flavor import REQUIREMENTS, SKLEARN_FLAVOR
from .integration import NAME, integration
from .post_training import post_training

_EVALUATION = "autolog_sklearn.evaluation"


def _is_ours(call) -> bool:
    return call.integration == NAME


def _function(call):
    """The module handling a patched function (``instance is None``): cross-validation or curves."""
    return curves if call.method in curves.FUNCTIONS else cross_validation


def estimator_tags(estimator) -> dict[str, str]:
    cls = type(estimator)
    return {"estimator_name": cls.__name__, "estimator_class": f"{cls.__module__}.{cls.__qualname__}"}


def _evaluation(call) -> training_metrics.Evaluation:
    """Predictions, metrics and plot data on the training data, computed once per fit."""
    found = call.state.get(_EVALUATION)
    if found is None:
        X, y, sample_weight = training_data(call)
        silent = call.config.get("silent", False)
        name = type(call.instance).__name__

        def failed(metrics: str, what: str, exc: BaseException) -> None:
            safety.warn_once(NAME, f"sklearn: {metrics} not computed for {name}: {what} failed: "
                             f"{type(exc).__name__}: {exc}", silent)

        found = training_metrics.compute(call.instance, X, y, sample_weight, call.state, failed,
                                         call.config.get("pos_label"))
        found.tables = plots.tables(call.instance, y, found, sample_weight, call.config.get("pos_label"))
        call.state[_EVALUATION] = found
    return found


@hookimpl
def autolog_register_integrations(register) -> None:
    register(integration())


@hookimpl
def autolog_register_flavors(register) -> None:
    register(SKLEARN_FLAVOR)


@hookimpl
def autolog_before_training(call):
    if _is_ours(call) and call.instance is not None:
        capture_before_fit(call)


@hookimpl
def autolog_collect_params(call):
    if not _is_ours(call):
        return None
    if call.instance is None:
        return _function(call).params(call)
    params = call.instance.get_params(deep=True)
    if search.is_search(call.instance):
        params.update(search.best_params(call.instance))
    return params


@hookimpl
def autolog_collect_metrics(call):
    if not _is_ours(call):
        return None
    if call.instance is None:
        return _function(call).metrics(call)
    found = dict(_evaluation(call).metrics)
    if search.is_search(call.instance):
        found.update(search.best_score(call.instance))
    return found


@hookimpl
def autolog_collect_tags(call):
    if not _is_ours(call):
        return None
    estimator = call.instance if call.instance is not None else cross_validation.estimator(call)
    return None if estimator is None else estimator_tags(estimator)


@hookimpl
def autolog_collect_artifacts(call):
    if not _is_ours(call):
        return None
    if call.instance is None:
        return curves.artifacts(call) if _function(call) is curves else None
    found = []
    if search.is_search(call.instance):
        search.log_child_runs(call.instance, call.config["max_tuning_runs"], call.config.get("extra_tags"),
                              estimator_tags(call.instance.estimator))
        found.append(ArtifactToLog("cv_results.csv", content=search.cv_results_csv(call.instance)))
    return found + plots.artifacts(_evaluation(call).tables, _png_wanted(call))


def _png_wanted(call) -> bool:
    if not call.config.get("log_plots"):
        return False
    if plots.matplotlib_available():
        return True
    safety.warn_once(NAME, "sklearn: log_plots=True draws PNG images with matplotlib, which is not installed; "
                     "the plot data is logged as JSON only", call.config.get("silent", False))
    return False


@hookimpl
def autolog_collect_models(call):
    if not _is_ours(call) or call.instance is None:
        return None
    X = signature_input(call)
    signature_outputs = call.state.get("y_pred")
    flavor = SKLEARN_FLAVOR
    models = [ModelToLog(call.instance, flavor, "model", signature_inputs=X, signature_outputs=signature_outputs,
                         input_example=X, requirements=REQUIREMENTS)]
    best = getattr(call.instance, "best_estimator_", None) if search.is_search(call.instance) else None
    if best is not None:
        models.append(ModelToLog(best, flavor, "best_estimator", signature_inputs=X,
                                 signature_outputs=signature_outputs, input_example=X, requirements=REQUIREMENTS))
    return models


@hookimpl
def autolog_run_ended(call, status):
    if _is_ours(call) and status == "FINISHED" and call.instance is not None:
        post_training.remember_model(call.instance, call.run_id)
