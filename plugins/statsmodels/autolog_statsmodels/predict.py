"""The generic predict of the ``statsmodels`` flavor: ``results.predict(exog)``.

How the input becomes ``exog``:

- Formula models (``smf.ols("y ~ x1 + x2", df)``): the input is a DataFrame of the variables
  the formula uses (the response may be absent), exactly as ``results.predict(df)`` takes it;
  the formula builds the design matrix (intercept, transformations, categories).
- Array models (``sm.OLS(y, X)``): the input is the design matrix itself, as the model was given
  it, columns in the same order, including the constant column when ``sm.add_constant`` was
  used. A DataFrame holding every one of the model's ``exog_names`` is reduced to those columns
  in that order; otherwise its values are taken as they come.

Time-series models (results with ``forecast``: ARIMA, SARIMAX, exponential smoothing...) predict
over a range of time, not on rows of input, so they are outside this interface: load them with
``autolog.load_model(uri)`` and call ``predict(start, end)`` or ``forecast(steps, exog=...)``.
The answer is a numpy array (probabilities for Logit/Probit, means for GLMs).
"""

from __future__ import annotations

from typing import Any

from autolog.plugin import load_pickled_model as load_model


class StatsmodelsPredictor:
    def __init__(self, results: Any):
        self.results = results
        model = results.model
        self.formula = getattr(model, "formula", None)
        self.exog_names = [str(n) for n in (getattr(model, "exog_names", None) or [])]
        # The training data is not saved (saving.py), so what the model takes is read from its names.
        self.time_series = hasattr(results, "forecast") or not self.exog_names

    def predict(self, data: Any) -> Any:
        import numpy as np
        import pandas as pd

        if self.time_series:
            raise TypeError(
                f"{type(self.results.model).__name__} predicts over time, not on rows of input: load it "
                f"with autolog.load_model(uri) and use predict(start, end) or forecast(steps)"
            )
        if self.formula:
            if not isinstance(data, pd.DataFrame):
                raise TypeError(
                    f"the formula model ({self.formula}) takes a DataFrame of its variables "
                    f"(columns by name), not {type(data).__name__}"
                )
            return np.asarray(self.results.predict(data))
        if isinstance(data, pd.DataFrame):
            present = {str(c): c for c in data.columns}
            if self.exog_names and all(name in present for name in self.exog_names):
                data = data[[present[name] for name in self.exog_names]]
            data = data.to_numpy()
        return np.asarray(self.results.predict(data))


def load_predictor(model_dir: str, flavor_conf: dict) -> StatsmodelsPredictor:
    return StatsmodelsPredictor(load_model(model_dir, flavor_conf))
