"""Model flavors plugins can use as they are: pickle-based saving for Python objects.

A flavor is any object with ``name``, ``loader_module`` and ``save(model, model_dir) -> dict``;
``loader_module`` names a module with ``load_model(model_dir, flavor_conf)``. ``PickleFlavor``
is such an object whose loader is this module, so its models load with only autolog installed.
"""
from __future__ import annotations

import os
import pickle
from typing import Any

PICKLE_FILE = "model.pkl"


class PickleFlavor:
    loader_module = "autolog.flavors"

    def __init__(self, name: str = "python_pickle", extra_conf: dict | None = None):
        self.name = name
        self.extra_conf = dict(extra_conf or {})

    def save(self, model: Any, model_dir: str) -> dict:
        with open(os.path.join(model_dir, PICKLE_FILE), "wb") as fh:
            pickle.dump(model, fh, protocol=pickle.HIGHEST_PROTOCOL)
        return {"pickled_model": PICKLE_FILE, "serialization_format": "pickle", **self.extra_conf}

    def __repr__(self) -> str:
        return f"<PickleFlavor {self.name!r}>"


def load_model(model_dir: str, flavor_conf: dict) -> Any:
    with open(os.path.join(model_dir, flavor_conf.get("pickled_model", PICKLE_FILE)), "rb") as fh:
        return pickle.load(fh)
