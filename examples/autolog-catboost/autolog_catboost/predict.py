"""The generic predict of the ``catboost`` flavor: the model's own ``predict``.

``CatBoostClassifier`` answers with class labels, ``CatBoostRegressor`` with values, a bare
``CatBoost`` model with raw formula values (CatBoost's defaults). A DataFrame keeps its column
names, so a model trained with named (or categorical) features finds them.
"""

from __future__ import annotations

from typing import Any

from .flavor import load_model


class CatBoostPredictor:
    def __init__(self, model: Any):
        self.model = model

    def predict(self, data: Any) -> Any:
        return self.model.predict(data)


def load_predictor(model_dir: str, flavor_conf: dict) -> CatBoostPredictor:
    return CatBoostPredictor(load_model(model_dir, flavor_conf))
