"""The Lightning callback autolog adds to a Trainer for one fit.

It subclasses the ``Callback`` of the package the Trainer comes from (``lightning.pytorch`` or
``pytorch_lightning``). At train start it records the optimizer params and logs
``model_summary.txt``; after each training epoch (validation has run by then) it logs the
scalar ``trainer.callback_metrics`` with ``step`` = epoch (for a metric logged both per step and
per epoch, only its ``_epoch`` half). ``on_train_batch_end`` exists only on the subclass used
with ``log_every_n_steps``. Logging only enqueues to the batching writer, and an error while
building or logging the metrics is reported (``call.guarded``), never raised into the training
loop.

Pickling: spawn-based strategies (``ddp_spawn``) pickle the Trainer, callbacks included, into
child processes. The classes are therefore module-level attributes with stable names (created
once per ``Callback`` base, on first use, also when an unpickler asks this module for them), and
a pickled callback leaves its ``TrainingCall`` behind: a copy in another process is inert and
logs nothing. The parent's run gets what the parent can see once the children are done.
"""

from __future__ import annotations

import importlib
import threading
from typing import Any

from autolog.plugin import TrainingCall

from .params import optimizer_params

SUMMARY_FILE = "model_summary.txt"
PACKAGES = ("lightning.pytorch", "pytorch_lightning")
WHILE_LOGGING_METRICS = "logging per-iteration metrics"
_classes: dict[str, tuple[type, type]] = {}
_lock = threading.Lock()


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


def step_metrics(metrics: dict[str, Any]) -> dict[str, float]:
    """Scalar logged metrics (without ``epoch``), each key suffixed ``_step`` once."""
    found = scalar_metrics(metrics)
    found.pop("epoch", None)
    return {k if k.endswith("_step") else f"{k}_step": v for k, v in found.items()}


def logged_at_this_step(trainer: Any, epoch_keys: set[str]) -> dict[str, Any]:
    """What the module logged on step in the training loop (``self.log(..., on_step=True)``).

    ``trainer.logged_metrics`` keeps every value logged so far, epoch-level ones too (``val_loss``,
    ``train_loss_epoch``), and is refreshed only every ``Trainer(log_every_n_steps)`` steps, after the
    batch hooks: logging it at each step re-logs stale epoch values under ``*_step`` names. The
    training loop's results, asked for their step values, are what Lightning hands its own loggers
    at this step; where they cannot be read (a Lightning without ``Trainer._results``), the logged
    metrics without the keys seen at epoch ends (``epoch_keys``) and Lightning's ``*_epoch`` halves.
    """
    results = getattr(trainer, "_results", None)
    if results is not None:
        try:
            logged = results.metrics(True)["log"]
        except Exception:
            logged = None
        if isinstance(logged, dict):
            return logged
    return {k: v for k, v in trainer.logged_metrics.items() if k not in epoch_keys and not k.endswith("_epoch")}


class _EpochLogging:
    """The behaviour of ``AutologCallback``; mixed in before the package's ``Callback``."""

    package = "lightning.pytorch"

    def __init__(self, call: TrainingCall | None) -> None:
        super().__init__()
        self.call: TrainingCall | None = call
        self._epoch_keys: set[str] = set()  # metrics seen at epoch ends (step logging leaves them out)
        if call is not None:
            call.state["epoch_metrics"] = {}

    def __getstate__(self) -> dict[str, Any]:
        """Pickled (into a spawned process, or deep-copied): without the call, so the copy is inert."""
        state = dict(self.__dict__)
        state["call"] = None
        return state

    def on_train_start(self, trainer: Any, pl_module: Any) -> None:
        call = self.call
        if call is None:
            return
        with call.guarded(f"logging {SUMMARY_FILE}"):
            call.state["optimizer_params"] = optimizer_params(trainer.optimizers)
            summary_class = importlib.import_module(f"{self.package}.utilities.model_summary").ModelSummary
            call.state["summary"] = summary = str(summary_class(pl_module, max_depth=-1))
            call.log_text(summary, SUMMARY_FILE)
            call.state["summary_logged"] = True

    def on_train_epoch_end(self, trainer: Any, pl_module: Any) -> None:
        call = self.call
        if call is None or trainer.sanity_checking:
            return
        call.state["epoch_ended"] = True
        if not call.config.get("log_every_epoch", True):
            return
        with call.guarded(WHILE_LOGGING_METRICS):
            metrics = epoch_metrics(trainer.callback_metrics)
            self._epoch_keys.update(k for k in metrics if not k.endswith("_step"))
            call.state["epoch_metrics"][trainer.current_epoch] = metrics
            if metrics:
                call.log_metrics(metrics, step=trainer.current_epoch)


class _StepLogging:
    """The extra behaviour of ``AutologStepCallback``: step metrics every ``every_n_steps`` training steps.

    A training step is a batch after which the optimizers stepped (``global_step`` grew), however
    many optimizers there are: with two optimizers ``global_step`` grows by two a batch, and MLflow
    and Lightning's own loggers count training steps too. The metrics' ``step`` is that count.
    """

    every_n_steps = 1
    _training_steps = 0
    _last_global_step: int | None = None

    def on_train_start(self, trainer: Any, pl_module: Any) -> None:
        super().on_train_start(trainer, pl_module)  # type: ignore[misc]
        optimizers = max(len(getattr(trainer, "optimizers", None) or ()), 1)
        self._last_global_step = trainer.global_step
        self._training_steps = trainer.global_step // optimizers  # a resumed fit goes on counting

    def on_train_batch_end(self, trainer: Any, pl_module: Any, outputs: Any, batch: Any, batch_idx: int) -> None:
        call = self.call  # type: ignore[attr-defined]
        if call is None:
            return
        global_step = trainer.global_step
        if global_step == self._last_global_step:
            return  # no optimizer stepped (gradient accumulation): not a training step
        self._last_global_step = global_step
        self._training_steps += 1
        step = self._training_steps
        if step % self.every_n_steps == 0:
            with call.guarded(WHILE_LOGGING_METRICS):
                metrics = step_metrics(logged_at_this_step(trainer, self._epoch_keys))  # type: ignore[attr-defined]
                if metrics:
                    call.log_metrics(metrics, step=step)


def class_names(package: str) -> tuple[str, str]:
    """The module attribute names of the epoch and the step callback class for ``package``."""
    suffix = package.replace(".", "_")
    return f"AutologCallback_{suffix}", f"AutologStepCallback_{suffix}"


def callback_classes(package: str) -> tuple[type, type]:
    """The (epoch, step) callback classes on ``package``'s ``Callback``, created once and kept here."""
    with _lock:
        found = _classes.get(package)
        if found is None:
            base = importlib.import_module(package).Callback
            epoch_name, step_name = class_names(package)
            epoch_class = type(
                epoch_name,
                (_EpochLogging, base),
                {
                    "__module__": __name__,
                    "__qualname__": epoch_name,
                    "package": package,
                    "__doc__": "Logs the model summary at train start and the epoch metrics after every training "
                    "epoch.",
                },
            )
            step_class = type(
                step_name,
                (_StepLogging, epoch_class),
                {
                    "__module__": __name__,
                    "__qualname__": step_name,
                    "__doc__": "Also logs the step metrics every ``log_every_n_steps`` optimizer steps.",
                },
            )
            globals()[epoch_name], globals()[step_name] = epoch_class, step_class
            found = _classes[package] = (epoch_class, step_class)
        return found


def __getattr__(name: str) -> type:
    """Create a callback class on first access by name (what ``pickle`` does in a new process)."""
    for package in PACKAGES:
        names = class_names(package)
        if name in names:
            return callback_classes(package)[names.index(name)]
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def make_callback(call: TrainingCall) -> Any:
    epoch_class, step_class = callback_classes(package_of(call.instance))
    every = call.config.get("log_every_n_steps")
    if every:
        callback = step_class(call)
        callback.every_n_steps = int(every)
        return callback
    return epoch_class(call)
