"""Where XGBoost is patched, and how a logged call gets its logging callback.

``xgboost.train``/``xgboost.cv`` (and the same functions under ``xgboost.training``, for users who
import them from there) and the estimators' ``fit`` get the core's training session. Native calls
receive the logging callback in a new ``callbacks`` list at ``before_training``; an estimator keeps
its callbacks in a constructor parameter, so instead ``xgboost.sklearn.train`` (the function every
estimator ``fit`` calls) is wrapped to put the pending callback into the list it passes on. The
user's list and the estimator's ``callbacks`` attribute are never modified. A native call may
pass ``callbacks`` positionally (XGBoost accepts it, see ``arguments``): the new list then takes
its place there, since XGBoost lets a positional argument override the keyword.
"""

from __future__ import annotations

from types import ModuleType
from typing import Any

from autolog.plugin import TrainingCall, current_call

INTEGRATION = "xgboost"
STATE_CALLBACK = "xgboost.callback"  # the LoggingCallback of the call
STATE_PENDING = "xgboost.pending_callback"  # set for estimator fits until xgboost.sklearn.train takes it
ESTIMATORS = ("XGBModel", "XGBClassifier", "XGBRegressor", "XGBRanker", "XGBRFClassifier", "XGBRFRegressor")


def patch(module: ModuleType, patcher: Any) -> None:
    """Called once ``xgboost`` is imported (and again after re-enabling)."""
    import xgboost.sklearn as sklearn_api
    import xgboost.training as training

    for owner in (module, training):
        for function in ("train", "cv"):
            if hasattr(owner, function):
                patcher.wrap_training(owner, function)
    for name in ESTIMATORS:
        cls = getattr(sklearn_api, name, None)
        if cls is not None and "fit" in cls.__dict__:
            patcher.wrap_training(cls, "fit")
    if hasattr(sklearn_api, "train"):
        patcher.wrap(sklearn_api, "train", _inject_pending_callback)


def prepare_call(call: TrainingCall) -> None:
    """Create the logging callback; hand it to a native call now, to an estimator fit later."""
    from .callback import LoggingCallback

    callback = LoggingCallback(call)
    call.state[STATE_CALLBACK] = callback
    if call.instance is not None:
        call.state[STATE_PENDING] = callback
        return
    from .arguments import position

    index = position(call.method, "callbacks")
    if len(call.args) > index:
        args = list(call.args)
        args[index] = with_callback(args[index], callback)
        call.args = tuple(args)
    else:
        call.kwargs["callbacks"] = with_callback(call.kwargs.get("callbacks"), callback)


def with_callback(callbacks: Any, callback: Any) -> list:
    """A new list: ours first (XGBoost stops calling callbacks once one asks to stop), then the user's."""
    return [callback, *(callbacks or ())]


def _inject_pending_callback(wrapped: Any, instance: Any, args: tuple, kwargs: dict) -> Any:
    call = current_call()
    if call is not None and call.integration == INTEGRATION:
        callback = call.state.pop(STATE_PENDING, None)
        if callback is not None:
            kwargs = dict(kwargs)
            kwargs["callbacks"] = with_callback(kwargs.get("callbacks"), callback)
    return wrapped(*args, **kwargs)
