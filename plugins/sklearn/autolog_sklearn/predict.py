"""The generic predict of the ``sklearn`` flavor: the estimator's own ``predict``.

Classifiers answer with labels, regressors with values, clusterers with cluster indices (what
``estimator.predict`` returns). The input is handed over as the estimator was fitted: a
DataFrame to an estimator fitted with column names (``feature_names_in_``; an array of as many
columns gets those names), an array to one fitted without (so scikit-learn's feature-name
warnings never fire for a served model).
"""
from __future__ import annotations

from typing import Any

from autolog.flavors import load_model


class SklearnPredictor:
    def __init__(self, estimator: Any):
        self.estimator = estimator
        names = getattr(estimator, "feature_names_in_", None)
        self.feature_names = [str(n) for n in names] if names is not None else None

    def predict(self, data: Any) -> Any:
        import pandas as pd

        if self.feature_names is None:
            if isinstance(data, pd.DataFrame):
                data = data.to_numpy()
        elif not isinstance(data, pd.DataFrame) and getattr(data, "ndim", 0) == 2 \
                and data.shape[1] == len(self.feature_names):
            data = pd.DataFrame(data, columns=self.feature_names)
        return self.estimator.predict(data)


def load_predictor(model_dir: str, flavor_conf: dict) -> SklearnPredictor:
    return SklearnPredictor(load_model(model_dir, flavor_conf))
