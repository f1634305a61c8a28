"""Fits scikit-learn performs inside its own functions are not the user's training (issue 16, items 1-2)."""

from __future__ import annotations

import json

import numpy as np
import pytest
from sklearn import metrics as skm
from sklearn import model_selection
from sklearn.calibration import CalibratedClassifierCV
from sklearn.datasets import make_classification
from sklearn.linear_model import LogisticRegression

import autolog


@pytest.fixture
def data():
    return make_classification(n_samples=120, n_features=5, random_state=0)


def _metric_calls(X, y, pred, proba):
    return {
        "recall_score": lambda: skm.recall_score(y, pred),
        "precision_score": lambda: skm.precision_score(y, pred),
        "f1_score": lambda: skm.f1_score(y, pred),
        "fbeta_score": lambda: skm.fbeta_score(y, pred, beta=2),
        "jaccard_score": lambda: skm.jaccard_score(y, pred),
        "matthews_corrcoef": lambda: skm.matthews_corrcoef(y, pred),
        "classification_report": lambda: skm.classification_report(y, pred),
        "multilabel_confusion_matrix": lambda: skm.multilabel_confusion_matrix(y, pred),
        "silhouette_score": lambda: skm.silhouette_score(X, pred),
        "log_loss": lambda: skm.log_loss(y, proba),
        "brier_score_loss": lambda: skm.brier_score_loss(y, proba[:, 1]),
    }


@pytest.mark.parametrize("post_training", [True, False])
def test_metric_functions_outside_a_run_create_no_runs(autolog_enable, autolog_store, data, post_training):
    X, y = data
    model = LogisticRegression().fit(X, y)  # before enabling: no run
    pred, proba = model.predict(X), model.predict_proba(X)
    autolog_enable("sklearn", log_models=False, log_post_training_metrics=post_training)

    for name, compute in _metric_calls(X, y, pred, proba).items():
        compute()
        assert autolog_store.search_runs() == [], f"{name} created a run"


@pytest.mark.parametrize("post_training", [True, False])
def test_metric_functions_inside_the_users_run_leave_the_users_model_tags_and_model(
    autolog_enable, autolog_store, data, post_training
):
    X, y = data
    autolog_enable("sklearn", log_post_training_metrics=post_training)
    with autolog.start_run() as run:
        model = LogisticRegression().fit(X, y)
        for compute in _metric_calls(X, y, model.predict(X), model.predict_proba(X)).values():
            compute()
    logged = autolog_store.get_run(run.info.run_id)
    assert logged.data.tags["estimator_name"] == "LogisticRegression"
    assert logged.data.tags["estimator_class"] == "sklearn.linear_model._logistic.LogisticRegression"
    assert logged.data.params["C"] == "1.0"
    loaded = autolog.load_model(f"runs:/{run.info.run_id}/model")
    assert isinstance(loaded, LogisticRegression)
    assert len(autolog_store.search_runs()) == 1


def test_calibrated_classifier_makes_one_run_and_predict_proba_none(autolog_enable, autolog_store, data):
    X, y = data
    autolog_enable("sklearn", log_models=False)
    calibrated = CalibratedClassifierCV(LogisticRegression(), cv=3).fit(X, y)
    calibrated.predict_proba(X)
    runs = autolog_store.search_runs()
    assert [r.data.tags["estimator_name"] for r in runs] == ["CalibratedClassifierCV"]


def _artifact_json(client, run_id, path):
    with open(client.download_artifacts(run_id, path)) as fh:
        return json.load(fh)


def test_learning_curve_makes_one_run_with_the_curve_as_data(autolog_enable, autolog_store, data):
    X, y = data
    autolog_enable("sklearn")
    sizes, train_scores, test_scores = model_selection.learning_curve(
        LogisticRegression(C=0.5), X, y, cv=3, train_sizes=[0.3, 0.6, 1.0]
    )
    runs = autolog_store.search_runs()
    assert len(runs) == 1
    run = runs[0]
    assert run.data.tags["estimator_name"] == "LogisticRegression"
    assert run.data.params["C"] == "0.5"
    assert run.data.params["cv"] == "3"
    assert run.data.metrics["mean_test_score"] == pytest.approx(test_scores[-1].mean())
    assert run.data.metrics["mean_train_score"] == pytest.approx(train_scores[-1].mean())
    curve = _artifact_json(autolog_store, run.info.run_id, "learning_curve.json")
    assert curve["train_sizes"] == sizes.tolist()
    np.testing.assert_allclose(curve["train_scores"], train_scores.mean(axis=1))
    np.testing.assert_allclose(curve["test_scores_std"], test_scores.std(axis=1))
    np.testing.assert_allclose(curve["test_scores_folds"], test_scores)
    assert "model" not in {f.path for f in autolog_store.list_artifacts(run.info.run_id)}


def test_validation_curve_inside_a_users_run_logs_the_curve_not_a_fold(autolog_enable, autolog_store, data):
    X, y = data
    autolog_enable("sklearn")
    param_range = [0.01, 1.0, 100.0]
    with autolog.start_run() as run:
        train_scores, test_scores = model_selection.validation_curve(
            LogisticRegression(), X, y, param_name="C", param_range=param_range, cv=3
        )
    assert len(autolog_store.search_runs()) == 1
    logged = autolog_store.get_run(run.info.run_id)
    assert "C" not in logged.data.params  # the varied param belongs to the curve, not one fold's value
    assert logged.data.params["param_name"] == "C"
    best = int(np.argmax(test_scores.mean(axis=1)))
    assert logged.data.params["best_C"] == str(param_range[best])
    assert logged.data.metrics["best_mean_test_score"] == pytest.approx(test_scores[best].mean())
    assert "model" not in {f.path for f in autolog_store.list_artifacts(run.info.run_id)}
    curve = _artifact_json(autolog_store, run.info.run_id, "validation_curve.json")
    assert curve["param_name"] == "C"
    assert curve["param_range"] == param_range
    np.testing.assert_allclose(curve["test_scores"], test_scores.mean(axis=1))
    np.testing.assert_allclose(curve["train_scores_folds"], train_scores)


def test_permutation_test_score_makes_one_run_with_score_and_p_value(autolog_enable, autolog_store, data):
    X, y = data
    autolog_enable("sklearn")
    score, permutation_scores, pvalue = model_selection.permutation_test_score(
        LogisticRegression(), X, y, cv=3, n_permutations=5, random_state=0
    )
    runs = autolog_store.search_runs()
    assert len(runs) == 1
    metrics = runs[0].data.metrics
    assert metrics["cv_score"] == pytest.approx(score)
    assert metrics["pvalue"] == pytest.approx(pvalue)
    assert metrics["mean_permutation_score"] == pytest.approx(permutation_scores.mean())
    curve = _artifact_json(autolog_store, runs[0].info.run_id, "permutation_test_score.json")
    np.testing.assert_allclose(curve["permutation_scores"], permutation_scores)


def test_learning_curve_imported_before_enabling_makes_no_per_fold_runs(autolog_enable, autolog_store, data):
    from sklearn.model_selection import learning_curve  # bound before autolog(): stays unpatched

    X, y = data
    autolog_enable("sklearn")
    learning_curve(LogisticRegression(), X, y, cv=3, train_sizes=[0.5, 1.0])
    assert autolog_store.search_runs() == []


def test_users_own_fits_through_sklearn_plumbing_are_still_logged(autolog_enable, autolog_store, data):
    """set_output's wrapper around fit_transform and sklearn's joblib task wrapper are not 'sklearn calling fit'."""
    from sklearn.base import BaseEstimator, TransformerMixin
    from sklearn.utils.parallel import Parallel, delayed

    X, y = data
    autolog_enable("sklearn", log_models=False)

    class Doubler(TransformerMixin, BaseEstimator):  # defined after enabling: sklearn wraps fit_transform
        def fit(self, X, y=None):
            return self

        def transform(self, X):
            return X * 2

    Doubler().fit_transform(X)
    Parallel(n_jobs=2, backend="threading")(delayed(LogisticRegression(C=c).fit)(X, y) for c in (0.1, 1.0))
    names = sorted(r.data.tags["estimator_name"] for r in autolog_store.search_runs())
    assert names == ["Doubler", "LogisticRegression", "LogisticRegression"]


def _best_accuracy(cv_results):
    return int(np.argmax(cv_results["mean_test_acc"]))


def test_a_multimetric_search_refit_by_a_callable_is_quiet_and_records_no_training_score(
    autolog_enable, autolog_store, data, monkeypatch
):
    """scikit-learn cannot score such a search itself; the user's code is correct (issue 21, item 11)."""
    import warnings

    monkeypatch.delenv("AUTOLOG_TESTING", raising=False)
    autolog_enable("sklearn")
    X, y = data
    search = model_selection.GridSearchCV(
        LogisticRegression(max_iter=200),
        {"C": [0.1, 1.0]},
        scoring={"acc": "accuracy", "f1": "f1"},
        refit=_best_accuracy,
        cv=2,
    )
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        search.fit(X, y)
    assert [str(w.message) for w in caught if issubclass(w.category, autolog.AutologWarning)] == []
    run = autolog.last_active_run()
    assert "training_score" not in run.data.metrics
    assert run.info.status == "FINISHED"
