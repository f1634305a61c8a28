"""Where LightGBM is patched, and how a logged call gets its logging callback.

``lightgbm.train``/``lightgbm.cv`` (and the same functions under ``lightgbm.engine``) and the
estimators' ``fit`` get the core's training session. Native calls receive the logging callback in
a new ``callbacks`` list at ``before_training`` (keyword or positional, wherever the user put it);
for an estimator fit, ``lightgbm.sklearn.train`` (the function every ``fit`` calls, with the
list ``fit`` already copied) is wrapped to add the pending callback. The user's list is never
modified. The training data is remembered before training: LightGBM frees it once the
``Dataset`` is constructed.
"""

from __future__ import annotations

import inspect
from functools import cache
from types import ModuleType
from typing import Any

from autolog.plugin import TrainingCall, current_call

INTEGRATION = "lightgbm"
STATE_CALLBACK = "lightgbm.callback"  # the LoggingCallback of the call
STATE_PENDING = "lightgbm.pending_callback"  # set for estimator fits until lightgbm.sklearn.train takes it
STATE_TRAIN_DATA = "lightgbm.train_data"  # the raw data of a native call's train_set
ESTIMATORS = ("LGBMModel", "LGBMClassifier", "LGBMRegressor", "LGBMRanker")


def patch(module: ModuleType, patcher: Any) -> None:
    """Called once ``lightgbm`` is imported (and again after re-enabling)."""
    import lightgbm.engine as engine
    import lightgbm.sklearn as sklearn_api

    for owner in (module, engine):
        for function in ("train", "cv"):
            if hasattr(owner, function):
                patcher.wrap_training(owner, function)
    for name in ESTIMATORS:
        cls = getattr(sklearn_api, name, None)
        if cls is not None and "fit" in cls.__dict__:
            patcher.wrap_training(cls, "fit")
    if hasattr(sklearn_api, "train"):
        patcher.wrap(sklearn_api, "train", _inject_pending_callback)


@cache
def signature(method: str) -> inspect.Signature:
    import lightgbm.engine

    return inspect.signature(getattr(lightgbm.engine, method))


def call_arguments(call: TrainingCall) -> dict[str, Any]:
    """A native call's arguments by name, defaults included."""
    bound = signature(call.method).bind(*call.args, **call.kwargs)
    bound.apply_defaults()
    return dict(bound.arguments)


def prepare_call(call: TrainingCall) -> None:
    """Create the logging callback; hand it to a native call now, to an estimator fit later."""
    from .callback import LoggingCallback

    callback = LoggingCallback(call)
    call.state[STATE_CALLBACK] = callback
    if call.instance is not None:
        call.state[STATE_PENDING] = callback
        return
    names = list(signature(call.method).parameters)
    position = names.index("callbacks")
    if len(call.args) > position:
        args = list(call.args)
        args[position] = with_callback(args[position], callback)
        call.args = tuple(args)
    else:
        call.kwargs["callbacks"] = with_callback(call.kwargs.get("callbacks"), callback)
    if call.method == "train":
        train_set = call.args[1] if len(call.args) > 1 else call.kwargs.get("train_set")
        call.state[STATE_TRAIN_DATA] = getattr(train_set, "data", None)


def with_callback(callbacks: Any, callback: Any) -> list:
    """A new list with ours added (LightGBM orders callbacks by their ``order`` attribute)."""
    return [*(callbacks or ()), callback]


def _inject_pending_callback(wrapped: Any, instance: Any, args: tuple, kwargs: dict) -> Any:
    call = current_call()
    if call is not None and call.integration == INTEGRATION:
        callback = call.state.pop(STATE_PENDING, None)
        if callback is not None:
            kwargs = dict(kwargs)
            kwargs["callbacks"] = with_callback(kwargs.get("callbacks"), callback)
    return wrapped(*args, **kwargs)
