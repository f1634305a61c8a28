"""A third-party flavor with a generic predict (as any plugin would write one): a linear scorer.

The "model" is a dict {column: weight}; ``predict`` returns the weighted sum of each row, and
records what it was given, so tests can see what signature enforcement handed over.
"""

from __future__ import annotations

import json
import os
from typing import Any

MODEL_FILE = "weights.json"


class LinearFlavor:
    name = "linear_scorer"
    loader_module = "models_thirdparty"
    predict_module = "models_thirdparty"

    def save(self, model: dict, model_dir: str) -> dict:
        with open(os.path.join(model_dir, MODEL_FILE), "w") as fh:
            json.dump(model, fh)
        return {"data": MODEL_FILE}


def load_model(model_dir: str, flavor_conf: dict) -> dict:
    with open(os.path.join(model_dir, flavor_conf["data"])) as fh:
        return json.load(fh)


class LinearPredictor:
    def __init__(self, weights: dict):
        self.weights = weights
        self.received: list[Any] = []

    def predict(self, data: Any) -> Any:
        import numpy as np
        import pandas as pd

        self.received.append(data)
        if isinstance(data, pd.DataFrame):
            return sum(data[name].to_numpy() * weight for name, weight in self.weights.items())
        return np.asarray(data, dtype=float) @ np.asarray(list(self.weights.values()))


def load_predictor(model_dir: str, flavor_conf: dict) -> LinearPredictor:
    return LinearPredictor(load_model(model_dir, flavor_conf))
