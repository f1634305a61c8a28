"""Everything a plugin needs from autolog, in one public module (``plugins/README.md`` is the guide).

A plugin imports from here, ``autolog``, ``autolog.option_checks`` and ``tracking_core``'s top
level only (``make lint`` checks it with import-linter); the rest of autolog is its own business.

    from autolog.plugin import Integration, ModelToLog, PickleFlavor, hookimpl

    INTEGRATION = Integration(
        name="toy", modules=("toyframework",), patch=patch,
        collect_params=lambda call: call.instance.get_params(),
        collect_models=lambda call: [ModelToLog(call.instance, PickleFlavor("toyframework"))],
    )

    @hookimpl
    def autolog_register_integrations(register):
        register(INTEGRATION)
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from tracking_core import TAG_PARENT_RUN_ID, TAG_USER
from tracking_core import register_flush_waiter as wait_at_flush

from . import option_checks
from .call_helpers import signature_of
from .caller_names import caller_variable_name
from .dataset_kit import (
    SAMPLE_BYTES,
    DatasetDigest,
    DataSummary,
    file_source,
    hash_array,
    hash_file_sample,
    kind_of,
    new_digest,
    row_sample,
    summarize,
    tensor_schema,
)
from .example_rows import EXAMPLE_ROWS, first_rows
from .flavors import PICKLE_FILE, PickleFlavor
from .flavors import load_model as load_pickled_model
from .hookspecs import hookimpl
from .integration import COMMON_OPTIONS, Integration
from .library_calls import called_by_library
from .patching import Patcher
from .run_datasets import log_dataset_input
from .safety import AutologWarning, report, warn_once
from .session import TAG_AUTOLOGGING, current_call, in_training
from .trained_runs import TrainedRun, in_post_training, post_training_wrapper, remember_run, run_of
from .training_call import ArtifactToLog, ModelToLog, TrainingCall


def options(integration: str) -> Mapping[str, Any]:
    """The effective options of the integration named ``integration`` (read-only): its defaults,
    updated by the global ``autolog()`` call or its own ``autolog.<name>.autolog()`` call."""
    from .config import config
    from .plugin_manager import registry

    found = registry().get(integration)
    if found is None:
        raise KeyError(f"no integration {integration!r} is registered")
    return config.effective(found)


def integration_options(integration: Integration) -> Mapping[str, Any]:
    """``options`` for an ``Integration`` object (what a ``patch`` function has at hand)."""
    from .config import config

    return config.effective(integration)


def modules_owned_by_others(integration: str) -> frozenset[str]:
    """Top-level modules other registered integrations patch (so a generic one leaves them alone)."""
    from .plugin_manager import registry

    return frozenset(registry().modules_owned_by_others(integration))


__all__ = [
    "COMMON_OPTIONS",
    "EXAMPLE_ROWS",
    "PICKLE_FILE",
    "SAMPLE_BYTES",
    "TAG_AUTOLOGGING",
    "TAG_PARENT_RUN_ID",
    "TAG_USER",
    "ArtifactToLog",
    "AutologWarning",
    "DataSummary",
    "DatasetDigest",
    "Integration",
    "ModelToLog",
    "Patcher",
    "PickleFlavor",
    "TrainedRun",
    "TrainingCall",
    "called_by_library",
    "caller_variable_name",
    "current_call",
    "file_source",
    "first_rows",
    "hash_array",
    "hash_file_sample",
    "hookimpl",
    "in_post_training",
    "in_training",
    "integration_options",
    "kind_of",
    "load_pickled_model",
    "log_dataset_input",
    "modules_owned_by_others",
    "new_digest",
    "option_checks",
    "options",
    "post_training_wrapper",
    "remember_run",
    "report",
    "row_sample",
    "run_of",
    "signature_of",
    "summarize",
    "tensor_schema",
    "wait_at_flush",
    "warn_once",
]
