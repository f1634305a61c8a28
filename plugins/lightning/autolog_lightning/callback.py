"""The Lightning callback autolog adds to a Trainer for one fit.

It subclasses the ``Callback`` of the package the Trainer comes from (``lightning.pytorch`` or
``pytorch_lightning``). At train start it records the optimizer params and logs
``model_summary.txt``; after each training epoch (validation has run by then) it logs the
scalar ``trainer.callback_metrics`` with ``step`` = epoch (for a metric logged both per step and
per epoch, only its ``_epoch`` half). ``on_train_batch_end`` exists only
on the subclass used with ``log_every_n_steps``. Logging only enqueues to the batching writer.
"""
from __future__ import annotations

import importlib
from functools import lru_cache
from typing import Any

import tracking_core as tracking
from autolog import TrainingCall
from autolog.safety import report

from .params import optimizer_params

SUMMARY_FILE = "model_summary.txt"


def package_of(trainer: Any) -> str:
    """``lightning.pytorch`` or ``pytorch_lightning``: where this Trainer class comes from."""
    module = type(trainer).__module__
    return "pytorch_lightning" if module.startswith("pytorch_lightning") else "lightning.pytorch"


def scalar_metrics(metrics: dict[str, Any]) -> dict[str, float]:
    found: dict[str, float] = {}
    for key, value in metrics.items():
        numel = getattr(value, "numel", None)
        if numel is not None:
            if numel() != 1:
                continue
            value = value.item()
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            found[key] = float(value)
    return found


def epoch_metrics(metrics: dict[str, Any]) -> dict[str, float]:
    """Scalar metrics, without the per-step half (``x_step``) of metrics logged both ways."""
    found = scalar_metrics(metrics)
    return {k: v for k, v in found.items() if not (k.endswith("_step") and f"{k[:-5]}_epoch" in found)}


@lru_cache(maxsize=None)
def callback_classes(package: str) -> tuple[type, type]:
    base = importlib.import_module(package).Callback
    summary_class = importlib.import_module(f"{package}.utilities.model_summary").ModelSummary

    class AutologCallback(base):
        """Logs the model summary at train start and the epoch metrics after every training epoch."""

        def __init__(self, call: TrainingCall):
            super().__init__()
            self.call = call
            self.call.state["epoch_metrics"] = {}

        def on_train_start(self, trainer: Any, pl_module: Any) -> None:
            call = self.call
            try:
                call.state["optimizer_params"] = optimizer_params(trainer.optimizers)
                call.state["summary"] = summary = str(summary_class(pl_module, max_depth=-1))
                tracking.log_text(summary, SUMMARY_FILE)
                call.state["summary_logged"] = True
            except Exception as exc:
                report(call.integration, exc, f"logging {SUMMARY_FILE}", call.config.get("silent", False))

        def on_train_epoch_end(self, trainer: Any, pl_module: Any) -> None:
            if trainer.sanity_checking or not self.call.config.get("log_every_epoch", True):
                return
            metrics = epoch_metrics(trainer.callback_metrics)
            self.call.state["epoch_metrics"][trainer.current_epoch] = metrics
            if metrics:
                self.call.log_metrics(metrics, step=trainer.current_epoch)

    class AutologStepCallback(AutologCallback):
        """Also logs the step metrics every ``log_every_n_steps`` optimizer steps."""

        every_n_steps = 1

        def on_train_batch_end(self, trainer: Any, pl_module: Any, outputs: Any, batch: Any, batch_idx: int) -> None:
            step = trainer.global_step
            if step and step % self.every_n_steps == 0 and step != getattr(self, "_last_step", None):
                self._last_step = step
                metrics = scalar_metrics(trainer.logged_metrics)
                metrics.pop("epoch", None)
                if metrics:
                    self.call.log_metrics({k if k.endswith("_step") else f"{k}_step": v for k, v in metrics.items()},
                                          step=step)

    return AutologCallback, AutologStepCallback


def make_callback(call: TrainingCall) -> Any:
    epoch_class, step_class = callback_classes(package_of(call.instance))
    every = call.config.get("log_every_n_steps")
    if every:
        callback = step_class(call)
        callback.every_n_steps = int(every)
        return callback
    return epoch_class(call)
