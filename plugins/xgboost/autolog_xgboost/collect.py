"""What a finished XGBoost call logs: params, early-stopping metrics, importances, the model.

Native calls are read as XGBoost reads them (``arguments``: positional arguments included,
defaults too); estimator fits through ``get_params()`` and ``get_booster()``.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Callable
from typing import Any

from autolog.plugin import ArtifactToLog, ModelToLog, TrainingCall, first_rows, option_checks

from . import arguments
from .flavor import FLAVOR
from .patch import STATE_CALLBACK, prepare_call

REQUIREMENTS = ("xgboost", "autolog-xgboost")
# Arguments of train/cv that are data, functions or containers, not params.
NOT_PARAMS = frozenset(
    {"params", "dtrain", "evals", "obj", "evals_result", "xgb_model", "callbacks", "custom_metric", "folds", "fpreproc"}
)
_FEATURE_DTYPES = {"int": "int64", "i": "bool", "c": "object"}


def call_arguments(call: TrainingCall) -> dict[str, Any]:
    """The native call's arguments by name, defaults included."""
    return arguments.call_arguments(call.method, call.args, call.kwargs)


def booster_params(params: Any) -> dict[str, Any]:
    """``params`` as a dict; XGBoost also takes a list of pairs (repeated keys become a list)."""
    if params is None:
        return {}
    if isinstance(params, dict):
        return dict(params)
    found: dict[str, Any] = {}
    for key, value in params:
        if key in found:
            previous = found[key]
            found[key] = [*previous, value] if isinstance(previous, list) else [previous, value]
        else:
            found[key] = value
    return found


def params(call: TrainingCall) -> dict[str, Any]:
    if call.instance is not None:
        found = call.instance.get_params()
        if found.get("callbacks"):
            found["callbacks"] = [type(c).__name__ for c in found["callbacks"]]
        return found
    arguments = call_arguments(call)
    found = booster_params(arguments.get("params"))
    found.update((k, v) for k, v in arguments.items() if k not in NOT_PARAMS)
    return found


def booster_of(call: TrainingCall) -> Any:
    """The trained ``Booster`` (None for cv)."""
    if call.method == "cv":
        return None
    if call.instance is not None:
        return call.instance.get_booster()
    return call.result


def iteration_metrics(call: TrainingCall) -> dict[str, float] | None:
    """Final per-iteration values when not logged every iteration; early stopping's iterations."""
    callback = call.state.get(STATE_CALLBACK)
    if callback is None or callback.evals_log is None:
        return None
    from .callback import metrics_at

    if not callback.every_iteration:  # only the final values, at the step of the last iteration
        call.log_metrics(metrics_at(callback.evals_log), step=callback.last_epoch)
    return early_stopping_metrics(call)


def early_stopping_metrics(call: TrainingCall) -> dict[str, float] | None:
    """best/stopped iteration, and the best iteration's metrics logged again one step after the last.

    ``best_iteration`` is XGBoost's (0-based, ``Booster.best_iteration``); ``stopped_iteration`` is
    the 0-based index of the last iteration that ran (the step of the last per-iteration point).
    """
    callback = call.state.get(STATE_CALLBACK)
    if call.method == "cv":
        return _cv_early_stopping_metrics(call, callback)
    booster = booster_of(call)
    if booster is None or callback is None or callback.evals_log is None:
        return None
    best = booster.attr("best_iteration")
    if best is None:
        return None
    from .callback import metrics_at

    best = int(best)
    index = best - callback.first_epoch
    if 0 <= index <= callback.last_epoch - callback.first_epoch:
        call.log_metrics(metrics_at(callback.evals_log, index), step=callback.last_epoch + 1)
    return {"best_iteration": best, "stopped_iteration": callback.last_epoch}


def _cv_early_stopping_metrics(call: TrainingCall, callback: Any) -> dict[str, float] | None:
    """``xgboost.cv`` with early stopping returns its history cut at the best iteration: that
    iteration's values are logged again one step after the last (the run's latest values are the
    best iteration's, as for ``train``), with ``best_iteration`` (0-based) and ``stopped_iteration``."""
    if callback is None or callback.evals_log is None or callback.last_epoch is None or call.result is None:
        return None
    result = call.result
    try:
        kept = len(result) if hasattr(result, "iloc") else len(next(iter(result.values())))
    except Exception:
        return None
    from .callback import metrics_at

    first = callback.first_epoch or 0
    ran = callback.last_epoch - first + 1
    if not 0 < kept < ran:
        return None  # not stopped early: the history is whole
    best = first + kept - 1
    call.log_metrics(metrics_at(callback.evals_log, kept - 1), step=callback.last_epoch + 1)
    return {"best_iteration": best, "stopped_iteration": callback.last_epoch}


def _booster_kind(call: TrainingCall) -> str:
    if call.instance is not None:
        return getattr(call.instance, "booster", None) or "gbtree"
    return booster_params(call_arguments(call).get("params")).get("booster") or "gbtree"


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
    linear = _booster_kind(call) == "gblinear"
    return [
        ArtifactToLog(f"feature_importance_{kind}.json", json.dumps(booster.get_score(importance_type=kind), indent=2))
        for kind in types
        if not (linear and kind != "weight")
    ]


def _is_table(data: Any) -> bool:
    return type(data).__module__.split(".", 1)[0] in ("numpy", "pandas", "scipy")


STATE_EXAMPLE_ROWS = f"{__package__}.example_rows"


def before_training(call: TrainingCall) -> None:
    """The logging callback (``patch.prepare_call``), and for an estimator fit the first rows of X,
    copied before fit can change X (the signature and input example describe X as passed)."""
    prepare_call(call)
    if call.instance is not None and call.config.get("log_models"):
        X = call.args[0] if call.args else call.kwargs.get("X")
        if _is_table(X):
            call.state[STATE_EXAMPLE_ROWS] = first_rows(X)


def dmatrix_schema(dtrain: Any) -> Any:
    """Empty data with the DMatrix's columns: named (pandas) when it has feature names, else a tensor."""
    import numpy as np

    names = dtrain.feature_names
    if names and "pandas" in sys.modules:
        types = dtrain.feature_types or ["float"] * len(names)
        pandas = sys.modules["pandas"]
        return pandas.DataFrame(
            {
                name: np.empty(0, dtype=_FEATURE_DTYPES.get(kind, "float32"))
                for name, kind in zip(names, types, strict=False)
            }
        )
    return np.empty((0, dtrain.num_col()), dtype=np.float32)


def models(call: TrainingCall) -> list[ModelToLog] | None:
    if call.method == "cv":
        return None
    want_signature = bool(call.config.get("log_model_signatures"))
    if call.instance is not None:
        X = call.state.get(STATE_EXAMPLE_ROWS)
        outputs = None
        if want_signature and X is not None:
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
    dtrain = call_arguments(call).get("dtrain")
    inputs = dmatrix_schema(dtrain) if want_signature and dtrain is not None else None
    return [ModelToLog(call.result, FLAVOR, signature_inputs=inputs, requirements=REQUIREMENTS)]
