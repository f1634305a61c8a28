"""The generic predict of the ``xgboost`` flavor.

An estimator (``XGBClassifier``...) answers with its own ``predict`` (labels for classifiers).
A ``Booster`` is given the input as an ``xgboost.DMatrix`` and answers with ``Booster.predict``
(for classification objectives: probabilities, as XGBoost returns them). An array given to a
booster trained with feature names gets those names, so both kinds of input work.
"""

from __future__ import annotations

from typing import Any

from .flavor import load_model


class XGBoostPredictor:
    def __init__(self, model: Any):
        self.model = model
        self.is_booster = not hasattr(model, "get_booster")

    def predict(self, data: Any) -> Any:
        if not self.is_booster:
            return self.model.predict(data)
        import pandas as pd
        import xgboost

        names = self.model.feature_names
        if names is not None and not isinstance(data, pd.DataFrame):
            return self.model.predict(xgboost.DMatrix(data, feature_names=names))
        return self.model.predict(xgboost.DMatrix(data))


def load_predictor(model_dir: str, flavor_conf: dict) -> XGBoostPredictor:
    return XGBoostPredictor(load_model(model_dir, flavor_conf))
