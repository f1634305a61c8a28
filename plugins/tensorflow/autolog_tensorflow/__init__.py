"""autolog-tensorflow: autologging for Keras 3 (``keras.Model.fit``; ``tf.keras`` is the same class).

Registers the integration ``tensorflow`` (alias ``keras``). It watches the ``keras`` module, so it
patches whether the user imports ``keras`` or reaches it through ``tf.keras``; ``Model.fit`` is
inherited from the backend trainer, so the patch is installed on ``keras.Model`` (every
Sequential, functional and subclassed model) and removed with ``delattr`` on disable.

Each outermost fit logs: the fit and optimizer params, EarlyStopping params and metrics, per-epoch
metrics (``step`` = epoch) from a callback appended to a *copy* of the user's callbacks list,
optional per-batch metrics every ``log_every_n_steps`` batches (keys suffixed ``_step``),
``model_summary.txt`` at training start and the model as a ``.keras`` file with its signature.
Nothing here imports TensorFlow or Keras at import time, and TensorBoard is never needed.
"""
from __future__ import annotations

from typing import Any

from autolog import ArtifactToLog, Integration, ModelToLog, TrainingCall, hookimpl

from . import fit_args, params
from .flavor import FLAVOR, requirements

NAME = "tensorflow"
OPTIONS: dict[str, Any] = {"log_every_epoch": True, "log_every_n_steps": None, "max_model_size_mb": 2048}


def patch(module, patcher) -> None:
    """Called once ``keras`` is imported (and again after re-enabling)."""
    patcher.wrap_training(module.Model, "fit")


@hookimpl
def autolog_register_integrations(register) -> None:
    register(Integration(name=NAME, modules=("keras",), patch=patch, aliases=("keras",), options=dict(OPTIONS)))


@hookimpl
def autolog_register_flavors(register) -> None:
    register(FLAVOR)


@hookimpl
def autolog_before_training(call: TrainingCall) -> None:
    if call.integration != NAME:
        return None
    from .callback import make_callback

    fit_args.add_callback(call, make_callback(call))
    return None


@hookimpl
def autolog_collect_params(call: TrainingCall) -> dict[str, Any] | None:
    if call.integration != NAME:
        return None
    found = params.fit_params(call)
    found.update(params.optimizer_params(call.instance))
    found.update(params.early_stopping_params(fit_args.user_callbacks(call)))
    return found


@hookimpl
def autolog_collect_metrics(call: TrainingCall) -> dict[str, float] | None:
    if call.integration != NAME:
        return None
    return params.early_stopping_metrics(fit_args.user_callbacks(call))


@hookimpl
def autolog_collect_artifacts(call: TrainingCall) -> list[ArtifactToLog] | None:
    if call.integration != NAME or call.state.get("summary_logged"):
        return None
    summary = call.state.get("summary")
    return [ArtifactToLog("model_summary.txt", content=summary)] if summary else None


@hookimpl
def autolog_collect_models(call: TrainingCall) -> list[ModelToLog] | None:
    if call.integration != NAME:
        return None
    x, y = fit_args.get(call, "x"), fit_args.get(call, "y")
    return [ModelToLog(call.instance, FLAVOR, signature_inputs=x, signature_outputs=y, input_example=x,
                       requirements=requirements(), size_bytes=weights_size(call.instance))]


def weights_size(model: Any) -> int | None:
    """Bytes of the model's weights, from shapes and dtypes (nothing is copied)."""
    import numpy as np

    try:
        return sum(int(np.prod(w.shape)) * np.dtype(str(w.dtype)).itemsize for w in model.weights)
    except Exception:
        return None
