"""The Keras callback autolog appends to a fit: model summary at start, metrics per epoch.

With ``log_every_epoch=False`` the last epoch's values are logged once at the end of training (at
that epoch's step); with ``log_every_n_steps`` the validation metrics (``val_*``, computed once per
epoch) are logged every epoch whatever ``log_every_epoch`` says.

It overrides ``on_train_batch_end`` only when ``log_every_n_steps`` is set: a callback with a
batch hook turns off Keras' asynchronous batch dispatch, so the default stays out of the hot loop.
Metrics go through ``TrainingCall.log_metrics``, which only enqueues them for the batching writer;
an error while building or logging them is reported (``call.guarded``) and never reaches the
training loop.
"""

from __future__ import annotations

from typing import Any

import keras

from autolog.plugin import TrainingCall

SUMMARY_FILE = "model_summary.txt"
WHILE_LOGGING_METRICS = "logging per-iteration metrics"


def epoch_metrics(logs: dict[str, Any]) -> dict[str, Any]:
    """The epoch logs Keras passes to ``on_epoch_end``, as metrics (non-numbers are dropped later)."""
    return dict(logs)


def step_metrics(logs: dict[str, Any]) -> dict[str, Any]:
    """The batch logs, keys suffixed ``_step``."""
    return {f"{key}_step": value for key, value in logs.items()}


def model_summary(model: Any) -> str:
    lines: list[str] = []

    def collect(text: str, *args: Any, **kwargs: Any) -> None:
        lines.append(text)

    model.summary(print_fn=collect)
    return "\n".join(lines)


class AutologCallback(keras.callbacks.Callback):
    """Logs the model summary when training starts and the epoch logs after every epoch."""

    # With log_every_n_steps, the validation metrics (val_*) exist only per epoch: logged every epoch
    # even when log_every_epoch=False, else the run would have no validation curve at all.
    validation_every_epoch = False

    def __init__(self, call: TrainingCall):
        super().__init__()
        self.call = call
        self.every_epoch = bool(call.config.get("log_every_epoch", True))
        self.last: tuple[int, dict[str, Any]] | None = None  # (epoch, its logs) when not every epoch

    def on_train_begin(self, logs: dict | None = None) -> None:
        with self.call.guarded(f"logging {SUMMARY_FILE}"):
            self.call.state["summary"] = summary = model_summary(self.model)
            self.call.log_text(summary, SUMMARY_FILE)
            self.call.state["summary_logged"] = True

    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
        with self.call.guarded(WHILE_LOGGING_METRICS):
            if not logs:
                return
            if self.every_epoch:
                self.call.log_metrics(epoch_metrics(logs), step=epoch)
                return
            self.last = (epoch, dict(logs))
            if self.validation_every_epoch:
                validation = {key: value for key, value in logs.items() if key.startswith("val_")}
                if validation:
                    self.call.log_metrics(epoch_metrics(validation), step=epoch)

    def on_train_end(self, logs: dict | None = None) -> None:
        """With ``log_every_epoch=False``, the last epoch's values once, at its step (as XGBoost's
        ``log_every_iteration=False`` does): the run's metrics are never empty."""
        if self.last is None:
            return
        with self.call.guarded(WHILE_LOGGING_METRICS):
            epoch, final = self.last
            if self.validation_every_epoch:  # already logged at this step
                final = {key: value for key, value in final.items() if not key.startswith("val_")}
            if final:
                self.call.log_metrics(epoch_metrics(final), step=epoch)


class AutologStepCallback(AutologCallback):
    """Also logs the batch logs every ``log_every_n_steps`` batches (keys suffixed ``_step``)."""

    validation_every_epoch = True

    def __init__(self, call: TrainingCall, every_n_steps: int):
        super().__init__(call)
        self.every_n_steps = every_n_steps
        self.global_step = 0

    def on_train_batch_end(self, batch: int, logs: dict | None = None) -> None:
        self.global_step += 1
        if logs and self.global_step % self.every_n_steps == 0:
            with self.call.guarded(WHILE_LOGGING_METRICS):
                self.call.log_metrics(step_metrics(logs), step=self.global_step)


def make_callback(call: TrainingCall) -> AutologCallback:
    every = call.config.get("log_every_n_steps")
    if every:
        return AutologStepCallback(call, int(every))
    return AutologCallback(call)
