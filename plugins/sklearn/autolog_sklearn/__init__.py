"""autolog-sklearn: autologging for scikit-learn (the reference plugin).

Every estimator's ``fit``, ``fit_transform`` and ``fit_predict`` makes one run per outermost call
with params (``get_params(deep=True)``), ``training_*`` metrics, ``estimator_name`` /
``estimator_class`` tags and the fitted model. Parameter searches add ``best_*`` params,
``best_cv_score``, ``cv_results.csv``, ``best_estimator/`` and child runs for the best candidates.
Options: ``max_tuning_runs`` (default 5, None for all), ``log_post_training_metrics`` (True).
"""
from __future__ import annotations

from autolog import ArtifactToLog, ModelToLog, hookimpl

from . import cross_validation, search, training_metrics
from .data import training_data
from .flavor import REQUIREMENTS, SKLEARN_FLAVOR
from .integration import NAME, integration
from .post_training import post_training


def _is_ours(call) -> bool:
    return call.integration == NAME


@hookimpl
def autolog_register_integrations(register) -> None:
    register(integration())


@hookimpl
def autolog_register_flavors(register) -> None:
    register(SKLEARN_FLAVOR)


@hookimpl
def autolog_collect_params(call):
    if not _is_ours(call):
        return None
    if call.instance is None:
        return cross_validation.params(call)
    params = call.instance.get_params(deep=True)
    if search.is_search(call.instance):
        params.update(search.best_params(call.instance))
    return params


@hookimpl
def autolog_collect_metrics(call):
    if not _is_ours(call):
        return None
    if call.instance is None:
        return cross_validation.metrics(call)
    X, y, sample_weight = training_data(call)
    found = training_metrics.compute(call.instance, X, y, sample_weight, call.state)
    if search.is_search(call.instance):
        found.update(search.best_score(call.instance))
    return found


@hookimpl
def autolog_collect_tags(call):
    if not _is_ours(call):
        return None
    estimator = call.instance if call.instance is not None else cross_validation.estimator(call)
    if estimator is None:
        return None
    cls = type(estimator)
    return {"estimator_name": cls.__name__, "estimator_class": f"{cls.__module__}.{cls.__qualname__}"}


@hookimpl
def autolog_collect_artifacts(call):
    if not _is_ours(call) or call.instance is None or not search.is_search(call.instance):
        return None
    search.log_child_runs(call.instance, call.config["max_tuning_runs"], call.config.get("extra_tags"))
    return [ArtifactToLog("cv_results.csv", content=search.cv_results_csv(call.instance))]


@hookimpl
def autolog_collect_models(call):
    if not _is_ours(call) or call.instance is None:
        return None
    X, _y, _w = training_data(call)
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
