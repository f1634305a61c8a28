"""The hooks autolog calls. Every plugin, ours included, implements some of them.

Hook functions here are docstrings only; ``plugins/README.md`` documents each with an example.
Arguments are passed by name, so an implementation may accept only those it needs.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import pluggy

if TYPE_CHECKING:
    from tracking_core.lineage.datasets import DataSummary

    from .integration import Integration
    from .training_call import ArtifactToLog, ModelToLog, TrainingCall

hookspec = pluggy.HookspecMarker("autolog")
hookimpl = pluggy.HookimplMarker("autolog")


# -- discovery ----------------------------------------------------------------------------------
@hookspec
def autolog_register_integrations(register: Callable[[Integration], None]) -> None:
    """Call ``register(Integration(...))`` once for each framework integration this plugin provides."""


@hookspec
def autolog_register_flavors(register: Callable[[Any], None]) -> None:
    """Call ``register(flavor)`` for each model flavor this plugin can save (see ``autolog.flavors``)."""


@hookspec(firstresult=True)
def autolog_describe_dataset(data: Any) -> DataSummary | None:
    """A ``DataSummary`` of ``data`` when it is one of this plugin's framework's data types (an
    XGBoost ``DMatrix``, a ``tf.data.Dataset``), else None; the first answer wins. Asked only for
    types the core does not describe itself (numpy, pandas, scipy sparse). Build the summary with
    the helpers of ``autolog.plugin`` (``new_digest``, ``hash_array``, ``summarize``...); never
    iterate or consume the data."""


# -- around a training call -------------------------------------------------------------------------
@hookspec
def autolog_before_training(call: TrainingCall) -> None:
    """A patched training call is about to run and will be logged; ``call.kwargs`` may be
    replaced by a copy (for example to append a logging callback to a new callbacks list)."""


@hookspec
def autolog_collect_params(call: TrainingCall) -> dict[str, Any] | None:
    """Params of a finished training call (values are turned into strings)."""


@hookspec
def autolog_collect_metrics(call: TrainingCall) -> dict[str, float] | None:
    """Final metrics of a finished training call; a value that is not a finite-or-nan number is skipped."""


@hookspec
def autolog_collect_tags(call: TrainingCall) -> dict[str, Any] | None:
    """Tags of a finished training call."""


@hookspec
def autolog_collect_artifacts(call: TrainingCall) -> list[ArtifactToLog] | None:
    """Files to store with the run of a finished training call."""


@hookspec
def autolog_collect_models(call: TrainingCall) -> list[ModelToLog] | None:
    """Models to save with the run (only asked when the call's config has ``log_models=True``)."""


# -- lifecycle ----------------------------------------------------------------------------------------
@hookspec
def autolog_run_started(call: TrainingCall) -> None:
    """Autologging is about to log a training call into ``call.run_id`` (created or the user's)."""


@hookspec
def autolog_step_metrics(call: TrainingCall, metrics: dict[str, float], step: int) -> None:
    """Per-step metrics were logged while training runs (epoch, iteration)."""


@hookspec
def autolog_run_ended(call: TrainingCall, status: str) -> None:
    """The training call ended with ``status`` (FINISHED, FAILED, KILLED); its data is logged."""
