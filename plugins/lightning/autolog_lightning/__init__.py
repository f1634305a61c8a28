"""autolog-lightning: autologging for PyTorch Lightning's ``Trainer.fit``.

Registers the integration ``lightning`` (alias ``pytorch_lightning``), patching ``Trainer.fit``
in both ``lightning.pytorch`` and ``pytorch_lightning`` (two distinct classes). Each outermost
fit logs: the module's ``save_hyperparameters()`` values, ``epochs`` and the optimizers' params,
EarlyStopping params and metrics, per-epoch metrics from the trainer's ``callback_metrics`` (what
``self.log`` produced; ``step`` = epoch), optional per-step metrics every ``log_every_n_steps``
training steps (what was logged on step at that step only; keys suffixed ``_step``; a training
step is a batch after which the optimizers stepped, however many optimizers there are),
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

Dataset inputs: the core records the loaders ``fit`` was given; a datamodule's loaders (built
inside the fit) and those ``test()``/``validate()`` evaluated are recorded by
``autolog_lightning.datasets``.

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

import functools
from typing import Any

from autolog.plugin import Integration, Patcher, hookimpl, post_training_wrapper
from autolog.plugin import option_checks as checks

from . import collect, dataset_description, evaluation, ranks
from .flavor import FLAVOR

NAME = "lightning"
OPTIONS: dict[str, Any] = {"log_every_epoch": True, "log_every_n_steps": None, "max_model_size_mb": 2048}
OPTION_CHECKS = {
    "log_every_epoch": checks.boolean,
    "log_every_n_steps": checks.optional(checks.positive_int),
    "max_model_size_mb": checks.non_negative_number,
}


def patch(module: Any, patcher: Patcher) -> None:
    """Called once ``lightning.pytorch`` or ``pytorch_lightning`` is imported."""
    patcher.wrap_training(module.Trainer, "fit")
    for method in evaluation.METHODS:
        log = functools.partial(evaluation.log_evaluation, method)
        patcher.wrap(module.Trainer, method, post_training_wrapper(NAME, log, evaluation.WHILE_LOGGING))


INTEGRATION = Integration(
    name=NAME,
    modules=("lightning.pytorch", "pytorch_lightning"),
    patch=patch,
    aliases=("pytorch_lightning",),
    options=dict(OPTIONS),
    option_checks=dict(OPTION_CHECKS),
    should_log=ranks.should_log,
    flavors=(FLAVOR,),
    before_training=collect.before_training,
    collect_params=collect.collect_params,
    collect_metrics=collect.collect_metrics,
    collect_artifacts=collect.collect_artifacts,
    collect_models=collect.collect_models,
    after_training=collect.after_training,
    mlflow_flavor="pytorch",  # MLflow autologs Lightning through mlflow.pytorch.autolog
)


@hookimpl
def autolog_register_integrations(register: Any) -> None:
    register(INTEGRATION)


@hookimpl
def autolog_describe_dataset(data: Any) -> Any:
    """The run's description of this framework's data types (``dataset_description``)."""
    return dataset_description.describe(data)
