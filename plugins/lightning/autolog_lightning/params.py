"""Params and metrics of a Lightning fit: optimizers, EarlyStopping, the best checkpoint.

Read from the Trainer's objects, never while batches run. When EarlyStopping stopped the fit,
``stopped_epoch`` is logged with ``best_epoch``: the first epoch whose monitored value (as logged
per epoch) was the best, the one a ModelCheckpoint monitoring the same value keeps. Lightning's
EarlyStopping restores no weights (the model ends with the last epoch's), so unlike Keras no
``restored_epoch`` is logged.
"""

from __future__ import annotations

import math
import os
from typing import Any

EARLY_STOPPING_PARAMS = ("monitor", "patience", "min_delta", "baseline", "mode", "restore_best_weights")


def optimizer_params(optimizers: list[Any]) -> dict[str, Any]:
    """``optimizer_name``, ``learning_rate``, ``optimizer_<key>``; indexed when there are several."""
    found: dict[str, Any] = {}
    several = len(optimizers) > 1
    for index, optimizer in enumerate(optimizers):
        prefix = f"optimizer_{index}_" if several else "optimizer_"
        found[f"{prefix}name"] = type(optimizer).__name__
        for key, value in (getattr(optimizer, "defaults", None) or {}).items():
            if key == "lr":
                found[f"optimizer_{index}_learning_rate" if several else "learning_rate"] = _plain(value)
            else:
                found[f"{prefix}{key}"] = _plain(value)
    return found


def hyperparameters(*holders: Any) -> dict[str, Any]:
    """What ``save_hyperparameters()`` kept on the module (and the datamodule): a Lightning user's
    configuration of the model (``hidden``, ``lr``). Nested dicts are flattened with ``/`` (as
    Lightning's own loggers do); a value that is not a number, text or a list of them is recorded as
    its type's qualified name (an object's repr would carry a memory address: a param differing on
    every run)."""
    found: dict[str, Any] = {}

    def add(prefix: str, values: Any) -> None:
        for key, value in values.items():
            name = f"{prefix}{key}"
            if isinstance(value, dict):
                add(f"{name}/", value)
            else:
                found[name] = _stable(_plain(value))

    for holder in holders:
        values = getattr(holder, "hparams", None)
        if values is not None and hasattr(values, "items"):
            try:
                add("", dict(values))
            except Exception:
                continue
    return found


def _stable(value: Any) -> Any:
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    if isinstance(value, (list, tuple)) and all(v is None or isinstance(v, (bool, int, float, str)) for v in value):
        return list(value)
    kind = type(value)
    return f"{kind.__module__}.{kind.__qualname__}"


def _plain(value: Any) -> Any:
    if hasattr(value, "item") and getattr(value, "numel", lambda: 0)() == 1:
        return value.item()
    return value


def _early_stopping(callbacks: list[Any]) -> Any:
    for callback in callbacks:
        if any(k.__name__ == "EarlyStopping" for k in type(callback).__mro__) and hasattr(callback, "stopped_epoch"):
            return callback
    return None


def early_stopping_params(callbacks: list[Any]) -> dict[str, Any]:
    callback = _early_stopping(callbacks)
    if callback is None:
        return {}
    found = {name: getattr(callback, name) for name in EARLY_STOPPING_PARAMS if hasattr(callback, name)}
    if "min_delta" in found:
        found["min_delta"] = abs(float(found["min_delta"]))  # Lightning negates it for mode="min"
    return found


def early_stopping_metrics(callbacks: list[Any], epoch_metrics: dict[int, dict[str, float]]) -> dict[str, float]:
    callback = _early_stopping(callbacks)
    if callback is None or not callback.stopped_epoch:
        return {}
    found: dict[str, float] = {"stopped_epoch": callback.stopped_epoch}
    best = _best_epoch(epoch_metrics, callback.monitor, getattr(callback, "mode", "min"))
    if best is not None:
        found["best_epoch"] = best
    return found


def _best_epoch(epoch_metrics: dict[int, dict[str, float]], monitor: str, mode: str) -> int | None:
    seen = [
        (values[monitor], epoch)
        for epoch, values in sorted(epoch_metrics.items())
        if monitor in values and not math.isnan(values[monitor])
    ]
    if not seen:
        return None
    sign = -1.0 if mode == "max" else 1.0
    return min((sign * value, epoch) for value, epoch in seen)[1]  # the first epoch with the best value


def best_checkpoint(trainer: Any) -> str | None:
    """The best (else last) checkpoint the trainer's ModelCheckpoint wrote, if it exists on disk."""
    checkpoint = getattr(trainer, "checkpoint_callback", None)
    path = getattr(checkpoint, "best_model_path", None) or getattr(checkpoint, "last_model_path", None)
    return path if path and os.path.isfile(path) else None
