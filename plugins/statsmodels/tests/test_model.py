"""The results object as the run's model: round trip, formula models, ``log_models=False``."""

from __future__ import annotations

import json
import os
import pickle
import warnings

import numpy as np
import pytest
import yaml

import autolog

MB = 1024 * 1024


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


def model_file_size(client, run_id, tmp_path) -> int:
    return os.path.getsize(client.download_artifacts(run_id, "model/model.pkl", str(tmp_path)))


@pytest.mark.filterwarnings("ignore::statsmodels.tools.sm_exceptions.ConvergenceWarning")
def test_state_space_model_is_saved_small_and_predicts_the_same(sm_autolog, autolog_store, tmp_path):
    sm = sm_autolog()
    rng = np.random.default_rng(4)
    y = np.cumsum(rng.normal(size=300)) + 10 * np.sin(2 * np.pi * np.arange(300) / 100)
    results = sm.tsa.UnobservedComponents(y, "local level", freq_seasonal=[{"period": 100, "harmonics": 10}]).fit(
        disp=False, maxiter=3
    )

    run_id = autolog.last_active_run().info.run_id
    assert len(pickle.dumps(results)) > 20 * MB  # what pickling the results object writes
    assert model_file_size(autolog_store, run_id, tmp_path) < 3 * MB
    loaded = autolog.load_model(f"runs:/{run_id}/model")
    np.testing.assert_array_equal(loaded.forecast(10), results.forecast(10))
    np.testing.assert_array_equal(loaded.predict(), results.predict())
    np.testing.assert_array_equal(loaded.get_forecast(10).conf_int(), results.get_forecast(10).conf_int())
    np.testing.assert_array_equal(
        loaded.get_prediction(start=250, dynamic=True).conf_int(),
        results.get_prediction(start=250, dynamic=True).conf_int(),
    )
    assert results.smoothed_state is not None and results.smoother_results.smoothed_state_cov is not None


def test_regression_model_is_saved_without_the_data_and_predicts_the_same(sm_autolog, autolog_store, tmp_path):
    sm = sm_autolog()
    rng = np.random.default_rng(5)
    X = sm.add_constant(rng.normal(size=(20_000, 5)))
    y = X @ rng.normal(size=6) + rng.normal(size=20_000)
    results = sm.OLS(y, X).fit()

    run_id = autolog.last_active_run().info.run_id
    assert model_file_size(autolog_store, run_id, tmp_path) < 50_000  # the data alone is 1 MB
    loaded = autolog.load_model(f"runs:/{run_id}/model")
    new = X[:10] + 1
    np.testing.assert_array_equal(loaded.predict(new), results.predict(new))
    np.testing.assert_array_equal(loaded.params, results.params)
    assert results.model.exog is X and len(results.resid) == 20_000  # the user's object keeps its data
    mlmodel = yaml.safe_load(open(autolog_store.download_artifacts(run_id, "model/MLmodel", str(tmp_path))))
    assert "training data" in mlmodel["flavors"]["statsmodels"]["removed"]


def test_too_large_model_is_skipped_with_one_warning(sm_autolog, regression, autolog_store, monkeypatch):
    monkeypatch.delenv("AUTOLOG_TESTING")
    sm = sm_autolog(max_model_size_mb=0.0001)  # 104 bytes
    X, y = regression
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        sm.OLS(y, X).fit()
        sm.OLS(y, X).fit(cov_type="HC1")
    messages = [str(w.message) for w in caught if issubclass(w.category, autolog.AutologWarning)]
    assert len(messages) == 1 and "max_model_size_mb=0.0001" in messages[0]
    for run in autolog_store.search_runs():
        assert run.info.status == "FINISHED"
        artifacts = {f.path for f in autolog_store.list_artifacts(run.info.run_id)}
        assert "model" not in artifacts and {"coefficients.csv", "model_summary.txt"} <= artifacts


@pytest.mark.parametrize(
    "option, value", [("max_model_size_mb", -1), ("max_model_size_mb", "10"), ("log_summary", "no")]
)
def test_a_bad_option_value_is_a_value_error_naming_it(autolog_store, option, value):
    with pytest.raises(ValueError, match=option):
        autolog.statsmodels.autolog(**{option: value})
    with pytest.raises(ValueError, match=option):
        autolog.autolog(**{option: value})


def test_gee_model_is_saved_without_its_per_cluster_data(sm_autolog, autolog_store, tmp_path):
    sm = sm_autolog(log_summary=False)
    rng = np.random.default_rng(6)
    groups = np.repeat(np.arange(500), 4)
    X = sm.add_constant(rng.normal(size=(2000, 3)))
    y = X @ np.array([0.2, 0.5, -0.5, 0.3]) + np.repeat(rng.normal(size=500), 4) + rng.normal(size=2000) > 0
    results = sm.GEE(
        y.astype(float), X, groups, family=sm.families.Binomial(), cov_struct=sm.cov_struct.Exchangeable()
    ).fit()

    run_id = autolog.last_active_run().info.run_id
    assert len(pickle.dumps(results)) > 400_000
    assert model_file_size(autolog_store, run_id, tmp_path) < 60_000
    loaded = autolog.load_model(f"runs:/{run_id}/model")
    np.testing.assert_array_equal(loaded.predict(X[:9] + 0.3), results.predict(X[:9] + 0.3))
    assert len(results.model.exog_li) == 500  # the user's model keeps its clusters


def test_nested_gee_is_saved_without_its_covariance_structures_designs(sm_autolog, autolog_store, tmp_path):
    """Nested() keeps per-observation designs: ten times the data before (issue 21, item 16)."""
    sm = sm_autolog(log_summary=False)
    rng = np.random.default_rng(7)
    groups = np.repeat(np.arange(100), 20)
    nested = np.tile(np.repeat(np.arange(4), 5), 100)
    X = sm.add_constant(rng.normal(size=(2000, 3)))
    y = X @ np.array([1.0, 2.0, 3.0, 4.0]) + rng.normal(size=2000)
    results = sm.GEE(y, X, groups=groups, dep_data=nested, cov_struct=sm.cov_struct.Nested()).fit()

    run_id = autolog.last_active_run().info.run_id
    data_bytes = X.nbytes + y.nbytes
    assert len(pickle.dumps(results)) > 5 * data_bytes
    assert model_file_size(autolog_store, run_id, tmp_path) < data_bytes / 2
    loaded = autolog.load_model(f"runs:/{run_id}/model")
    np.testing.assert_array_equal(loaded.predict(X[:9] + 0.3), results.predict(X[:9] + 0.3))
    assert results.model.cov_struct.designx is not None  # the user's model is untouched


SCRIPT_WITH_ITS_OWN_MODEL = """
import sys, numpy as np, autolog
autolog.set_tracking_uri(sys.argv[1])
autolog.autolog()
import statsmodels.api as sm
from scipy import stats
from statsmodels.base.model import GenericLikelihoodModel

class MyProbit(GenericLikelihoodModel):  # defined in the script, as statsmodels' examples do
    def loglike(self, params):
        return stats.norm.logcdf((2 * self.endog - 1) * (self.exog @ params)).sum()

    def predict(self, params, exog=None, *args, **kwargs):
        return stats.norm.cdf((self.exog if exog is None else exog) @ params)

rng = np.random.default_rng(0)
X = sm.add_constant(rng.normal(size=(200, 2)))
y = (X @ [0.2, 1.0, -1.0] + rng.normal(size=200) > 0).astype(float)
results = MyProbit(y, X).fit(disp=0)
np.save(sys.argv[2], results.predict(X[:5]))
print(autolog.last_active_run().info.run_id)
"""


def test_model_class_defined_in_the_users_script_loads_in_another_process(autolog_store, tmp_path):
    import subprocess
    import sys

    store = str(tmp_path / "autologruns")
    expected = tmp_path / "expected.npy"
    done = subprocess.run(
        [sys.executable, "-c", SCRIPT_WITH_ITS_OWN_MODEL, store, str(expected)],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env={**os.environ, "AUTOLOG_TESTING": "1"},
    )
    assert done.returncode == 0, done.stderr
    run_id = done.stdout.split()[-1]

    loaded = autolog.load_model(f"runs:/{run_id}/model")  # MyProbit exists only in that script
    X = np.column_stack([np.ones(200), np.random.default_rng(0).normal(size=(200, 2))])
    assert type(loaded.model).__name__ == "MyProbit"
    np.testing.assert_array_equal(loaded.predict(X[:5]), np.load(expected))


def test_the_default_model_size_cap_is_100_mb(sm_autolog):
    """A default a user would not notice on disk (issue 21, item 16)."""
    from autolog.plugin import options

    sm_autolog()
    assert options("statsmodels")["max_model_size_mb"] == 100


def test_mixedlm_is_saved_without_its_data_and_predicts_the_same(sm_autolog, autolog_store, tmp_path):
    """MixedLM was saved as it is: four times its data (issue 21, item 16)."""
    import pandas as pd

    sm = sm_autolog(log_summary=False)
    rng = np.random.default_rng(8)
    groups = np.repeat(np.arange(200), 20)
    X = sm.add_constant(rng.normal(size=(4000, 3)))
    y = X @ np.array([1.0, 2.0, 3.0, 4.0]) + np.repeat(rng.normal(size=200), 20) + rng.normal(size=4000)
    results = sm.MixedLM(y, X, groups=groups).fit()

    run_id = autolog.last_active_run().info.run_id
    data_bytes = X.nbytes + y.nbytes
    assert len(pickle.dumps(results)) > 3 * data_bytes
    assert model_file_size(autolog_store, run_id, tmp_path) < data_bytes / 10
    loaded = autolog.load_model(f"runs:/{run_id}/model")
    np.testing.assert_array_equal(loaded.predict(X[:9] + 0.3), results.predict(X[:9] + 0.3))
    assert len(results.model.exog_li) == 200  # the user's model is untouched

    frame = pd.DataFrame({"y": y, "x": X[:, 1], "g": groups})
    formula = sm.MixedLM.from_formula("y ~ x", frame, groups=frame["g"]).fit()
    run_id = autolog.last_active_run().info.run_id
    loaded = autolog.load_model(f"runs:/{run_id}/model")
    np.testing.assert_allclose(loaded.predict(frame.head(5)), formula.predict(frame.head(5)))
