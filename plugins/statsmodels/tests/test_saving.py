"""The saved model of each model family: loaded with ``autolog.load_model``, it predicts what the results do.

Cross-sectional families are saved without their data (``remove_data()``), state-space models
as model and parameters (the Kalman output computed again on load), the rest as they are;
whichever applies, the numbers a user asks of the loaded model are the same, and the user's own
results keep everything.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import autolog

N = 200


@pytest.fixture(scope="module")
def d() -> dict:
    rng = np.random.default_rng(7)
    X = np.column_stack([np.ones(N), rng.normal(size=(N, 3))])
    y = X @ np.array([1.0, 2.0, -1.0, 0.5]) + rng.normal(size=N)
    counts = rng.poisson(np.exp(X @ np.array([0.1, 0.3, -0.2, 0.1]))).astype(float)
    frame = pd.DataFrame({"y": y, "a": X[:, 1], "b": X[:, 2], "g": np.repeat(np.arange(20), N // 20)})
    series = np.cumsum(rng.normal(size=N)) + 50
    return {
        "X": X,
        "y": y,
        "binary": (y > y.mean()).astype(float),
        "counts": counts,
        "frame": frame,
        "series": series,
        "groups": np.repeat(np.arange(20), N // 20),
        "new": X[:6] + 0.5,
    }


def _fit_and_predict(sm, d):
    import statsmodels.formula.api as smf
    from statsmodels.miscmodels.ordinal_model import OrderedModel

    X, new = d["X"], d["new"]
    return {
        "OLS": (lambda: sm.OLS(d["y"], X).fit(), lambda r: r.predict(new)),
        "WLS": (lambda: sm.WLS(d["y"], X, weights=np.linspace(1, 2, N)).fit(), lambda r: r.predict(new)),
        "GLM": (lambda: sm.GLM(d["counts"], X, family=sm.families.Poisson()).fit(), lambda r: r.predict(new)),
        "Logit": (lambda: sm.Logit(d["binary"], X).fit(disp=0), lambda r: r.predict(new)),
        "MNLogit": (lambda: sm.MNLogit(d["counts"] % 3, X).fit(disp=0), lambda r: r.predict(new)),
        "NegativeBinomial": (lambda: sm.NegativeBinomial(d["counts"], X).fit(disp=0), lambda r: r.predict(new)),
        "GEE": (lambda: sm.GEE(d["y"], X, d["groups"]).fit(), lambda r: r.predict(new)),
        "RLM": (lambda: sm.RLM(d["y"], X).fit(), lambda r: r.predict(new)),
        "QuantReg": (lambda: sm.QuantReg(d["y"], X).fit(q=0.3), lambda r: r.predict(new)),
        "OrderedModel": (
            lambda: OrderedModel(d["counts"] % 3, X[:, 1:], distr="logit").fit(disp=0),
            lambda r: r.predict(new[:, 1:]),
        ),
        "ZeroInflatedPoisson": (
            lambda: sm.ZeroInflatedPoisson(d["counts"], X).fit(disp=0, maxiter=200),
            lambda r: r.predict(new, exog_infl=np.ones((6, 1))),
        ),
        "MixedLM": (lambda: sm.MixedLM(d["y"], X, d["groups"]).fit(), lambda r: r.predict(new)),
        "smf.ols": (
            lambda: smf.ols("y ~ center(a) + standardize(b) + C(g % 3)", d["frame"]).fit(),
            lambda r: r.predict(d["frame"].iloc[:6].assign(a=lambda f: f.a + 0.5)),
        ),
        "ARIMA": (
            lambda: sm.tsa.ARIMA(d["series"], order=(1, 1, 1)).fit(),
            lambda r: np.concatenate([r.forecast(5), r.predict(), r.get_forecast(5).conf_int().ravel()]),
        ),
        "SARIMAX with exog": (
            lambda: sm.tsa.SARIMAX(d["series"], exog=X[:, 1:], order=(1, 0, 0)).fit(disp=False),
            lambda r: r.forecast(6, exog=new[:, 1:]),
        ),
        "ExponentialSmoothing": (
            lambda: sm.tsa.ExponentialSmoothing(d["series"], trend="add").fit(),
            lambda r: r.forecast(5),
        ),
        "AutoReg": (lambda: sm.tsa.AutoReg(d["series"], 2).fit(), lambda r: r.forecast(5)),
    }


FAMILIES = [
    "OLS",
    "WLS",
    "GLM",
    "Logit",
    "MNLogit",
    "NegativeBinomial",
    "GEE",
    "RLM",
    "QuantReg",
    "OrderedModel",
    "ZeroInflatedPoisson",
    "MixedLM",
    "smf.ols",
    "ARIMA",
    "SARIMAX with exog",
    "ExponentialSmoothing",
    "AutoReg",
]


@pytest.mark.filterwarnings("ignore")
@pytest.mark.parametrize("family", FAMILIES)
def test_loaded_model_predicts_what_the_results_predict(family, sm_autolog, d, autolog_store):
    sm = sm_autolog(log_summary=False)
    fit, predict = _fit_and_predict(sm, d)[family]
    results = fit()
    expected = np.asarray(predict(results), dtype=float)

    loaded = autolog.load_model(f"runs:/{autolog.last_active_run().info.run_id}/model")
    assert type(loaded) is type(results)
    np.testing.assert_array_equal(np.asarray(predict(loaded), dtype=float), expected)
    np.testing.assert_array_equal(np.asarray(predict(results), dtype=float), expected)  # the user's object: intact
