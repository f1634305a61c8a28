"""autolog-sklearn against real scikit-learn on small data."""

from __future__ import annotations

import math

import numpy as np
import pytest
import sklearn
from sklearn import metrics as skm
from sklearn.base import BaseEstimator, ClassifierMixin
from sklearn.compose import ColumnTransformer
from sklearn.datasets import make_classification, make_regression
from sklearn.ensemble import RandomForestClassifier
from sklearn.linear_model import LinearRegression, LogisticRegression, Ridge
from sklearn.model_selection import GridSearchCV, RandomizedSearchCV, cross_val_score
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import StandardScaler

import autolog


@pytest.fixture
def classification_data():
    return make_classification(n_samples=200, n_features=6, random_state=0)


@pytest.fixture
def regression_data():
    return make_regression(n_samples=200, n_features=5, noise=0.5, random_state=0)


@pytest.fixture
def sklearn_autolog(autolog_enable):
    def enable(**options):
        autolog_enable("sklearn", **options)

    return enable


def all_runs(client):
    return client.search_runs(max_results=1000)


def test_classifier_fit_logs_params_tags_and_exact_training_metrics(
    sklearn_autolog, autolog_store, classification_data
):
    sklearn_autolog(log_models=False)
    X, y = classification_data
    model = LogisticRegression(C=0.5, max_iter=200).fit(X, y)

    run = autolog.last_active_run()
    assert run.info.status == "FINISHED"
    assert run.data.tags["autolog.autologging"] == "sklearn"
    assert run.data.tags["estimator_name"] == "LogisticRegression"
    assert run.data.tags["estimator_class"] == "sklearn.linear_model._logistic.LogisticRegression"
    assert run.data.params == {k: str(v) for k, v in model.get_params(deep=True).items()}
    y_pred = model.predict(X)
    proba = model.predict_proba(X)
    expected = {
        "training_accuracy_score": skm.accuracy_score(y, y_pred),
        "training_precision_score": skm.precision_score(y, y_pred, average="weighted"),
        "training_recall_score": skm.recall_score(y, y_pred, average="weighted"),
        "training_f1_score": skm.f1_score(y, y_pred, average="weighted"),
        "training_log_loss": skm.log_loss(y, proba),
        "training_roc_auc": skm.roc_auc_score(y, proba[:, 1]),
        "training_score": model.score(X, y),
    }
    assert run.data.metrics == pytest.approx(expected, rel=1e-12)


def test_multiclass_metrics_with_sample_weight_match_sklearn(sklearn_autolog, autolog_store):
    sklearn_autolog(log_models=False)
    X, y = make_classification(n_samples=240, n_features=8, n_informative=5, n_classes=3, random_state=1)
    weights = np.linspace(0.5, 2.0, len(y))
    model = RandomForestClassifier(n_estimators=5, max_depth=2, random_state=0).fit(X, y, sample_weight=weights)

    metrics = autolog.last_active_run().data.metrics
    y_pred = model.predict(X)
    proba = model.predict_proba(X)
    kw = {"sample_weight": weights}
    assert metrics["training_accuracy_score"] == pytest.approx(skm.accuracy_score(y, y_pred, **kw))
    assert metrics["training_precision_score"] == pytest.approx(
        skm.precision_score(y, y_pred, average="weighted", zero_division=0, **kw)
    )
    assert metrics["training_recall_score"] == pytest.approx(skm.recall_score(y, y_pred, average="weighted", **kw))
    assert metrics["training_f1_score"] == pytest.approx(skm.f1_score(y, y_pred, average="weighted", **kw))
    assert metrics["training_log_loss"] == pytest.approx(skm.log_loss(y, proba, **kw))
    assert metrics["training_roc_auc"] == pytest.approx(
        skm.roc_auc_score(y, proba, multi_class="ovr", average="weighted", **kw)
    )


def test_regressor_metrics_match_sklearn(sklearn_autolog, autolog_store, regression_data):
    sklearn_autolog(log_models=False)
    X, y = regression_data
    model = Ridge(alpha=2.0).fit(X, y)

    metrics = autolog.last_active_run().data.metrics
    y_pred = model.predict(X)
    mse = skm.mean_squared_error(y, y_pred)
    assert metrics == pytest.approx(
        {
            "training_mean_squared_error": mse,
            "training_root_mean_squared_error": math.sqrt(mse),
            "training_mean_absolute_error": skm.mean_absolute_error(y, y_pred),
            "training_r2_score": skm.r2_score(y, y_pred),
            "training_score": model.score(X, y),
        },
        rel=1e-9,
    )


def test_transformer_fit_transform_logs_one_run_without_training_metrics(
    sklearn_autolog, autolog_store, classification_data
):
    sklearn_autolog(log_models=False)
    X, _ = classification_data
    StandardScaler().fit_transform(X)

    runs = all_runs(autolog_store)
    assert len(runs) == 1
    assert runs[0].data.tags["estimator_name"] == "StandardScaler"
    assert runs[0].data.params["with_mean"] == "True"
    assert runs[0].data.metrics == {}


def test_pipeline_and_column_transformer_make_one_run(sklearn_autolog, autolog_store, classification_data):
    sklearn_autolog(log_models=False)
    X, y = classification_data
    pipeline = Pipeline(
        [
            ("columns", ColumnTransformer([("scale", StandardScaler(), [0, 1, 2])], remainder="passthrough")),
            ("clf", LogisticRegression()),
        ]
    )
    pipeline.fit(X, y)

    runs = all_runs(autolog_store)
    assert len(runs) == 1
    assert runs[0].data.tags["estimator_name"] == "Pipeline"
    assert runs[0].data.params["clf__C"] == "1.0"
    assert runs[0].data.metrics["training_accuracy_score"] == pytest.approx(pipeline.score(X, y))


def test_cross_val_score_makes_one_run_with_mean_and_std(sklearn_autolog, autolog_store, classification_data):
    sklearn_autolog(log_models=False)
    X, y = classification_data
    scores = cross_val_score(LogisticRegression(), X, y, cv=3)

    runs = all_runs(autolog_store)
    assert len(runs) == 1
    assert runs[0].data.metrics["mean_test_score"] == pytest.approx(scores.mean())
    assert runs[0].data.metrics["std_test_score"] == pytest.approx(scores.std())
    assert runs[0].data.params["cv"] == "3"


def test_grid_search_parent_and_best_child_runs(sklearn_autolog, autolog_store, classification_data):
    sklearn_autolog(max_tuning_runs=2)
    X, y = classification_data
    search = GridSearchCV(LogisticRegression(), {"C": [0.01, 0.1, 1.0, 10.0]}, cv=3).fit(X, y)

    parent = autolog.last_active_run()
    assert parent.data.params["best_C"] == str(search.best_params_["C"])
    assert parent.data.metrics["best_cv_score"] == pytest.approx(search.best_score_)
    files = {f.path for f in autolog_store.list_artifacts(parent.info.run_id)}
    assert {"cv_results.csv", "model", "best_estimator"} <= files
    children = autolog_store.search_runs(filter_string=f"tags.autolog.parentRunId = '{parent.info.run_id}'")
    assert len(children) == 2
    ranks = sorted(int(c.data.metrics["rank_test_score"]) for c in children)
    assert ranks == [1, 2]
    best_child = next(c for c in children if c.data.metrics["rank_test_score"] == 1)
    assert best_child.data.params == {"C": str(search.best_params_["C"])}
    index = list(search.cv_results_["rank_test_score"]).index(1)
    assert best_child.data.metrics["mean_test_score"] == pytest.approx(search.cv_results_["mean_test_score"][index])
    assert best_child.data.metrics["std_test_score"] == pytest.approx(search.cv_results_["std_test_score"][index])
    assert len(all_runs(autolog_store)) == 3
    best = autolog.load_model(f"runs:/{parent.info.run_id}/best_estimator")
    np.testing.assert_array_equal(best.predict(X), search.best_estimator_.predict(X))


def test_search_with_max_tuning_runs_none_logs_every_candidate_and_each_scorer(
    sklearn_autolog, autolog_store, classification_data
):
    sklearn_autolog(max_tuning_runs=None, log_models=False)
    X, y = classification_data
    search = RandomizedSearchCV(
        LogisticRegression(),
        {"C": [0.1, 1.0, 10.0]},
        n_iter=3,
        cv=3,
        random_state=0,
        scoring={"acc": "accuracy", "f1": "f1"},
        refit="acc",
    ).fit(X, y)

    parent = autolog.last_active_run()
    children = autolog_store.search_runs(filter_string=f"tags.autolog.parentRunId = '{parent.info.run_id}'")
    assert len(children) == 3
    assert {"mean_test_acc", "std_test_acc", "rank_test_acc", "mean_test_f1"} <= set(children[0].data.metrics)
    assert parent.data.metrics["best_cv_score"] == pytest.approx(search.best_score_)


def test_post_training_metrics_are_logged_with_dataset_names_and_suffixes(
    sklearn_autolog, autolog_store, classification_data
):
    sklearn_autolog(log_models=False)
    X, y = classification_data
    X_train, X_test, y_train, y_test = X[:150], X[150:], y[:150], y[150:]
    model = LogisticRegression().fit(X_train, y_train)
    run_id = autolog.last_active_run().info.run_id

    y_pred = model.predict(X_test)
    first = skm.accuracy_score(y_test, y_pred)
    skm.accuracy_score(y_test, y_pred)
    f1 = skm.f1_score(y_test, y_pred)
    score = model.score(X_test, y_test)

    metrics = autolog_store.get_run(run_id).data.metrics
    assert metrics["accuracy_score_X_test"] == pytest.approx(first)
    assert "accuracy_score_X_test-2" in metrics
    assert metrics["f1_score_X_test"] == pytest.approx(f1)
    assert metrics["LogisticRegression_score_X_test"] == pytest.approx(score)
    assert not any(k.startswith("f1_score") and k != "f1_score_X_test" for k in metrics)


def test_post_training_metrics_can_be_turned_off(sklearn_autolog, autolog_store, classification_data):
    X, y = classification_data
    logged = {}
    for enabled in (True, False):
        sklearn_autolog(log_models=False, log_post_training_metrics=enabled)
        model = LogisticRegression().fit(X, y)
        run_id = autolog.last_active_run().info.run_id
        skm.accuracy_score(y, model.predict(X))
        logged[enabled] = any(k.startswith("accuracy_score") for k in autolog_store.get_run(run_id).data.metrics)
    assert logged == {True: True, False: False}


def test_model_is_logged_with_signature_and_input_example_and_loads_back(
    sklearn_autolog, autolog_store, classification_data
):
    import yaml

    sklearn_autolog(log_input_examples=True)
    X, y = classification_data
    model = LogisticRegression().fit(X, y)
    run = autolog.last_active_run()

    loaded = autolog.load_model(f"runs:/{run.info.run_id}/model")
    np.testing.assert_array_equal(loaded.predict(X), model.predict(X))
    model_dir = autolog_store.download_artifacts(run.info.run_id, "model")
    with open(f"{model_dir}/MLmodel") as fh:
        mlmodel = yaml.safe_load(fh)
    assert "sklearn" in mlmodel["flavors"]
    assert mlmodel["run_id"] == run.info.run_id
    assert '"shape": [-1, 6]' in mlmodel["signature"]["inputs"]
    assert mlmodel["saved_input_example_info"]["type"] == "ndarray"
    with open(f"{model_dir}/requirements.txt") as fh:
        lines = fh.read().splitlines()
    assert lines[0] == f"scikit-learn=={sklearn.__version__}"
    assert lines[1].startswith("autolog-sklearn==")


def test_log_models_false_logs_no_model(sklearn_autolog, autolog_store, regression_data):
    sklearn_autolog(log_models=False)
    LinearRegression().fit(*regression_data)
    run_id = autolog.last_active_run().info.run_id
    assert "model" not in {f.path for f in autolog_store.list_artifacts(run_id)}


def test_user_exception_in_fit_propagates_and_marks_run_failed(sklearn_autolog, autolog_store):
    sklearn_autolog(log_models=False)
    with pytest.raises(ValueError, match="Found input variables with inconsistent numbers"):
        LogisticRegression().fit(np.zeros((10, 2)), np.zeros(9))
    run = autolog.last_active_run()
    assert run.info.status == "FAILED"
    assert run.data.tags["autolog.autologging"] == "sklearn"


class ThirdPartyClassifier(ClassifierMixin, BaseEstimator):
    """A user-defined estimator, defined after sklearn was patched."""

    def __init__(self, threshold=0.0):
        self.threshold = threshold

    def fit(self, X, y):
        self.classes_ = np.unique(y)
        return self

    def predict(self, X):
        return np.where(np.asarray(X)[:, 0] > self.threshold, self.classes_[-1], self.classes_[0])


def test_third_party_subclass_and_estimators_created_after_enabling_are_logged(
    sklearn_autolog, autolog_store, classification_data
):
    sklearn_autolog(log_models=False)

    class LateEstimator(ThirdPartyClassifier):
        def fit(self, X, y):
            return super().fit(X, y)

    X, y = classification_data
    LateEstimator(threshold=0.5).fit(X, y)
    runs = all_runs(autolog_store)
    assert len(runs) == 1
    assert runs[0].data.tags["estimator_name"] == "LateEstimator"
    assert runs[0].data.params == {"threshold": "0.5"}
    assert "training_accuracy_score" in runs[0].data.metrics


def test_fit_inside_user_run_logs_into_it_and_leaves_it_open(sklearn_autolog, autolog_store, regression_data):
    sklearn_autolog(log_models=False)
    with autolog.start_run() as run:
        LinearRegression().fit(*regression_data)
        assert autolog.active_run().info.run_id == run.info.run_id
    logged = autolog_store.get_run(run.info.run_id)
    assert "training_r2_score" in logged.data.metrics
    assert "autolog.autologging" not in logged.data.tags


def test_disable_restores_every_patched_attribute(autolog_store, classification_data):
    from sklearn import metrics as metrics_module
    from sklearn import model_selection

    originals = {
        "LogisticRegression.fit": LogisticRegression.__dict__["fit"],
        "accuracy_score": metrics_module.__dict__["accuracy_score"],
        "cross_val_score": model_selection.__dict__["cross_val_score"],
    }
    inherited_before = "fit_transform" in StandardScaler.__dict__
    autolog.sklearn.autolog()
    assert LogisticRegression.__dict__["fit"] is not originals["LogisticRegression.fit"]
    assert metrics_module.__dict__["accuracy_score"] is not originals["accuracy_score"]
    autolog.sklearn.autolog(disable=True)

    assert LogisticRegression.__dict__["fit"] is originals["LogisticRegression.fit"]
    assert metrics_module.__dict__["accuracy_score"] is originals["accuracy_score"]
    assert model_selection.__dict__["cross_val_score"] is originals["cross_val_score"]
    assert ("fit_transform" in StandardScaler.__dict__) == inherited_before
    assert "__init_subclass__" not in BaseEstimator.__dict__
    LogisticRegression().fit(*classification_data)
    assert autolog_store.search_runs() == []


def test_fit_does_not_copy_or_mutate_user_data(autolog_store):
    import tracemalloc

    from sklearn.linear_model import SGDRegressor

    rng = np.random.default_rng(0)
    X = rng.normal(size=(20_000, 50))  # 8 MB: a copy would show in the peak
    y = X[:, 0] + rng.normal(size=len(X))
    X.setflags(write=False)
    before = X.copy()

    def peak_of_fit(model) -> int:
        tracemalloc.start()
        model.fit(X, y)
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        return peak

    plain = peak_of_fit(SGDRegressor(max_iter=5, tol=None, random_state=0))
    autolog.sklearn.autolog(log_models=False)
    try:
        model = SGDRegressor(max_iter=5, tol=None, random_state=0)
        params_before = model.get_params()
        logged = peak_of_fit(model)
    finally:
        autolog.sklearn.autolog(disable=True)
    assert logged - plain < X.nbytes / 2, f"autolog added {logged - plain} bytes at peak (X is {X.nbytes})"
    np.testing.assert_array_equal(X, before)
    assert model.get_params() == params_before


@pytest.mark.parametrize("n_classes", [2, 3])
def test_probabilistic_metrics_without_weights_match_sklearn_with_ties_and_string_labels(
    sklearn_autolog, autolog_store, n_classes
):
    from sklearn.tree import DecisionTreeClassifier

    sklearn_autolog(log_models=False)
    X, y_int = make_classification(n_samples=300, n_features=6, n_informative=4, n_classes=n_classes, random_state=3)
    y = np.array(["cat", "dog", "emu"])[y_int]
    model = DecisionTreeClassifier(max_depth=2, random_state=0).fit(X, y)  # few distinct probabilities: ties

    metrics = autolog.last_active_run().data.metrics
    proba = model.predict_proba(X)
    assert metrics["training_log_loss"] == pytest.approx(skm.log_loss(y, proba), rel=1e-12)
    expected_auc = (
        skm.roc_auc_score(y, proba[:, 1])
        if n_classes == 2
        else skm.roc_auc_score(y, proba, multi_class="ovr", average="weighted")
    )
    assert metrics["training_roc_auc"] == pytest.approx(expected_auc, rel=1e-12)


@pytest.mark.parametrize("backend", ["threading", "loky"])
def test_search_with_parallel_workers_makes_only_the_parent_and_child_runs(
    sklearn_autolog, autolog_store, classification_data, backend
):
    from joblib import parallel_backend

    sklearn_autolog(log_models=False, max_tuning_runs=2)
    X, y = classification_data
    with parallel_backend(backend, n_jobs=2):
        GridSearchCV(LogisticRegression(), {"C": [0.1, 1.0, 10.0]}, cv=3).fit(X, y)
    runs = all_runs(autolog_store)
    assert len(runs) == 3
    parent = next(r for r in runs if "autolog.parentRunId" not in r.data.tags)
    assert parent.data.tags["estimator_name"] == "GridSearchCV"
    children = [r for r in runs if r.data.tags.get("autolog.parentRunId") == parent.info.run_id]
    assert [r.data.tags["estimator_name"] for r in children] == ["LogisticRegression"] * 2


def test_log_model_without_a_flavor_picks_the_sklearn_flavor(autolog_store, regression_data):
    import yaml

    model = LinearRegression().fit(*regression_data)
    with autolog.start_run() as run:
        autolog.log_model(model)
        autolog.log_model({"not": "an estimator"}, artifact_path="other")
    flavors = {}
    for path in ("model", "other"):
        with open(f"{autolog_store.download_artifacts(run.info.run_id, path)}/MLmodel") as fh:
            flavors[path] = set(yaml.safe_load(fh)["flavors"])
    flavors = {path: names - {"python_function"} for path, names in flavors.items()}  # every model has that one
    assert flavors == {"model": {"sklearn"}, "other": {"python_pickle"}}
    loaded = autolog.load_model(f"runs:/{run.info.run_id}/model")
    np.testing.assert_array_equal(loaded.predict(regression_data[0]), model.predict(regression_data[0]))
