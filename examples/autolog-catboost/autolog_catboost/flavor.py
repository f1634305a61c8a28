"""The ``catboost`` model flavor: CatBoost's native ``.cbm`` file, loaded back into the same class.

This module is the flavor's loader (``loader_module`` in MLmodel), so a saved model loads with
``autolog.load_model`` in a fresh process that has catboost and this plugin installed.
"""

from __future__ import annotations

import os
from typing import Any

MODEL_FILE = "model.cbm"


class CatBoostFlavor:
    name = "catboost"
    loader_module = "autolog_catboost.flavor"
    predict_module = "autolog_catboost.predict"

    def save(self, model: Any, model_dir: str) -> dict:
        model.save_model(os.path.join(model_dir, MODEL_FILE), format="cbm")
        import catboost

        return {
            "model_file": MODEL_FILE,
            "model_format": "cbm",
            "model_class": type(model).__name__,
            "catboost_version": catboost.__version__,
        }

    def __repr__(self) -> str:
        return "<CatBoostFlavor>"


def load_model(model_dir: str, flavor_conf: dict) -> Any:
    import catboost

    model_class = getattr(catboost, flavor_conf.get("model_class", "CatBoost"), catboost.CatBoost)
    model = model_class()
    model.load_model(os.path.join(model_dir, flavor_conf.get("model_file", MODEL_FILE)), format="cbm")
    return model
