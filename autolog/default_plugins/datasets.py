"""Default plugin: the datasets a training call was given, recorded as the run's dataset inputs.

For every autologged training call, before the framework runs (the data is as the user passed it),
the call's arguments are bound by name (``call.arguments``) and every argument holding data that
``tracking_core.lineage.datasets.describe_dataset`` knows (numpy, pandas, scipy sparse, torch, xgboost
``DMatrix``, lightgbm ``Dataset``, ``tf.data``) becomes one input of the run:

- name: the argument's name (``X``, ``dtrain``, ``validation_data``); an element of a list argument
  ``evals[eval]`` (xgboost's own label) or ``eval_set[1]`` (its position); where the call names its
  eval sets in a companion argument (lightgbm's ``valid_names``, ``eval_names``), that name, as the
  run's metrics (``valid-binary_logloss``) and MLflow name them;
- context by the argument's name: ``training`` for X, x, y, data, dtrain, train_set,
  train_dataloaders, datamodule, endog, exog; ``eval`` for eval_set, evals, valid_sets,
  validation_data, val_dataloaders. Other arguments are not looked at;
- features and targets form one dataset: ``X`` (or ``x``, ``exog``) with ``y`` (or ``endog``) is one
  input named after the features, ``y`` hashed into its digest; an eval pair ``(X_val, y_val)`` too;
- a model built on its data (statsmodels: ``OLS(endog, exog).fit()``): when ``fit`` has no data
  argument, the instance's ``endog``/``exog`` (the original pandas objects where kept).

An object given twice (xgboost's ``evals=[(dtrain, "train"), ...]``) is recorded once, with the
context it had first. A ``DataLoader`` over a map-style dataset is described by its structure only
(nothing is loaded). A Lightning ``datamodule`` builds its loaders inside the fit: the lightning
plugin records them after it (``autolog.plugin.log_dataset_input``). The digests recorded are noted
in ``autolog.run_datasets``, so a dataset seen again after training (a test set) is not recorded a
second time. With the option ``log_datasets=False`` nothing is described or recorded. Cost: one
description per dataset (about 0.06 ms for a 2,000 x 20 array, bounded on large data) and one
queued write per call; nothing when the tracking store cannot record inputs (a tracking server
without ``runs/log-inputs``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..hookspecs import hookimpl
from ..run_datasets import OPTION, note_recorded

if TYPE_CHECKING:
    from ..training_call import TrainingCall

TRAINING_ARGUMENTS = ("X", "x", "data", "dtrain", "train_set", "train_dataloaders", "datamodule", "exog", "y", "endog")
EVAL_ARGUMENTS = ("eval_set", "evals", "valid_sets", "validation_data", "val_dataloaders")
TARGETS_OF = {"X": "y", "x": "y", "data": "y", "exog": "endog"}
TARGET_ARGUMENTS = ("y", "endog")
NAMES_OF = {"valid_sets": "valid_names", "eval_set": "eval_names"}  # the user's names of the eval sets


def _describe(data: Any, name: str, context: str, targets: Any = None):
    from tracking_core.lineage.datasets import describe_dataset

    if data is None or isinstance(data, (str, bytes, int, float)):
        return None
    return describe_dataset(data, name=name, context=context, targets=targets)


def _pair(value: Any) -> tuple[Any, Any, str | None] | None:
    """(data, targets, label) of a tuple element: (X, y), (X, y, weights), (DMatrix, "name")."""
    if not isinstance(value, tuple) or not value:
        return None
    if len(value) == 2 and isinstance(value[1], str):
        return value[0], None, value[1]
    return value[0], value[1] if len(value) > 1 else None, None


def _given_names(value: Any, names: Any) -> list[str] | None:
    """The user's names of the eval sets in ``value``, one string for each; else None."""
    if not isinstance(value, (list, tuple)) or not isinstance(names, (list, tuple)) or len(names) != len(value):
        return None
    if not all(isinstance(n, str) and n for n in names) or len(set(names)) != len(names):
        return None
    return list(names)


def _eval_inputs(name: str, value: Any, names: Any = None) -> list[tuple[Any, str, Any]]:
    """(data, name, targets) of an eval argument: one dataset, a pair, or a list of either."""
    given = _given_names(value, names)
    pair = _pair(value)
    if pair is not None and name == "validation_data":
        return [(pair[0], name, pair[1])]
    if isinstance(value, (list, tuple)):
        found = []
        for position, item in enumerate(value):
            item_pair = _pair(item)
            if item_pair is not None:
                data, targets, label = item_pair
            else:
                data, targets, label = item, None, None
            if given is not None:
                found.append((data, given[position], targets))
                continue
            suffix = label if label is not None else str(position)
            found.append((data, name if len(value) == 1 and label is None else f"{name}[{suffix}]", targets))
        return found
    return [(value, name, None)]


def describe_call_datasets(call: TrainingCall) -> list:
    """The ``DatasetDescription`` of every dataset the call was given (see the module docstring)."""
    arguments = call.arguments
    described: list = []
    seen: set[int] = set()

    def add(data: Any, name: str, context: str, targets: Any = None) -> None:
        if data is None or id(data) in seen:
            return
        description = _describe(data, name, context, targets)
        if description is not None:
            seen.add(id(data))
            if targets is not None:
                seen.add(id(targets))
            described.append(description)

    present = {name: arguments.get(name) for name in TRAINING_ARGUMENTS if arguments.get(name) is not None}
    if not present:  # a model holding its data (statsmodels): its endog/exog
        model_data = getattr(call.instance, "data", None)
        for attribute, original in (("exog", "orig_exog"), ("endog", "orig_endog")):
            value = getattr(model_data, original, None)
            if value is None:
                value = getattr(call.instance, attribute, None) if hasattr(call.instance, "endog") else None
            if value is not None:
                present[attribute] = value
    for name, value in present.items():
        if name in TARGET_ARGUMENTS:
            continue
        target_name = TARGETS_OF.get(name)
        add(value, name, "training", present.get(target_name) if target_name else None)
    for name in TARGET_ARGUMENTS:  # targets without features (an ARIMA's endog)
        if name in present:
            add(present[name], name, "training")
    for name in EVAL_ARGUMENTS:
        value = arguments.get(name)
        if value is not None:
            for data, item_name, targets in _eval_inputs(name, value, arguments.get(NAMES_OF.get(name, ""))):
                add(data, item_name, "eval", targets)
    return described


@hookimpl(trylast=True)
def autolog_run_started(call: TrainingCall) -> None:
    log_inputs = getattr(call.tracker, "log_inputs", None)
    if log_inputs is None or not call.config.get(OPTION, True):
        return
    described = describe_call_datasets(call)
    note_recorded(call.run_id, described)
    if described:
        log_inputs(call.run_id, described)
