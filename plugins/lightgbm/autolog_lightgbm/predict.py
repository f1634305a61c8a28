"""The generic predict of the ``lightgbm`` flavor.

An estimator (``LGBMClassifier``...) answers with its own ``predict`` (labels for classifiers);
a ``Booster`` with ``Booster.predict`` (for classification objectives: probabilities, as
LightGBM returns them). Both take a DataFrame or an array.
"""

from __future__ import annotations

from typing import Any

from .flavor import load_model


class LightGBMPredictor:
    def __init__(self, model: Any):
        self.model = model

    def predict(self, data: Any) -> Any:
        return self.model.predict(data)


def load_predictor(model_dir: str, flavor_conf: dict) -> LightGBMPredictor:
    return LightGBMPredictor(load_model(model_dir, flavor_conf))
