"""Runs around fits: nesting logs once, the user's run is used, user exceptions mark the run FAILED."""

from __future__ import annotations

import numpy as np
import pytest

import autolog


def test_a_fit_calling_other_fits_logs_one_run(sm_autolog, counts, autolog_store):
    sm = sm_autolog(log_models=False)
    X, y = counts
    # GLM's IRLS fits WLS inside; results.llnull fits a null model while metrics are collected.
    results = sm.GLM(y, X, family=sm.families.Poisson()).fit()

    runs = autolog_store.search_runs()
    assert len(runs) == 1
    run = runs[0]
    assert run.data.params["method"] == "IRLS"
    assert run.data.metrics["llnull"] == pytest.approx(results.llnull)


def test_user_subclass_overriding_fit_and_calling_another_fit_logs_once(sm_autolog, regression, autolog_store):
    sm = sm_autolog(log_models=False)

    class TwoStage(sm.OLS):  # defined after enabling: patched through __init_subclass__
        def fit(self, shrink=0.5, **kwargs):
            first = sm.OLS(self.endog, self.exog).fit()
            results = super().fit(**kwargs)
            results.first_stage = first
            return results

    X, y = regression
    TwoStage(y, X).fit(shrink=0.25)

    runs = autolog_store.search_runs()
    assert len(runs) == 1
    assert runs[0].data.params["shrink"] == "0.25"


def test_fit_inside_a_user_run_logs_into_it_and_leaves_it_open(sm_autolog, regression, autolog_store):
    sm = sm_autolog(log_models=False)
    X, y = regression
    with autolog.start_run() as run:
        sm.OLS(y, X).fit()
        assert autolog.active_run().info.run_id == run.info.run_id
    logged = autolog_store.get_run(run.info.run_id)
    assert "rsquared" in logged.data.metrics
    assert "autolog.autologging" not in logged.data.tags


def test_user_exception_propagates_and_the_run_is_failed(sm_autolog, autolog_store):
    sm = sm_autolog()

    class Broken(sm.OLS):
        def fit(self, **kwargs):
            raise ZeroDivisionError("user bug")

    with pytest.raises(ZeroDivisionError, match="user bug"):
        Broken(np.ones(5), np.ones((5, 1))).fit()

    runs = autolog_store.search_runs()
    assert [run.info.status for run in runs] == ["FAILED"]


def test_statsmodels_error_propagates_unchanged(sm_autolog, regression, autolog_store):
    sm = sm_autolog()
    X, y = regression
    with pytest.raises(ValueError):
        sm.OLS(y, X).fit(method="no-such-method")
    assert [run.info.status for run in autolog_store.search_runs()] == ["FAILED"]


def test_arima_on_a_date_indexed_series_keeps_its_dataset_input(sm_autolog, series, autolog_store):
    """datetime64 data is digested: the index of a date-indexed Series (issue 21, item 4)."""
    import warnings

    import pandas as pd

    sm_autolog()
    from statsmodels.tsa.arima.model import ARIMA

    y = pd.Series(series, index=pd.date_range("2020-01-01", periods=len(series), freq="D"))
    with warnings.catch_warnings():
        warnings.simplefilter("error", category=autolog.AutologWarning)
        ARIMA(y, order=(1, 0, 0)).fit()
    run = autolog.last_active_run()
    inputs = autolog.TrackingClient().get_run(run.info.run_id).inputs.dataset_inputs
    assert [i.context for i in inputs] == ["training"]
    other = pd.Series(series, index=pd.date_range("2021-01-01", periods=len(series), freq="D"))
    from tracking_core.lineage.datasets import dataset_digest

    assert dataset_digest(other) != dataset_digest(y)  # the dates are part of the data


def test_a_convergence_warning_names_statsmodels_line_not_autologs(sm_autolog, binary, autolog_store):
    """Our wrapper is invisible in the warnings a user reads (issue 21, item 20)."""
    import warnings

    sm = sm_autolog()
    X, y = binary
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        sm.Logit(y, X).fit(maxiter=2, disp=0)
    converge = [w for w in caught if w.category.__name__ == "ConvergenceWarning"]
    assert converge, [str(w.message) for w in caught]
    for w in converge:
        assert "/statsmodels/" in w.filename and "autolog" not in w.filename, w.filename


def test_statsmodels_functions_fitting_models_internally_make_no_runs(sm_autolog, series, regression, autolog_store):
    """adfuller and get_influence() fit models of their own: not the user's training (issue 21, item 15)."""
    sm = sm_autolog()
    from statsmodels.tsa.stattools import adfuller

    adfuller(series, autolag="AIC")
    assert autolog_store.search_runs() == []
    X, y = regression
    results = sm.OLS(y, X).fit()  # the user's fit: one run
    results.get_influence().summary_frame()
    assert len(autolog_store.search_runs()) == 1
