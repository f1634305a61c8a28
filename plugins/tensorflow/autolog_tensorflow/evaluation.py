"""``model.evaluate()`` after an autologged fit: its metrics go into that fit's run.

When a fit has been logged, the model is remembered (weakly: autolog never keeps a model alive)
with its run's id and tracking URI and the number of epochs trained. ``keras.Model.evaluate`` is
wrapped; a call on a remembered model logs the results into that run, ended or still open,
through ``TrackingClient.log_metrics`` by run id:

- names: ``eval_`` + the names ``model.evaluate(return_dict=True)`` gives (``eval_loss``,
  ``eval_mae``), as Hugging Face's ``Trainer.evaluate`` names them. Keras has no name for them;
  its ``val_`` prefix is for the validation data of ``fit`` and stays theirs;
- ``step``: the number of epochs trained, so they follow the per-epoch history (epochs 0..n-1);
  evaluating again logs at the same step (the history keeps each value, the run shows the last).

Evaluations Keras runs inside ``fit`` (validation data) and those of a model autolog did not
train (or trained with logging off) log nothing. An error while logging is one AutologWarning,
never an error of ``evaluate``.
"""
from __future__ import annotations

import threading
import weakref
from typing import Any, NamedTuple

from autolog import TrackingClient, TrainingCall
from autolog.safety import report
from autolog.session import in_training

PREFIX = "eval_"
WHILE_LOGGING = "logging evaluate() metrics"


class _Owner(NamedTuple):
    client: TrackingClient
    run_id: str
    step: int
    integration: str
    silent: bool


_owners: dict[int, tuple[Any, _Owner]] = {}
_clients: dict[str, TrackingClient] = {}
_lock = threading.Lock()


def epochs_trained(call: TrainingCall) -> int:
    """The epoch after the last one this fit ran (Keras counts epochs from ``initial_epoch``)."""
    epochs = getattr(call.result, "epoch", None)
    if epochs:
        return int(max(epochs)) + 1
    from . import fit_args

    return int(fit_args.get(call, "initial_epoch") or 0)


def remember(call: TrainingCall) -> None:
    """After a logged fit: ``call.instance``'s evaluations belong to ``call.run_id``."""
    import tracking_core

    model, key = call.instance, id(call.instance)
    uri = tracking_core.get_tracking_uri()
    with _lock:
        client = _clients.get(uri)
        if client is None:
            client = _clients[uri] = TrackingClient(uri)
        ref = weakref.ref(model, lambda _ref: _forget(key))
        _owners[key] = (ref, _Owner(client, call.run_id, epochs_trained(call), call.integration,
                                    bool(call.config.get("silent", False))))


def _forget(key: int) -> None:
    with _lock:
        entry = _owners.get(key)
        if entry is not None and entry[0]() is None:
            del _owners[key]


def owner_of(model: Any) -> _Owner | None:
    entry = _owners.get(id(model))
    if entry is None or entry[0]() is not model:
        return None
    return entry[1]


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


def evaluate_wrapper(wrapped: Any, instance: Any, args: tuple, kwargs: dict) -> Any:
    """The wrapper of ``keras.Model.evaluate``: the original once, then the metrics into the fit's run."""
    result = wrapped(*args, **kwargs)
    if in_training():
        return result
    owner = owner_of(instance)
    if owner is not None:
        try:
            metrics = {f"{PREFIX}{k}": v for k, v in result_metrics(instance, result).items()}
            if metrics:
                owner.client.log_metrics(owner.run_id, metrics, step=owner.step)
        except Exception as exc:
            report(owner.integration, exc, WHILE_LOGGING, owner.silent)
    return result
