"""Params and metrics of a Keras fit: fit arguments, optimizer config, EarlyStopping.

All of it is read from objects (the call's arguments, ``model.optimizer``, the user's
callbacks), so nothing here runs while the model trains: the optimizer's params as the fit starts
(``collect.before_training``: a schedule callback changes the rate during training), the rest after.
"""

from __future__ import annotations

from typing import Any

from autolog.plugin import TrainingCall

EARLY_STOPPING_PARAMS = ("monitor", "patience", "min_delta", "baseline", "mode", "restore_best_weights")


def fit_params(call: TrainingCall) -> dict[str, Any]:
    found: dict[str, Any] = {"epochs": call.argument("epochs")}
    batch_size = call.argument("batch_size")
    x = call.argument("x")
    if batch_size is None and _is_array(x):
        batch_size = 32  # Keras' default for arrays; datasets and generators batch themselves
    if batch_size is not None:
        found["batch_size"] = batch_size
    for name in ("steps_per_epoch", "validation_steps"):
        value = call.argument(name)
        if value is not None:
            found[name] = value
    return found


def user_callbacks(call: TrainingCall) -> list[Any]:
    """The callbacks the user passed (before autolog's was added): a list, or a keras CallbackList."""
    callbacks = call.user_argument("callbacks")
    if callbacks is None:
        return []
    if isinstance(callbacks, (list, tuple)):
        return list(callbacks)
    inner = getattr(callbacks, "callbacks", None)
    return list(inner) if isinstance(inner, list) else [callbacks]


def _is_array(x: Any) -> bool:
    return (hasattr(x, "shape") and hasattr(x, "dtype")) or isinstance(x, (list, dict))


def optimizer_params(model: Any) -> dict[str, Any]:
    optimizer = getattr(model, "optimizer", None)
    if optimizer is None:
        return {}
    found: dict[str, Any] = {"optimizer_name": type(optimizer).__name__}
    try:
        config = optimizer.get_config()
    except Exception:
        config = {}
    for key, value in config.items():
        if key == "name":
            continue
        if key == "learning_rate":
            found["learning_rate"] = _learning_rate(optimizer, value)
        else:
            found[f"optimizer_{key}"] = value
    return found


def _learning_rate(optimizer: Any, configured: Any) -> Any:
    """A float when the rate is constant; the schedule's class name when it is a schedule."""
    if isinstance(configured, dict):  # a serialized LearningRateSchedule
        return configured.get("class_name", "schedule")
    try:
        return float(configured)
    except (TypeError, ValueError):
        return str(getattr(optimizer, "learning_rate", configured))


def _early_stopping(callbacks: list[Any]) -> Any:
    for callback in callbacks:
        if type(callback).__name__ == "EarlyStopping" and hasattr(callback, "stopped_epoch"):
            return callback
    return None


def early_stopping_params(callbacks: list[Any]) -> dict[str, Any]:
    callback = _early_stopping(callbacks)
    if callback is None:
        return {}
    found = {name: getattr(callback, name) for name in EARLY_STOPPING_PARAMS if hasattr(callback, name)}
    if "min_delta" in found:
        found["min_delta"] = abs(found["min_delta"])  # Keras stores it negated for mode="min"
    return found


def early_stopping_metrics(callbacks: list[Any]) -> dict[str, float]:
    """``stopped_epoch`` when training stopped early; ``restored_epoch`` when best weights were restored."""
    callback = _early_stopping(callbacks)
    if callback is None:
        return {}
    found: dict[str, float] = {}
    if callback.stopped_epoch > 0:
        found["stopped_epoch"] = callback.stopped_epoch
    if getattr(callback, "restore_best_weights", False) and getattr(callback, "best_weights", None) is not None:
        found["restored_epoch"] = getattr(callback, "best_epoch", 0)
    return found
