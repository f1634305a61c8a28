"""``trainer.test()`` / ``trainer.validate()`` after an autologged fit: their metrics go into that fit's run.

Decision: into the fit's run (the run is usually over by then: logged by run id, through
``autolog.plugin.remember_run``/``run_of``), not a new run. The test metrics of a trained model describe that
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

The loaders evaluated are recorded as dataset inputs of that run (``test`` for ``test()``,
``eval`` for ``validate()``; see ``autolog_lightning.datasets``).

Only global rank 0 logs. Calls inside a fit log nothing here. An error while logging is one
AutologWarning, never an error of ``test``/``validate``; their results reach the user unchanged.
"""

from __future__ import annotations

from typing import Any

from autolog.plugin import TrainingCall, remember_run, run_of

from . import datasets, ranks
from .attach import fit_model

METHODS = ("test", "validate")
WHILE_LOGGING = "logging test/validate metrics"


def remember(call: TrainingCall, status: str) -> None:
    """After a logged fit: evaluations of its module, or on this trainer, belong to ``call.run_id``."""
    if status != "FINISHED":
        return
    step = int(call.instance.current_epoch)
    for obj in (fit_model(call), call.instance):
        if obj is not None:
            remember_run(obj, call, step=step)


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


def log_evaluation(method: str, results: Any, trainer: Any, args: tuple, kwargs: dict) -> None:
    """After ``Trainer.test``/``validate`` (``method``) outside a fit: the metrics into the trained
    module's run, and the loaders evaluated as its dataset inputs."""
    run = run_of(evaluated_model(trainer, args, kwargs)) or run_of(trainer)
    if run is not None and ranks.trainer_rank_is_zero(trainer) and ranks.env_rank_is_zero():
        metrics = result_metrics(results)
        run.log_metrics(metrics)
        if metrics:
            datasets.record_evaluated_loaders(run, method, trainer, args, kwargs)
