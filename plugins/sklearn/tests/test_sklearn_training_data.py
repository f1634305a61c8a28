"""Training metrics, signature and input example from the data as the user passed it (issue 16, items 3-4, 8-10)."""

from __future__ import annotations

import json
import warnings

import numpy as np
import pandas as pd
import pytest
import yaml
from sklearn import metrics as skm
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.datasets import make_classification, make_multilabel_classification, make_regression
from sklearn.linear_model import LinearRegression, LogisticRegression, SGDClassifier
from sklearn.model_selection import GridSearchCV
from sklearn.multioutput import MultiOutputClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

import autolog
from autolog.safety import AutologWarning


@pytest.fixture
def data():
    return make_classification(n_samples=150, n_features=5, random_state=0)


def test_positional_sample_weight_is_used_by_the_training_metrics(autolog_enable, autolog_store, data):
    X, y = data
    weights = np.where(y == 1, 5.0, 0.2)
    autolog_enable("sklearn", log_models=False)
    model = LogisticRegression().fit(X, y, weights)

    metrics = autolog.last_active_run().data.metrics
    y_pred = model.predict(X)
    weighted = skm.accuracy_score(y, y_pred, sample_weight=weights)
    assert weighted != pytest.approx(skm.accuracy_score(y, y_pred))
    assert metrics["training_accuracy_score"] == pytest.approx(weighted)
    assert metrics["training_log_loss"] == pytest.approx(skm.log_loss(y, model.predict_proba(X), sample_weight=weights))
    assert metrics["training_score"] == pytest.approx(model.score(X, y, sample_weight=weights))


def test_a_third_positional_argument_that_is_not_sample_weight_is_not_taken_for_it(autolog_enable, autolog_store, data):
    X, y = data
    autolog_enable("sklearn", log_models=False)
    coef_init = np.zeros((1, X.shape[1]))
    model = SGDClassifier(max_iter=5, tol=None, random_state=0).fit(X, y, coef_init)  # fit(X, y, coef_init, ...)
    metrics = autolog.last_active_run().data.metrics
    assert metrics["training_accuracy_score"] == pytest.approx(skm.accuracy_score(y, model.predict(X)))


class AddsAColumnDuringFit(ClassifierMixin, BaseEstimator):
    """Adds a column to the DataFrame it is given, in place, while fitting; predicts from the raw columns."""

    def fit(self, X, y):
        self.columns_ = list(X.columns)
        X["row_norm"] = np.linalg.norm(X.to_numpy(), axis=1)  # in place: the caller's frame changes
        self.model_ = LogisticRegression().fit(X[self.columns_].to_numpy(), y)
        self.classes_ = self.model_.classes_
        return self

    def predict(self, X):
        return self.model_.predict(X[self.columns_].to_numpy())


def _mlmodel(client, run_id):
    with open(f"{client.download_artifacts(run_id, 'model')}/MLmodel") as fh:
        return yaml.safe_load(fh)


def test_signature_example_and_metrics_come_from_x_before_fit_changed_it(autolog_enable, autolog_store, data):
    X, y = data
    frame = pd.DataFrame(X, columns=[f"f{i}" for i in range(X.shape[1])])
    original = frame.copy()
    autolog_enable("sklearn", log_input_examples=True)
    model = AddsAColumnDuringFit().fit(frame, y)
    assert "row_norm" in frame.columns  # the estimator really changed the user's data

    run = autolog.last_active_run()
    columns = [c["name"] for c in json.loads(_mlmodel(autolog_store, run.info.run_id)["signature"]["inputs"])]
    assert columns == list(original.columns)
    with open(f"{autolog_store.download_artifacts(run.info.run_id, 'model')}/input_example.json") as fh:
        assert json.load(fh)["columns"] == list(original.columns)
    assert run.data.metrics["training_accuracy_score"] == pytest.approx(model.score(original, y))


def test_linear_regression_copy_x_false_metrics_are_on_the_uncentered_data(autolog_enable, autolog_store):
    X, y = make_regression(n_samples=200, n_features=4, noise=1.0, random_state=0)
    X = X + 10.0  # centering in place changes every value
    original = X.copy()
    autolog_enable("sklearn", log_models=False)
    model = LinearRegression(copy_X=False).fit(X, y)
    assert not np.allclose(X, original)  # sklearn centered the user's X in place

    metrics = autolog.last_active_run().data.metrics
    assert metrics["training_r2_score"] == pytest.approx(skm.r2_score(y, model.predict(original)))


def test_large_x_changed_in_place_skips_training_metrics_with_a_warning(autolog_enable, autolog_store):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(20_000, 10)) + 10.0  # 1.6 MB: not copied before fit
    y = X @ np.arange(10.0) + rng.normal(size=len(X))
    autolog_enable("sklearn", log_models=False)
    with pytest.warns(AutologWarning, match="changed X in place"):
        LinearRegression(copy_X=False).fit(X, y)
    assert not any(k.startswith("training_") for k in autolog.last_active_run().data.metrics)


def test_multi_output_classifier_gets_training_metrics(autolog_enable, autolog_store):
    X, Y = make_multilabel_classification(n_samples=120, n_features=6, n_classes=3, random_state=0)
    autolog_enable("sklearn", log_models=False)
    model = MultiOutputClassifier(LogisticRegression()).fit(X, Y)

    metrics = autolog.last_active_run().data.metrics
    Y_pred = model.predict(X)
    probas = model.predict_proba(X)
    per_output = range(Y.shape[1])
    assert metrics["training_accuracy_score"] == pytest.approx(
        np.mean([skm.accuracy_score(Y[:, k], Y_pred[:, k]) for k in per_output])
    )
    assert metrics["training_f1_score"] == pytest.approx(
        np.mean([skm.f1_score(Y[:, k], Y_pred[:, k], average="weighted") for k in per_output])
    )
    assert metrics["training_log_loss"] == pytest.approx(
        np.mean([skm.log_loss(Y[:, k], probas[k]) for k in per_output])
    )
    assert metrics["training_roc_auc"] == pytest.approx(
        np.mean([skm.roc_auc_score(Y[:, k], probas[k][:, 1]) for k in per_output])
    )
    assert metrics["training_score"] == pytest.approx(model.score(X, Y))


def test_search_child_runs_carry_the_estimator_tags(autolog_enable, autolog_store, data):
    X, y = data
    autolog_enable("sklearn", log_models=False, max_tuning_runs=2)
    GridSearchCV(
        make_pipeline(StandardScaler(), LogisticRegression()), {"logisticregression__C": [0.1, 1.0]}, cv=3
    ).fit(X, y)
    parent = autolog.last_active_run()
    children = autolog_store.search_runs(filter_string=f"tags.autolog.parentRunId = '{parent.info.run_id}'")
    assert len(children) == 2
    for child in children:
        assert child.data.tags["estimator_name"] == "Pipeline"
        assert child.data.tags["estimator_class"] == "sklearn.pipeline.Pipeline"


class FailingProba(ClassifierMixin, BaseEstimator):
    def fit(self, X, y):
        self.classes_ = np.unique(y)
        return self

    def predict(self, X):
        return np.full(len(X), self.classes_[0])

    def predict_proba(self, X):
        raise RuntimeError("probabilities are broken")


def test_a_failing_metric_computation_warns_once_naming_it(autolog_enable, autolog_store, data, monkeypatch):
    monkeypatch.delenv("AUTOLOG_TESTING")  # the user's model failing is what is under test, not autolog
    X, y = data
    autolog_enable("sklearn", log_models=False)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        FailingProba().fit(X, y)
    ours = [str(w.message) for w in caught if issubclass(w.category, AutologWarning)]
    assert len(ours) == 1, ours
    assert "predict_proba" in ours[0] and "RuntimeError: probabilities are broken" in ours[0]
    assert "training_accuracy_score" in autolog.last_active_run().data.metrics  # the others are still there


def test_a_failing_metric_computation_is_quiet_with_silent(autolog_enable, autolog_store, data, monkeypatch):
    monkeypatch.delenv("AUTOLOG_TESTING")
    X, y = data
    autolog_enable("sklearn", log_models=False, silent=True)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        FailingProba().fit(X, y)
    assert [w for w in caught if issubclass(w.category, AutologWarning)] == []


def test_large_dataframe_with_missing_values_is_not_mistaken_for_changed(autolog_enable, autolog_store):
    from sklearn.compose import ColumnTransformer
    from sklearn.impute import SimpleImputer
    from sklearn.preprocessing import OrdinalEncoder

    rng = np.random.default_rng(0)
    n = 20_000
    frame = pd.DataFrame(rng.normal(size=(n, 8)), columns=[f"x{i}" for i in range(8)])
    frame.iloc[::7, 0] = np.nan
    frame["city"] = rng.choice(["paris", "lima", "oslo"], size=n).astype(object)  # over 1 MiB in all
    y = (frame["x1"] > 0).astype(int)
    model = make_pipeline(
        ColumnTransformer([("num", SimpleImputer(), [f"x{i}" for i in range(8)]), ("cat", OrdinalEncoder(), ["city"])]),
        LogisticRegression(),
    )
    autolog_enable("sklearn", log_models=False)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        model.fit(frame, y)
    assert [str(w.message) for w in caught if issubclass(w.category, AutologWarning)] == []
    assert autolog.last_active_run().data.metrics["training_accuracy_score"] == pytest.approx(model.score(frame, y))
