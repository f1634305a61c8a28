"""The results object as the run's model: round trip, formula models, ``log_models=False``."""
from __future__ import annotations

import json

import numpy as np

import autolog


def test_results_round_trip_and_predict_the_same(sm_autolog, binary, autolog_store):
    sm = sm_autolog()
    X, y = binary
    results = sm.Logit(y, X).fit(disp=0)

    run_id = autolog.last_active_run().info.run_id
    loaded = autolog.load_model(f"runs:/{run_id}/model")
    assert type(loaded) is type(results)
    np.testing.assert_array_equal(loaded.predict(X), results.predict(X))
    np.testing.assert_array_equal(loaded.params, results.params)


def test_formula_model_round_trip_and_signature(sm_autolog, frame, autolog_store, tmp_path):
    sm_autolog()
    import statsmodels.formula.api as smf

    results = smf.ols("y ~ a + b + c", frame).fit()

    run_id = autolog.last_active_run().info.run_id
    loaded = autolog.load_model(f"runs:/{run_id}/model")
    new = frame.iloc[:7]
    np.testing.assert_array_equal(loaded.predict(new), results.predict(new))
    mlmodel = open(autolog_store.download_artifacts(run_id, "model/MLmodel", str(tmp_path))).read()
    import yaml

    signature = json.loads(yaml.safe_load(mlmodel)["signature"]["inputs"])
    assert [column["name"] for column in signature] == ["a", "b", "c"]


def test_time_series_model_round_trip_forecasts_the_same(sm_autolog, series, autolog_store):
    sm = sm_autolog()
    results = sm.tsa.ARIMA(series, order=(1, 0, 0)).fit()

    loaded = autolog.load_model(f"runs:/{autolog.last_active_run().info.run_id}/model")
    np.testing.assert_array_equal(loaded.forecast(5), results.forecast(5))


def test_requirements_pin_statsmodels(sm_autolog, regression, autolog_store, tmp_path):
    sm = sm_autolog()
    X, y = regression
    sm.OLS(y, X).fit()

    run_id = autolog.last_active_run().info.run_id
    requirements = open(autolog_store.download_artifacts(run_id, "model/requirements.txt", str(tmp_path))).read()
    assert f"statsmodels=={sm.__version__}" in requirements.splitlines()


def test_log_models_false_logs_no_model(sm_autolog, regression, autolog_store):
    sm = sm_autolog(log_models=False)
    X, y = regression
    sm.OLS(y, X).fit()

    run_id = autolog.last_active_run().info.run_id
    assert "model" not in {f.path for f in autolog_store.list_artifacts(run_id)}
