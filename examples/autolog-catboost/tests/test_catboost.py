"""The CatBoost example plugin: params, per-iteration metrics, early stopping, native model."""

from __future__ import annotations

import json

import numpy as np
import pytest

import autolog


def test_classifier_logs_params_and_per_iteration_metrics(catboost_autolog, fast, classification, autolog_store):
    catboost = catboost_autolog()
    X, y = classification
    model = catboost.CatBoostClassifier(iterations=20, depth=3, **fast).fit(X, y)

    run = autolog.last_active_run()
    assert run.data.tags["autolog.autologging"] == "catboost"
    assert run.data.params["iterations"] == "20" and run.data.params["depth"] == "3"
    assert run.data.params["loss_function"] == "Logloss"
    history = autolog_store.get_metric_history(run.info.run_id, "learn-Logloss")
    expected = model.get_evals_result()["learn"]["Logloss"]
    assert [m.step for m in history] == list(range(20))
    assert [m.value for m in history] == pytest.approx(expected)
    assert "best_iteration" not in run.data.metrics  # no eval set: nothing to stop on


def test_early_stopping_logs_validation_history_and_best_iteration(
    catboost_autolog, fast, classification, autolog_store
):
    catboost = catboost_autolog()
    X, y = classification
    model = catboost.CatBoostClassifier(iterations=500, learning_rate=0.5, **fast)
    model.fit(X[:200], y[:200], eval_set=(X[200:], y[200:]), early_stopping_rounds=5)

    run = autolog.last_active_run()
    metrics = run.data.metrics
    validation = autolog_store.get_metric_history(run.info.run_id, "validation-Logloss")
    assert len(validation) < 500  # it stopped early
    assert metrics["best_iteration"] == model.get_best_iteration()
    assert metrics["stopped_iteration"] == len(validation) - 1
    assert metrics["best-validation-Logloss"] == pytest.approx(model.get_best_score()["validation"]["Logloss"])
    assert run.data.params["early_stopping_rounds"] == "5"


def test_regressor_model_round_trips_in_native_format(catboost_autolog, fast, regression, autolog_store, tmp_path):
    catboost = catboost_autolog()
    X, y = regression
    model = catboost.CatBoostRegressor(iterations=30, **fast).fit(X, y)

    run_id = autolog.last_active_run().info.run_id
    files = {f.path for f in autolog_store.list_artifacts(run_id, "model")}
    assert "model/model.cbm" in files and "model/MLmodel" in files
    loaded = autolog.load_model(f"runs:/{run_id}/model")
    assert type(loaded) is catboost.CatBoostRegressor
    np.testing.assert_array_equal(loaded.predict(X), model.predict(X))
    assert autolog_store.get_run(run_id).data.metrics["learn-RMSE"] == pytest.approx(
        model.get_evals_result()["learn"]["RMSE"][-1]
    )


def test_classifier_round_trip_predicts_the_same_probabilities(catboost_autolog, fast, classification, autolog_store):
    catboost = catboost_autolog()
    X, y = classification
    model = catboost.CatBoostClassifier(iterations=15, **fast).fit(X, y)

    loaded = autolog.load_model(f"runs:/{autolog.last_active_run().info.run_id}/model")
    assert type(loaded) is catboost.CatBoostClassifier
    np.testing.assert_array_equal(loaded.predict_proba(X), model.predict_proba(X))


def test_log_models_false_logs_no_model(catboost_autolog, fast, regression, autolog_store):
    catboost = catboost_autolog(log_models=False)
    X, y = regression
    catboost.CatBoostRegressor(iterations=5, **fast).fit(X, y)

    run_id = autolog.last_active_run().info.run_id
    assert "model" not in {f.path for f in autolog_store.list_artifacts(run_id)}


def test_user_exception_propagates_and_the_run_is_failed(catboost_autolog, fast, autolog_store):
    catboost = catboost_autolog()
    with pytest.raises(catboost.CatBoostError):
        catboost.CatBoostClassifier(iterations=5, **fast).fit(np.ones((4, 2)), [0, 0, 0, 0])
    assert [run.info.status for run in autolog_store.search_runs()] == ["FAILED"]


def test_disable_restores_the_original_fit(catboost_autolog, fast, autolog_store):
    catboost = catboost_autolog()
    assert hasattr(catboost.CatBoostClassifier.__dict__["fit"], "__wrapped__")
    autolog.catboost.autolog(disable=True)
    for name in ("CatBoost", "CatBoostClassifier", "CatBoostRegressor"):
        assert not hasattr(getattr(catboost, name).__dict__["fit"], "__wrapped__")


def test_a_pool_given_to_fit_is_a_described_dataset_input(catboost_autolog, fast, classification):
    catboost = catboost_autolog()
    X, y = classification
    train = catboost.Pool(X[:200], y[:200], feature_names=[f"f{i}" for i in range(5)])
    catboost.CatBoostClassifier(iterations=5, **fast).fit(train)

    inputs = autolog.last_active_run().inputs.dataset_inputs
    assert len(inputs) == 1
    dataset = inputs[0].dataset
    assert json.loads(dataset.profile)["library"] == "catboost" and dataset.name == "X"
    assert dataset.source_type == "code"  # built in memory: MLflow's code source
    assert all(f'"f{i}"' in dataset.schema for i in range(5))  # the feature names are the schema

    with autolog.start_run():  # the same pool logged by hand has the same digest; other labels another
        autolog.log_input(train, context="training", name="train")
        autolog.log_input(catboost.Pool(X[:200], 1 - y[:200]), context="eval", name="flipped")
    by_name = {i.dataset.name: i.dataset.digest for i in autolog.last_active_run().inputs.dataset_inputs}
    assert by_name["train"] == dataset.digest and by_name["flipped"] != dataset.digest
