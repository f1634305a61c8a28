"""What a finished LightGBM call logs: params, early-stopping metrics, importances, the model.

Native calls are read through the signature of ``lightgbm.train``/``lightgbm.cv`` (defaults
included); estimator fits through ``get_params()`` and ``booster_``.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from autolog.plugin import ArtifactToLog, ModelToLog, TrainingCall, first_rows, option_checks

from .flavor import FLAVOR
from .patch import STATE_CALLBACK, STATE_TRAIN_DATA, call_arguments, prepare_call

REQUIREMENTS = ("lightgbm", "autolog-lightgbm")
# Arguments of train/cv that are data, functions or containers, not params.
NOT_PARAMS = frozenset(
    {"params", "train_set", "valid_sets", "valid_names", "feval", "init_model", "callbacks", "folds", "fpreproc"}
)


def params(call: TrainingCall) -> dict[str, Any]:
    if call.instance is not None:
        return call.instance.get_params()
    arguments = call_arguments(call)
    found = dict(arguments.get("params") or {})
    found.update((k, v) for k, v in arguments.items() if k not in NOT_PARAMS)
    return found


def booster_of(call: TrainingCall) -> Any:
    """The trained ``Booster`` (None for cv)."""
    if call.method == "cv":
        return None
    if call.instance is not None:
        return call.instance.booster_
    return call.result


def early_stopping_metrics(call: TrainingCall) -> dict[str, float] | None:
    """best/stopped iteration, and the best iteration's metrics logged again one step after the last.

    ``best_iteration`` is LightGBM's (1-based, ``Booster.best_iteration``); ``stopped_iteration`` is
    the 0-based index of the last iteration that ran (the step of the last per-iteration point).
    """
    callback = call.state.get(STATE_CALLBACK)
    if call.method == "cv":
        return _cv_early_stopping_metrics(call, callback)
    booster = booster_of(call)
    if booster is None or callback is None or callback.last_iteration is None or booster.best_iteration <= 0:
        return None
    best_metrics = {
        f"{dataset}-{metric}": value
        for dataset, by_metric in booster.best_score.items()
        for metric, value in by_metric.items()
    }
    extra_step = callback.last_iteration + 1
    if best_metrics:
        call.log_metrics(best_metrics, step=extra_step)
    return {"best_iteration": booster.best_iteration, "stopped_iteration": callback.last_iteration}


def _cv_early_stopping_metrics(call: TrainingCall, callback: Any) -> dict[str, float] | None:
    """``lightgbm.cv`` with early stopping returns its history cut at the best iteration: that
    iteration's values are logged again one step after the last (the run's latest values are the
    best iteration's, as for ``train``), with ``best_iteration`` (1-based, the length of the returned
    history, as ``Booster.best_iteration``) and ``stopped_iteration``."""
    history = getattr(callback, "history", None)
    result = call.result
    if not history or not isinstance(result, dict) or not result or callback.last_iteration is None:
        return None
    kept = len(next(iter(result.values())))
    if not 0 < kept < len(history):
        return None  # not stopped early: the history is whole
    call.log_metrics(history[kept - 1], step=callback.last_iteration + 1)
    return {"best_iteration": kept, "stopped_iteration": callback.last_iteration}


def importance_types_check(known: tuple[str, ...]) -> Callable[[Any], None]:
    """The check of option ``importance_types``: one of ``known``, a list of them, or None (none logged)."""
    return option_checks.optional(option_checks.names_from(*known))


def feature_importances(call: TrainingCall) -> list[ArtifactToLog] | None:
    booster = booster_of(call)
    if booster is None:
        return None
    types = call.config.get("importance_types") or ()
    if isinstance(types, str):
        types = [types]
    names = booster.feature_name()
    return [
        ArtifactToLog(
            f"feature_importance_{kind}.json",
            json.dumps(
                dict(zip(names, booster.feature_importance(importance_type=kind).tolist(), strict=False)), indent=2
            ),
        )
        for kind in types
    ]


def _is_table(data: Any) -> bool:
    return type(data).__module__.split(".", 1)[0] in ("numpy", "pandas", "scipy")


STATE_EXAMPLE_ROWS = f"{__package__}.example_rows"


def before_training(call: TrainingCall) -> None:
    """The logging callback (``patch.prepare_call``), and the first rows of the training data (an
    estimator's X, a native call's ``train_set.data``), copied before training can change them: the
    signature and input example describe the data as passed."""
    prepare_call(call)
    if not call.config.get("log_models"):
        return
    X = (
        call.state.get(STATE_TRAIN_DATA)
        if call.instance is None
        else call.args[0]
        if call.args
        else call.kwargs.get("X")
    )
    if _is_table(X):
        call.state[STATE_EXAMPLE_ROWS] = first_rows(X)


def models(call: TrainingCall) -> list[ModelToLog] | None:
    if call.method == "cv":
        return None
    if call.instance is not None:
        X = call.state.get(STATE_EXAMPLE_ROWS)
        outputs = None
        if X is not None and call.config.get("log_model_signatures"):
            outputs = call.instance.predict(X)
        return [
            ModelToLog(
                call.instance,
                FLAVOR,
                signature_inputs=X,
                signature_outputs=outputs,
                input_example=X,
                requirements=REQUIREMENTS,
            )
        ]
    data = call.state.get(STATE_EXAMPLE_ROWS)
    return [ModelToLog(call.result, FLAVOR, signature_inputs=data, input_example=data, requirements=REQUIREMENTS)]
