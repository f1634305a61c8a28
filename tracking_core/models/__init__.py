"""The model format (MLmodel directories), signatures and input examples."""

from __future__ import annotations

from .model_format import (
    MLMODEL_FILE,
    REQUIREMENTS_FILE,
    Flavor,
    ModelInfo,
    ModelLoadError,
    load_model_from_dir,
    pinned_requirements,
    read_mlmodel,
    save_model,
)
from .signature import infer_signature, input_example_payload, load_input_example

__all__ = [
    "MLMODEL_FILE",
    "REQUIREMENTS_FILE",
    "Flavor",
    "ModelInfo",
    "ModelLoadError",
    "infer_signature",
    "input_example_payload",
    "load_input_example",
    "load_model_from_dir",
    "pinned_requirements",
    "read_mlmodel",
    "save_model",
]
