"""``trainer.test()`` / ``trainer.validate()`` after an autologged fit: their metrics go into that fit's run.

Decision: into the fit's run (the run is usually over by then: logged by run id through
``TrackingClient.log_metrics``), not a new run. The test metrics of a trained model describe that
model, and a user of Lightning's own loggers (CSV, TensorBoard, MLflow) sees them beside the
training curves of the same logger version / run.

- Which run: the run of the fit that trained the module being evaluated (the ``model`` argument, or
  the trainer's module when none is given, as ``trainer.test(ckpt_path="best")``); for a module
  autolog did not train (one loaded from a checkpoint), the run of this trainer's last logged fit.
  Neither: nothing is logged.
- Names: exactly the keys Lightning returns and prints (what ``self.log`` named them in
  ``test_step`` / ``validation_step``: ``test_loss``, ``val_acc``; with several dataloaders
  ``test_loss/dataloader_idx_0``), as Lightning's loggers record them.
- ``step``: the number of epochs the fit trained (``trainer.current_epoch`` after it), so they
  follow the per-epoch history (epochs 0..n-1); a ``val_loss`` from ``validate()`` adds one point
  after the fit's own ``val_loss`` curve.

Only global rank 0 logs. Calls inside a fit log nothing here. An error while logging is one
AutologWarning, never an error of ``test``/``validate``; their results reach the user unchanged.
"""
from __future__ import annotations

import threading
import weakref
from typing import Any, NamedTuple

from autolog import TrackingClient, TrainingCall
from autolog.safety import report
from autolog.session import in_training

from . import ranks

METHODS = ("test", "validate")
WHILE_LOGGING = "logging test/validate metrics"


class _Owner(NamedTuple):
    client: TrackingClient
    run_id: str
    step: int
    integration: str
    silent: bool


_owners: dict[int, tuple[Any, _Owner]] = {}
_clients: dict[str, TrackingClient] = {}
_lock = threading.Lock()


def remember(call: TrainingCall, model: Any) -> None:
    """After a logged fit: evaluations of ``model``, or on this trainer, belong to ``call.run_id``."""
    import tracking_core

    uri = tracking_core.get_tracking_uri()
    with _lock:
        client = _clients.get(uri)
        if client is None:
            client = _clients[uri] = TrackingClient(uri)
    owner = _Owner(client, call.run_id, int(call.instance.current_epoch), call.integration,
                   bool(call.config.get("silent", False)))
    for obj in (model, call.instance):
        if obj is not None:
            _keep(obj, owner)


def _keep(obj: Any, owner: _Owner) -> None:
    key = id(obj)
    with _lock:
        _owners[key] = (weakref.ref(obj, lambda _ref: _forget(key)), owner)


def _forget(key: int) -> None:
    with _lock:
        entry = _owners.get(key)
        if entry is not None and entry[0]() is None:
            del _owners[key]


def owner_of(obj: Any) -> _Owner | None:
    entry = _owners.get(id(obj))
    if entry is None or entry[0]() is not obj:
        return None
    return entry[1]


def evaluated_model(trainer: Any, args: tuple, kwargs: dict) -> Any:
    """The module ``test``/``validate`` ran: the ``model`` argument, else the trainer's own."""
    model = kwargs.get("model", args[0] if args else None)
    return model if model is not None else getattr(trainer, "lightning_module", None)


def result_metrics(results: Any) -> dict[str, float]:
    """The scalar metrics of every dataloader's result dict (keys are unique across dataloaders)."""
    from .callback import scalar_metrics

    found: dict[str, float] = {}
    for result in results or ():
        if isinstance(result, dict):
            found.update(scalar_metrics(result))
    return found


def evaluation_wrapper(wrapped: Any, instance: Any, args: tuple, kwargs: dict) -> Any:
    """The wrapper of ``Trainer.test`` and ``Trainer.validate``: the original once, then the metrics."""
    results = wrapped(*args, **kwargs)
    if in_training():
        return results
    owner = None
    try:
        owner = owner_of(evaluated_model(instance, args, kwargs)) or owner_of(instance)
        if owner is not None and ranks.trainer_rank_is_zero(instance) and ranks.env_rank_is_zero():
            metrics = result_metrics(results)
            if metrics:
                owner.client.log_metrics(owner.run_id, metrics, step=owner.step)
    except Exception as exc:
        report(owner.integration if owner else "lightning", exc, WHILE_LOGGING, owner.silent if owner else False)
    return results
