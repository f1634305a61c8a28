"""What a Keras fit logs, as the integration's collectors (``autolog.plugin.Integration``).

Read after training from the call's arguments (``call.argument``: bound against ``Model.fit``'s
signature, however they were passed), the model and the user's callbacks; nothing here runs while
the model trains. The per-epoch metrics come from the callback ``before_training`` adds to a *copy*
of the user's callbacks list (a prebuilt ``CallbackList`` is left alone: no per-epoch metrics then).
"""

from __future__ import annotations

from typing import Any

from autolog.plugin import ArtifactToLog, ModelToLog, TrainingCall, first_rows

from . import params
from .flavor import FLAVOR, requirements

TAG_WEIGHTS_ONLY = "keras_saved_weights_only"


STATE_EXAMPLE_ROWS = "tensorflow.example_rows"
STATE_OPTIMIZER_PARAMS = "tensorflow.optimizer_params"


def before_training(call: TrainingCall) -> None:
    from .callback import make_callback

    call.add_callback(make_callback(call))
    # The optimizer's configuration as the fit starts: a schedule callback (ReduceLROnPlateau)
    # changes the rate while training, and the param is what the user configured (the rate of each
    # epoch is a metric where a callback logs it). Read from the optimizer's config: no training.
    with call.guarded("reading the optimizer's params"):
        call.state[STATE_OPTIMIZER_PARAMS] = params.optimizer_params(call.instance)
    if call.config.get("log_models"):
        x = call.argument("x")
        if _is_table(x):  # copied before fit can change x: the signature and example describe x as passed
            call.state[STATE_EXAMPLE_ROWS] = first_rows(x)


def _is_table(data: Any) -> bool:
    return type(data).__module__.split(".", 1)[0] in ("numpy", "pandas")


def collect_params(call: TrainingCall) -> dict[str, Any]:
    found = params.fit_params(call)
    optimizer = call.state.get(STATE_OPTIMIZER_PARAMS)
    found.update(optimizer if optimizer is not None else params.optimizer_params(call.instance))
    found.update(params.early_stopping_params(params.user_callbacks(call)))
    return found


def collect_metrics(call: TrainingCall) -> dict[str, float]:
    found = params.early_stopping_metrics(params.user_callbacks(call))
    if "restored_epoch" in found:
        _log_restored_epoch(call, int(found["restored_epoch"]))
    return found


def _log_restored_epoch(call: TrainingCall, best: int) -> None:
    """EarlyStopping(restore_best_weights=True): the model saved is the best epoch's, so that epoch's
    values are logged once more, one step after the last epoch (as the XGBoost and LightGBM plugins
    do): the run's latest ``val_loss`` is the saved model's. Read from the fit's ``History``."""
    history = getattr(call.result, "history", None)
    epochs = getattr(call.result, "epoch", None)
    if not isinstance(history, dict) or not epochs or best not in epochs:
        return
    index = epochs.index(best)
    values = {key: series[index] for key, series in history.items() if len(series) > index}
    if values:
        call.log_metrics(values, step=max(epochs) + 1)


def collect_tags(call: TrainingCall) -> dict[str, str] | None:
    """Say in the run when the model will be saved as weights only (and why)."""
    if not call.config.get("log_models"):
        return None
    from .flavor import NOTE_FILE, weights_only_reason

    reason = weights_only_reason(call.instance)
    if reason is None or _too_large(call):  # a model too large is not saved at all (and says so)
        return None
    return {TAG_WEIGHTS_ONLY: f"{reason}; see model/{NOTE_FILE}"}


def _too_large(call: TrainingCall) -> bool:
    limit_mb, size = call.config.get("max_model_size_mb"), weights_size(call.instance)
    return limit_mb is not None and size is not None and size > limit_mb * 1024 * 1024


def collect_artifacts(call: TrainingCall) -> list[ArtifactToLog] | None:
    """The model summary, when the callback could not log it at train start."""
    summary = call.state.get("summary")
    if call.state.get("summary_logged") or not summary:
        return None
    return [ArtifactToLog("model_summary.txt", content=summary)]


def collect_models(call: TrainingCall) -> list[ModelToLog]:
    """The model; its signature's outputs are what the model returns for the first rows of x (what
    ``load_model(kind="predict")`` gives), not the training labels (an int64 class index is not the
    float32 probabilities of a softmax)."""
    head = call.state.get(STATE_EXAMPLE_ROWS)
    x = head if head is not None else call.argument("x")
    outputs = None
    if head is not None and call.config.get("log_model_signatures"):
        outputs = _predicted(call.instance, head)
    return [
        ModelToLog(
            call.instance,
            FLAVOR,
            signature_inputs=x,
            signature_outputs=outputs,
            input_example=x,
            requirements=requirements(),
            size_bytes=weights_size(call.instance),
        )
    ]


def _predicted(model: Any, rows: Any) -> Any:
    """The model's output for ``rows`` as one array; None when it is not one (several outputs) or the
    model cannot predict them (the signature then has inputs only)."""
    import numpy as np

    try:
        predicted = model.predict(rows, verbose=0)
    except Exception:
        return None
    return predicted if isinstance(predicted, np.ndarray) else None


def weights_size(model: Any) -> int | None:
    """Bytes of the model's weights, from shapes and dtypes (nothing is copied)."""
    import numpy as np

    try:
        return sum(int(np.prod(w.shape)) * np.dtype(str(w.dtype)).itemsize for w in model.weights)
    except Exception:
        return None
