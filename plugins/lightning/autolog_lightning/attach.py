"""Adding autolog's callback to a Trainer for one fit, and putting its callbacks back afterwards.

Lightning reads callbacks from ``trainer.callbacks``, fixed when the Trainer is built. For a fit
we assign a new list (the user's callbacks plus ours) and afterwards restore the original list
object. If Lightning itself replaced the list during the fit (a LightningModule's
``configure_callbacks``), ours is filtered out of Lightning's list instead, as it would be
without autolog. The user's list is never mutated.
"""

from __future__ import annotations

from typing import Any

from autolog.plugin import TrainingCall

_ORIGINAL = "original_callbacks"
_WITH_OURS = "callbacks_with_ours"
_OURS = "autolog_callback"
FIT_ARGUMENTS = ("model", "train_dataloaders", "val_dataloaders", "datamodule", "ckpt_path", "weights_only")


def fit_model(call: TrainingCall) -> Any:
    """The LightningModule passed to ``Trainer.fit`` (positionally or by name)."""
    return call.argument("model")


def add_callback(call: TrainingCall, callback: Any) -> None:
    trainer = call.instance
    original = trainer.callbacks
    with_ours = [*original, callback]
    call.state.update({_ORIGINAL: original, _WITH_OURS: with_ours, _OURS: callback})
    trainer.callbacks = with_ours


def restore_callbacks(call: TrainingCall) -> None:
    """After the fit, however it ended: the trainer's callbacks as they were."""
    if _OURS not in call.state:
        return
    trainer, ours = call.instance, call.state.pop(_OURS)
    current = trainer.callbacks
    if current is call.state[_WITH_OURS]:
        trainer.callbacks = call.state[_ORIGINAL]
    elif any(c is ours for c in current):
        trainer.callbacks = [c for c in current if c is not ours]


def user_callbacks(call: TrainingCall) -> list[Any]:
    ours = call.state.get(_OURS)
    return [c for c in call.instance.callbacks if c is not ours]
