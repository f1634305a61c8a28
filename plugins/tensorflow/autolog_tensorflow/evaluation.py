"""``model.evaluate()`` after an autologged fit: its metrics go into that fit's run.

When a fit has been logged, the model is remembered (``autolog.plugin.remember_run``: weakly,
autolog never keeps a model alive) with its run and the number of epochs trained.
``keras.Model.evaluate`` is wrapped (``post_training_wrapper``); a call on a remembered model logs
the results into that run, ended or still open, by run id:

- names: ``eval_`` + the names ``model.evaluate(return_dict=True)`` gives (``eval_loss``,
  ``eval_mae``), as Hugging Face's ``Trainer.evaluate`` names them. Keras has no name for them;
  its ``val_`` prefix is for the validation data of ``fit`` and stays theirs;
- ``step``: the number of epochs trained, so they follow the per-epoch history (epochs 0..n-1);
  evaluating again logs at the same step (the history keeps each value, the run shows the last).

The evaluated data (``x``, with ``y`` hashed into its digest) is recorded as a dataset input of
that run with context ``test``, named after the caller's variable (``x_test``), else ``x``
(``autolog.plugin.log_dataset_input``: once per run and content, so evaluating on the fit's
training or validation data leaves those as they were; not with ``log_datasets=False``).

Evaluations Keras runs inside ``fit`` (validation data) and those of a model autolog did not
train (or trained with logging off) log nothing. An error while logging is one AutologWarning,
never an error of ``evaluate``.
"""

from __future__ import annotations

from typing import Any

from autolog.plugin import TrainingCall, caller_variable_name, log_dataset_input, remember_run, run_of

PREFIX = "eval_"
FRAMEWORK_MODULES = ("keras", "tensorflow", "tf_keras")
WHILE_LOGGING = "logging evaluate() metrics"


def epochs_trained(call: TrainingCall) -> int:
    """The epoch after the last one this fit ran (Keras counts epochs from ``initial_epoch``)."""
    epochs = getattr(call.result, "epoch", None)
    if epochs:
        return int(max(epochs)) + 1
    return int(call.argument("initial_epoch") or 0)


def remember(call: TrainingCall, status: str) -> None:
    """After a logged fit (``after_training``): ``call.instance``'s evaluations belong to its run."""
    if status == "FINISHED" and call.result is not None:
        remember_run(call.instance, call, step=epochs_trained(call))


def result_metrics(model: Any, result: Any) -> dict[str, float]:
    """``{name: value}`` of what ``evaluate`` returned (a dict, a list or one number)."""
    logs = result if isinstance(result, dict) else model.get_metrics_result()
    found: dict[str, float] = {}
    for key, value in logs.items():
        try:
            found[str(key)] = float(value)
        except (TypeError, ValueError):
            continue
    return found


def log_evaluation(result: Any, model: Any, args: tuple, kwargs: dict) -> None:
    """After ``keras.Model.evaluate`` outside a fit: its metrics into the run of the model's fit."""
    run = run_of(model)
    if run is None:
        return
    metrics = result_metrics(model, result)
    run.log_metrics({f"{PREFIX}{k}": v for k, v in metrics.items()})
    if metrics:
        x = args[0] if args else kwargs.get("x")
        y = args[1] if len(args) > 1 else kwargs.get("y")
        name = caller_variable_name(x, skip=FRAMEWORK_MODULES) or "x"
        log_dataset_input(run, x, name, "test", targets=y)
