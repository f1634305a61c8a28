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
after its logged fit logs ``eval_<metric>`` into that fit's run, and its data as a ``test``
dataset input (``autolog_tensorflow.evaluation``).
Nothing here imports TensorFlow or Keras at import time, and TensorBoard is never needed.

Options of its own: ``log_every_epoch`` (bool; False logs the last epoch's values once, at the
end), ``log_every_n_steps`` (an integer >= 1 or None; the ``val_*`` metrics are then logged every
epoch whatever ``log_every_epoch`` says), ``max_model_size_mb`` (a number >= 0); a bad value is
refused at the ``autolog()`` call. The optimizer params are read as the fit starts (a schedule
callback changes the rate during training); with ``EarlyStopping(restore_best_weights=True)`` the
restored epoch's values are logged once more after the last epoch. The signature's outputs are
the model's output for the first rows of ``x``.
"""

from __future__ import annotations

from typing import Any

from autolog.plugin import Integration, Patcher, hookimpl, post_training_wrapper
from autolog.plugin import option_checks as checks

from . import collect, dataset_description, evaluation
from .collect import TAG_WEIGHTS_ONLY, weights_size
from .flavor import FLAVOR

NAME = "tensorflow"
OPTIONS: dict[str, Any] = {"log_every_epoch": True, "log_every_n_steps": None, "max_model_size_mb": 2048}
OPTION_CHECKS = {
    "log_every_epoch": checks.boolean,
    "log_every_n_steps": checks.optional(checks.positive_int),
    "max_model_size_mb": checks.non_negative_number,
}


def patch(module: Any, patcher: Patcher) -> None:
    """Called once ``keras`` is imported (and again after re-enabling)."""
    patcher.wrap_training(module.Model, "fit")
    patcher.wrap(
        module.Model, "evaluate", post_training_wrapper(NAME, evaluation.log_evaluation, evaluation.WHILE_LOGGING)
    )


INTEGRATION = Integration(
    name=NAME,
    modules=("keras",),
    patch=patch,
    aliases=("keras",),
    options=dict(OPTIONS),
    option_checks=dict(OPTION_CHECKS),
    flavors=(FLAVOR,),
    before_training=collect.before_training,
    collect_params=collect.collect_params,
    collect_metrics=collect.collect_metrics,
    collect_tags=collect.collect_tags,
    collect_artifacts=collect.collect_artifacts,
    collect_models=collect.collect_models,
    after_training=evaluation.remember,
)


@hookimpl
def autolog_register_integrations(register: Any) -> None:
    register(INTEGRATION)


__all__ = ["INTEGRATION", "NAME", "TAG_WEIGHTS_ONLY", "weights_size"]


@hookimpl
def autolog_describe_dataset(data: Any) -> Any:
    """The run's description of this framework's data types (``dataset_description``)."""
    return dataset_description.describe(data)
