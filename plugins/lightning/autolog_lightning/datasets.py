"""The Lightning data a run records beyond the fit's own arguments: a datamodule's loaders, and the
loaders ``trainer.test()`` / ``validate()`` evaluated after the fit.

The core records what ``fit`` was given by argument (``train_dataloaders`` as ``training``,
``val_dataloaders`` as ``eval``). A ``LightningDataModule`` (``datamodule=dm``, or in the
``train_dataloaders`` position) builds its loaders inside the fit, after ``setup``: calling
``dm.train_dataloader()`` beforehand would run user code before Lightning prepared it. So after the
fit, however it ended, the loaders the trainer actually used (``trainer.train_dataloader``,
``trainer.val_dataloaders``) are recorded as ``datamodule.train_dataloader`` (``training``) and
``datamodule.val_dataloader`` (``eval``), ``[i]``/``[key]`` added for a list or dict of loaders. A
``DataLoader`` is described without being iterated: the tensors of a ``TensorDataset``, else its
dataset's type, length and batch size (``tracking_core.lineage.datasets``).

After ``test()``/``validate()`` has logged metrics into a fit's run, the loaders it evaluated
(``trainer.test_dataloaders`` / ``val_dataloaders``) are recorded too. Decision: ``test()``'s
with context ``test``, ``validate()``'s with context ``eval`` (it is validation data, as the fit's
``val_dataloaders``; validating on those again records nothing new, the run already has them).
Names: the caller's variable given as ``dataloaders`` (``test_loader``), else ``dataloaders``; from a
datamodule ``datamodule.test_dataloader`` / ``datamodule.val_dataloader``; from the module's own
hooks ``test_dataloader`` / ``val_dataloader``. All through ``autolog.plugin.log_dataset_input``:
once per run and content, nothing with ``log_datasets=False``.
"""

from __future__ import annotations

from typing import Any

from autolog.plugin import TrainedRun, TrainingCall, caller_variable_name, log_dataset_input

FRAMEWORK_MODULES = ("lightning", "pytorch_lightning", "lightning_fabric", "torch")
CONTEXT_OF = {"test": "test", "validate": "eval"}
LOADERS_OF = {"test": "test_dataloaders", "validate": "val_dataloaders"}
HOOK_OF = {"test": "test_dataloader", "validate": "val_dataloader"}


def is_datamodule(value: Any) -> bool:
    """A ``LightningDataModule`` (by what it has: Lightning accepts one where loaders go)."""
    return (
        value is not None
        and callable(getattr(value, "train_dataloader", None))
        and callable(getattr(value, "setup", None))
        and not hasattr(value, "batch_size")  # a DataLoader
    )


def named_loaders(name: str, loaders: Any) -> list[tuple[str, Any]]:
    """(name, loader) of one loader, a list/tuple (``name[i]``) or a dict (``name[key]``) of them."""
    if loaders is None:
        return []
    if isinstance(loaders, dict):
        return [(f"{name}[{key}]", loader) for key, loader in loaders.items()]
    if isinstance(loaders, (list, tuple)):
        if len(loaders) == 1:
            return [(name, loaders[0])]
        return [(f"{name}[{position}]", loader) for position, loader in enumerate(loaders)]
    return [(name, loaders)]


def record_datamodule_loaders(call: TrainingCall) -> None:
    """After a fit given a datamodule: the train and val loaders the trainer used (module docstring)."""
    datamodule = call.argument("datamodule")
    if datamodule is None and is_datamodule(call.argument("train_dataloaders")):
        datamodule = call.argument("train_dataloaders")
    if datamodule is None:
        return
    trainer = call.instance
    for name, loaders, context in (
        ("datamodule.train_dataloader", getattr(trainer, "train_dataloader", None), "training"),
        ("datamodule.val_dataloader", getattr(trainer, "val_dataloaders", None), "eval"),
    ):
        for item_name, loader in named_loaders(name, loaders):
            log_dataset_input(call, loader, item_name, context)


def record_evaluated_loaders(run: TrainedRun, method: str, trainer: Any, args: tuple, kwargs: dict) -> None:
    """After ``test``/``validate`` logged metrics into ``run``: the loaders it evaluated."""
    given = kwargs.get("dataloaders", args[1] if len(args) > 1 else None)
    datamodule = kwargs.get("datamodule", args[4] if len(args) > 4 else None)
    if is_datamodule(given):
        datamodule, given = given, None
    if given is not None:
        name = caller_variable_name(given, skip=FRAMEWORK_MODULES) or "dataloaders"
    elif datamodule is not None:
        name = f"datamodule.{HOOK_OF[method]}"
    else:
        name = HOOK_OF[method]
    for item_name, loader in named_loaders(name, getattr(trainer, LOADERS_OF[method], None)):
        log_dataset_input(run, loader, item_name, CONTEXT_OF[method])
