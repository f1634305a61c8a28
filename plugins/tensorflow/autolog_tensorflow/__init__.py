"""autolog-tensorflow: autologging for Keras 3 (``keras.Model.fit``; ``tf.keras`` is the same class).

Registers the integration ``tensorflow`` (alias ``keras``). It watches the ``keras`` module, so it
patches whether the user imports ``keras`` or reaches it through ``tf.keras``; ``Model.fit`` is
inherited from the backend trainer, so the patch is installed on ``keras.Model`` (every
Sequential, functional and subclassed model) and removed with ``delattr`` on disable.

Each outermost fit logs: the fit and optimizer params, EarlyStopping params and metrics, per-epoch
metrics (``step`` = epoch) from a callback appended to a *copy* of the user's callbacks list,
optional per-batch metrics every ``log_every_n_steps`` batches (keys suffixed ``_step``),
``model_summary.txt`` at training start and the model with its signature: a ``.keras`` file, or
for a ``keras.Model`` subclass without ``get_config()`` its weights and what rebuilds them (tag
``keras_saved_weights_only``; see ``autolog_tensorflow.flavor``). ``model.evaluate()`` on a model
after its logged fit logs ``eval_<metric>`` into that fit's run (``autolog_tensorflow.evaluation``).
Nothing here imports TensorFlow or Keras at import time, and TensorBoard is never needed.

Options of its own: ``log_every_epoch`` (bool), ``log_every_n_steps`` (an integer >= 1 or None),
``max_model_size_mb`` (a number >= 0); a bad value is refused at the ``autolog()`` call.
"""
from __future__ import annotations

from typing import Any

from autolog import ArtifactToLog, Integration, ModelToLog, TrainingCall, hookimpl
from autolog import option_checks as checks

from . import fit_args, params
from .flavor import FLAVOR, requirements

NAME = "tensorflow"
OPTIONS: dict[str, Any] = {"log_every_epoch": True, "log_every_n_steps": None, "max_model_size_mb": 2048}
OPTION_CHECKS = {"log_every_epoch": checks.boolean, "log_every_n_steps": checks.optional(checks.positive_int),
                 "max_model_size_mb": checks.non_negative_number}
TAG_WEIGHTS_ONLY = "keras_saved_weights_only"


def patch(module, patcher) -> None:
    """Called once ``keras`` is imported (and again after re-enabling)."""
    from .evaluation import evaluate_wrapper

    patcher.wrap_training(module.Model, "fit")
    patcher.wrap(module.Model, "evaluate", evaluate_wrapper)


@hookimpl
def autolog_register_integrations(register) -> None:
    register(Integration(name=NAME, modules=("keras",), patch=patch, aliases=("keras",), options=dict(OPTIONS),
                         option_checks=dict(OPTION_CHECKS)))


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
def autolog_run_ended(call: TrainingCall, status: str) -> None:
    if call.integration == NAME and status == "FINISHED" and call.result is not None:
        from .evaluation import remember

        remember(call)


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
def autolog_collect_tags(call: TrainingCall) -> dict[str, str] | None:
    """Say in the run when the model will be saved as weights only (and why)."""
    if call.integration != NAME or not call.config.get("log_models"):
        return None
    from .flavor import NOTE_FILE, weights_only_reason

    reason = weights_only_reason(call.instance)
    if reason is None or _too_large(call):  # a model too large is not saved at all (and says so)
        return None
    return {TAG_WEIGHTS_ONLY: f"{reason}; see model/{NOTE_FILE}"}


def _too_large(call: TrainingCall) -> bool:
    limit_mb, size = call.config.get("max_model_size_mb"), weights_size(call.instance)
    return limit_mb is not None and size is not None and size > limit_mb * 1024 * 1024


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
