"""What one fit logs: params, metrics equal to the results' attributes, artifacts, for every model class."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest
from autolog_statsmodels.metrics import METRIC_ATTRIBUTES

import autolog

CORE_ARTIFACTS = {"environment"}  # autolog's own, on every run

MODELS = {
    "OLS": lambda sm, d: sm.OLS(d["regression"][1], d["regression"][0]).fit(),
    "WLS": lambda sm, d: sm.WLS(d["regression"][1], d["regression"][0], weights=np.linspace(1, 2, 120)).fit(),
    "GLS": lambda sm, d: sm.GLS(d["regression"][1], d["regression"][0]).fit(),
    "GLM": lambda sm, d: sm.GLM(d["counts"][1], d["counts"][0], family=sm.families.Poisson()).fit(),
    "Logit": lambda sm, d: sm.Logit(d["binary"][1], d["binary"][0]).fit(disp=0),
    "Probit": lambda sm, d: sm.Probit(d["binary"][1], d["binary"][0]).fit(disp=0),
    "Poisson": lambda sm, d: sm.Poisson(d["counts"][1], d["counts"][0]).fit(disp=0),
    "ARIMA": lambda sm, d: sm.tsa.ARIMA(d["series"], order=(1, 0, 0)).fit(),
    "SARIMAX": lambda sm, d: sm.tsa.SARIMAX(d["series"], order=(1, 0, 0)).fit(disp=False),
    "smf.ols": lambda sm, d: __import__("statsmodels.formula.api").formula.api.ols("y ~ a + b + c", d["frame"]).fit(),
}


@pytest.fixture
def data(regression, binary, counts, series, frame) -> dict:
    return {"regression": regression, "binary": binary, "counts": counts, "series": series, "frame": frame}


def expected_metrics(results) -> dict[str, float]:
    found = {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for name in METRIC_ATTRIBUTES:
            try:
                value = float(getattr(results, name))
            except Exception:
                continue
            if math.isfinite(value):
                found[name] = value
    return found


@pytest.mark.parametrize("model_name", list(MODELS))
def test_each_model_class_logs_one_run_with_metrics_equal_to_the_results(model_name, sm_autolog, data, autolog_store):
    sm = sm_autolog(log_models=False)
    results = MODELS[model_name](sm, data)

    runs = autolog_store.search_runs()
    assert len(runs) == 1
    run = autolog.last_active_run()
    assert run.info.status == "FINISHED"
    assert run.data.tags["autolog.autologging"] == "statsmodels"
    expected = expected_metrics(results)
    assert {"aic", "llf", "nobs"} <= set(expected)
    assert run.data.metrics == pytest.approx(expected, rel=1e-12)
    artifacts = {f.path for f in autolog_store.list_artifacts(run.info.run_id)} - CORE_ARTIFACTS
    assert artifacts == {"model_summary.txt", "coefficients.csv"}


def test_ols_logs_fit_arguments_with_the_defaults_that_apply(sm_autolog, regression, autolog_store):
    sm = sm_autolog()
    X, y = regression
    sm.OLS(y, X).fit(cov_type="HC1")

    params = autolog.last_active_run().data.params
    assert params == {"method": "pinv", "cov_type": "HC1", "cov_kwds": "None", "use_t": "None"}


def test_keyword_catch_all_logs_only_what_was_given(sm_autolog, binary, autolog_store):
    sm = sm_autolog(log_models=False)
    X, y = binary
    sm.Logit(y, X).fit(method="bfgs", disp=0, maxiter=50, gtol=1e-6)  # gtol goes through **kwargs

    params = autolog.last_active_run().data.params
    assert params["gtol"] == "1e-06"
    assert params["maxiter"] == "50" and params["method"] == "bfgs" and params["full_output"] == "1"
    assert "kwargs" not in params and "kwds" not in params


def test_ols_metrics_are_the_regression_statistics(sm_autolog, regression, autolog_store):
    sm = sm_autolog(log_models=False)
    X, y = regression
    results = sm.OLS(y, X).fit()

    metrics = autolog.last_active_run().data.metrics
    assert metrics["rsquared"] == results.rsquared
    assert metrics["fvalue"] == results.fvalue
    assert metrics["nobs"] == 120 and metrics["df_model"] == 3 and metrics["df_resid"] == 116
    assert "deviance" not in metrics and "llnull" not in metrics


def test_summary_and_coefficients_artifacts_match_the_results(sm_autolog, frame, autolog_store, tmp_path):
    sm_autolog(log_models=False)
    import statsmodels.formula.api as smf

    results = smf.ols("y ~ a + b + c", frame).fit()

    run_id = autolog.last_active_run().info.run_id
    summary = open(autolog_store.download_artifacts(run_id, "model_summary.txt", str(tmp_path))).read()
    assert "OLS Regression Results" in summary and "Intercept" in summary
    rows = open(autolog_store.download_artifacts(run_id, "coefficients.csv", str(tmp_path))).read().splitlines()
    assert rows[0] == "name,coef,std_err,t,p_value,ci_lower,ci_upper"
    assert [row.split(",")[0] for row in rows[1:]] == ["Intercept", "a", "b", "c"]
    first = [float(v) for v in rows[2].split(",")[1:]]
    conf = results.conf_int().loc["a"]
    assert first == [
        results.params["a"],
        results.bse["a"],
        results.tvalues["a"],
        results.pvalues["a"],
        conf[0],
        conf[1],
    ]


def test_log_summary_false_skips_the_summary(sm_autolog, regression, autolog_store):
    sm = sm_autolog(log_models=False, log_summary=False)
    X, y = regression
    sm.OLS(y, X).fit()

    run_id = autolog.last_active_run().info.run_id
    assert {f.path for f in autolog_store.list_artifacts(run_id)} - CORE_ARTIFACTS == {"coefficients.csv"}


OTHER_MODELS = {
    "MNLogit": lambda sm, d: sm.MNLogit((d["counts"][1] % 3), d["counts"][0]).fit(disp=0),
    "QuantReg": lambda sm, d: sm.QuantReg(d["regression"][1], d["regression"][0]).fit(q=0.3),
    "ExponentialSmoothing": lambda sm, d: sm.tsa.ExponentialSmoothing(d["series"] + 10, trend="add").fit(),
    "VAR": lambda sm, d: sm.tsa.VAR(np.column_stack([d["series"], d["series"][::-1]])).fit(1),
}


@pytest.mark.parametrize("model_name", list(OTHER_MODELS))
def test_other_model_families_log_their_statistics_and_coefficients(
    model_name, sm_autolog, data, autolog_store, tmp_path
):
    sm = sm_autolog(log_models=False)  # strict mode: any error of the plugin fails the test
    results = OTHER_MODELS[model_name](sm, data)

    run = autolog.last_active_run()
    assert run.data.metrics == pytest.approx(expected_metrics(results), rel=1e-12)
    table = open(autolog_store.download_artifacts(run.info.run_id, "coefficients.csv", str(tmp_path))).read()
    assert table.startswith("name,") and len(table.splitlines()) > 2


def test_fit_arguments_given_positionally_are_logged_under_their_names(sm_autolog, data, autolog_store):
    sm = sm_autolog(log_models=False, log_summary=False)
    X, y = data["counts"]
    sm.GLM(y, X, family=sm.families.Poisson()).fit(None, 50, "IRLS")  # start_params, maxiter, method
    params = autolog.last_active_run().data.params
    assert params["maxiter"] == "50" and params["method"] == "IRLS" and params["start_params"] == "None"

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        sm.tsa.ExponentialSmoothing(data["series"] + 10, trend="add").fit(0.4, 0.1)  # smoothing_level, _trend
    params = autolog.last_active_run().data.params
    assert params["smoothing_level"] == "0.4" and params["smoothing_trend"] == "0.1"
    assert params["optimized"] == "True"  # keyword-only, its default
