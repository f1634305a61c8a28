"""autolog-lightning: autologging for PyTorch Lightning's ``Trainer.fit``.

Registers the integration ``lightning`` (alias ``pytorch_lightning``), patching ``Trainer.fit``
in both ``lightning.pytorch`` and ``pytorch_lightning`` (two distinct classes). Each outermost
fit logs: ``epochs`` and the optimizers' params, EarlyStopping params and metrics, per-epoch
metrics from the trainer's ``callback_metrics`` (what ``self.log`` produced; ``step`` = epoch),
optional per-step metrics every ``log_every_n_steps`` steps (keys suffixed ``_step``),
``model_summary.txt`` when training starts, the model (state dict, plus the class and its
hyperparameters to rebuild it when the class is importable) and, when a ModelCheckpoint saved
one and ``log_models`` is on, the best checkpoint under ``checkpoints/``.

The logging callback is added to ``trainer.callbacks`` for the duration of the fit only: the
trainer's callbacks list (the same object) is put back afterwards, on success and on errors;
loggers are never touched. EarlyStopping adds ``stopped_epoch`` and ``best_epoch`` (Lightning
restores no weights, so there is no ``restored_epoch``).

``trainer.test()`` and ``trainer.validate()`` after a logged fit log their metrics, named as
Lightning returns them (``test_loss``, ``val_acc``), into that fit's run, with ``step`` = the
number of epochs trained (see ``autolog_lightning.evaluation`` for which run and why).

Options of its own: ``log_every_epoch`` (bool), ``log_every_n_steps`` (an integer >= 1 or None),
``max_model_size_mb`` (a number >= 0); a bad value is refused at the ``autolog()`` call.

Distributed fits: only global rank 0 logs (``ranks.should_log``, the integration's veto: with
``strategy="ddp"`` the other ranks re-run the script and train unlogged). With a spawn-based
strategy (``ddp_spawn``) the callback is pickled into the workers as an inert copy; the parent's
run gets what the parent can see: ``epochs`` and EarlyStopping params (not the optimizers, built in
the workers only), the final ``callback_metrics`` Lightning sends back (one value per key, no
per-epoch history), the best checkpoint and the model with the trained weights.
"""
from __future__ import annotations

import os
from typing import Any

from autolog import ArtifactToLog, Integration, ModelToLog, TrainingCall, hookimpl
from autolog import option_checks as checks

from . import attach, params, ranks
from .flavor import FLAVOR, requirements

NAME = "lightning"
OPTIONS: dict[str, Any] = {"log_every_epoch": True, "log_every_n_steps": None, "max_model_size_mb": 2048}
OPTION_CHECKS = {"log_every_epoch": checks.boolean, "log_every_n_steps": checks.optional(checks.positive_int),
                 "max_model_size_mb": checks.non_negative_number}


def patch(module, patcher) -> None:
    """Called once ``lightning.pytorch`` or ``pytorch_lightning`` is imported."""
    from .evaluation import METHODS, evaluation_wrapper

    patcher.wrap_training(module.Trainer, "fit")
    for method in METHODS:
        patcher.wrap(module.Trainer, method, evaluation_wrapper)


@hookimpl
def autolog_register_integrations(register) -> None:
    register(Integration(name=NAME, modules=("lightning.pytorch", "pytorch_lightning"), patch=patch,
                         aliases=("pytorch_lightning",), options=dict(OPTIONS), should_log=ranks.should_log,
                         option_checks=dict(OPTION_CHECKS)))


@hookimpl
def autolog_register_flavors(register) -> None:
    register(FLAVOR)


@hookimpl
def autolog_before_training(call: TrainingCall) -> None:
    if call.integration != NAME:
        return None
    from .callback import make_callback

    attach.add_callback(call, make_callback(call))
    return None


@hookimpl
def autolog_run_ended(call: TrainingCall, status: str) -> None:
    if call.integration == NAME:
        attach.restore_callbacks(call)
        if status == "FINISHED":
            from .evaluation import remember

            remember(call, attach.fit_model(call))


@hookimpl
def autolog_collect_params(call: TrainingCall) -> dict[str, Any] | None:
    if call.integration != NAME:
        return None
    found: dict[str, Any] = {"epochs": call.instance.max_epochs}
    found.update(call.state.get("optimizer_params") or params.optimizer_params(call.instance.optimizers))
    found.update(params.early_stopping_params(attach.user_callbacks(call)))
    return found


@hookimpl
def autolog_collect_metrics(call: TrainingCall) -> dict[str, float] | None:
    if call.integration != NAME:
        return None
    found = params.early_stopping_metrics(attach.user_callbacks(call), call.state.get("epoch_metrics") or {})
    if not call.state.get("epoch_ended") and call.config.get("log_every_epoch", True):
        # No epoch ended in this process (the fit ran in spawned workers): the final metrics.
        from .callback import epoch_metrics

        found = {**epoch_metrics(call.instance.callback_metrics), **found}
    return found


@hookimpl
def autolog_collect_artifacts(call: TrainingCall) -> list[ArtifactToLog] | None:
    if call.integration != NAME:
        return None
    found = []
    summary = call.state.get("summary")
    if summary and not call.state.get("summary_logged"):
        found.append(ArtifactToLog("model_summary.txt", content=summary))
    if call.config.get("log_models"):
        checkpoint = params.best_checkpoint(call.instance)
        if checkpoint:
            found.append(ArtifactToLog(f"checkpoints/{os.path.basename(checkpoint)}", local_path=checkpoint))
    return found


@hookimpl
def autolog_collect_models(call: TrainingCall) -> list[ModelToLog] | None:
    if call.integration != NAME:
        return None
    model = attach.fit_model(call)
    if model is None:
        return None
    size = sum(t.numel() * t.element_size() for t in (*model.parameters(), *model.buffers()))
    return [ModelToLog(model, FLAVOR, requirements=requirements(type(call.instance)), size_bytes=size)]
