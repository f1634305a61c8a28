"""The ``keras`` model flavor: the model saved in Keras' native ``.keras`` format.

``save`` writes ``model.keras``; ``load_model(model_dir, conf)`` (this module is the flavor's
loader) reads it back with ``keras.saving.load_model``. Keras is imported only when used.
"""
from __future__ import annotations

import os
from typing import Any

MODEL_FILE = "model.keras"


class KerasFlavor:
    name = "keras"
    loader_module = "autolog_tensorflow.flavor"

    def save(self, model: Any, model_dir: str) -> dict:
        import keras

        model.save(os.path.join(model_dir, MODEL_FILE))
        return {"model_file": MODEL_FILE, "save_format": "keras", "keras_version": keras.__version__,
                "backend": keras.backend.backend()}

    def __repr__(self) -> str:
        return "<KerasFlavor>"


FLAVOR = KerasFlavor()


def requirements() -> tuple[str, ...]:
    """The installed framework distributions (tensorflow or tensorflow-cpu, keras) and this plugin."""
    from importlib import metadata

    found = []
    for name in ("tensorflow", "tensorflow-cpu", "keras"):
        try:
            metadata.version(name)
        except metadata.PackageNotFoundError:
            continue
        found.append(name)
    return (*found, "autolog-tensorflow")


def load_model(model_dir: str, flavor_conf: dict) -> Any:
    import keras

    return keras.saving.load_model(os.path.join(model_dir, flavor_conf.get("model_file", MODEL_FILE)))
