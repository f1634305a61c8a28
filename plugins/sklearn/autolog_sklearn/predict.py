"""The generic predict of the ``sklearn`` flavor: the estimator's own ``predict``.

Classifiers answer with labels, regressors with values, clusterers with cluster indices (what
``estimator.predict`` returns). The input is handed over as the estimator was fitted: a
DataFrame to an estimator fitted with column names (``feature_names_in_``; an array of as many
columns gets those names), an array to one fitted without (so scikit-learn's feature-name
warnings never fire for a served model).

One shortcut, for speed: a plain estimator (no inner estimators, so its ``predict`` reads columns
by position) fitted on a DataFrame, given a DataFrame with exactly its columns in order and all
numeric, is given the DataFrame's values instead, through a shallow copy that does not keep the
column names. The numbers are the same; scikit-learn's per-call DataFrame checks, which cost
about four times the prediction of a single row, are skipped. Pipelines, column transformers and
anything else get the DataFrame.
"""

from __future__ import annotations

import copy
from typing import Any

from autolog.plugin import load_pickled_model as load_model


def _plain(estimator: Any) -> bool:
    from sklearn.base import BaseEstimator

    try:
        params = estimator.get_params(deep=False)
    except Exception:
        return False
    return not any(isinstance(value, (BaseEstimator, list, tuple, dict)) for value in params.values())


class SklearnPredictor:
    def __init__(self, estimator: Any):
        self.estimator = estimator
        names = getattr(estimator, "feature_names_in_", None)
        self.feature_names = [str(n) for n in names] if names is not None else None
        self.positional = None  # the shallow copy without column names, for the shortcut
        if self.feature_names is not None and _plain(estimator):
            self.positional = copy.copy(estimator)
            del self.positional.feature_names_in_

    def predict(self, data: Any) -> Any:
        import pandas as pd

        if self.feature_names is None:
            if isinstance(data, pd.DataFrame):
                data = data.to_numpy()
        elif isinstance(data, pd.DataFrame):
            if (
                self.positional is not None
                and list(data.columns) == self.feature_names
                and all(dtype.kind in "biuf" for dtype in data.dtypes)
            ):
                return self.positional.predict(data.to_numpy())
        elif getattr(data, "ndim", 0) == 2 and data.shape[1] == len(self.feature_names):
            if self.positional is not None and data.dtype.kind in "biuf":
                return self.positional.predict(data)
            data = pd.DataFrame(data, columns=self.feature_names)
        return self.estimator.predict(data)


def load_predictor(model_dir: str, flavor_conf: dict) -> SklearnPredictor:
    return SklearnPredictor(load_model(model_dir, flavor_conf))
