"""What a Lightning fit logs, as the integration's collectors (``autolog.plugin.Integration``).

``before_training`` adds autolog's callback to the trainer for this fit (``attach``), and
``after_training`` (``attach.restore_callbacks``, run however the fit ended) puts the trainer's
callbacks back. The rest is read from the trainer, the module and the callback's notes in
``call.state`` after the fit.
"""

from __future__ import annotations

import os
from typing import Any

from autolog.plugin import ArtifactToLog, ModelToLog, TrainingCall

from . import attach, params
from .flavor import FLAVOR, requirements


def before_training(call: TrainingCall) -> None:
    from .callback import make_callback

    attach.add_callback(call, make_callback(call))


def collect_params(call: TrainingCall) -> dict[str, Any]:
    # the module's (and datamodule's) saved hyperparameters first: autolog's own keys win a clash
    found: dict[str, Any] = params.hyperparameters(attach.fit_model(call), call.argument("datamodule"))
    found["epochs"] = call.instance.max_epochs
    found.update(call.state.get("optimizer_params") or params.optimizer_params(call.instance.optimizers))
    found.update(params.early_stopping_params(attach.user_callbacks(call)))
    return found


def collect_metrics(call: TrainingCall) -> dict[str, float]:
    found = params.early_stopping_metrics(attach.user_callbacks(call), call.state.get("epoch_metrics") or {})
    if not call.state.get("epoch_ended") and call.config.get("log_every_epoch", True):
        # No epoch ended in this process (the fit ran in spawned workers): the final metrics.
        from .callback import epoch_metrics

        found = {**epoch_metrics(call.instance.callback_metrics), **found}
    return found


def collect_artifacts(call: TrainingCall) -> list[ArtifactToLog]:
    found = []
    summary = call.state.get("summary")
    if summary and not call.state.get("summary_logged"):
        found.append(ArtifactToLog("model_summary.txt", content=summary))
    if call.config.get("log_models"):
        checkpoint = params.best_checkpoint(call.instance)
        if checkpoint:
            found.append(ArtifactToLog(f"checkpoints/{os.path.basename(checkpoint)}", local_path=checkpoint))
    return found


def collect_models(call: TrainingCall) -> list[ModelToLog] | None:
    model = attach.fit_model(call)
    if model is None:
        return None
    size = sum(t.numel() * t.element_size() for t in (*model.parameters(), *model.buffers()))
    return [ModelToLog(model, FLAVOR, requirements=requirements(type(call.instance)), size_bytes=size)]


def after_training(call: TrainingCall, status: str) -> None:
    attach.restore_callbacks(call)
    from .datasets import record_datamodule_loaders
    from .evaluation import remember

    remember(call, status)
    record_datamodule_loaders(call)
