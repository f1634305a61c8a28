"""autolog-lightgbm against real LightGBM: what each native and estimator call logs."""

from __future__ import annotations

import inspect
import json

import numpy as np
import pandas as pd
import pytest

import autolog

PARAMS = {"objective": "binary", "num_threads": 1, "verbose": -1, "num_leaves": 7, "min_data_in_leaf": 5}


def datasets(lgb, data):
    X, y = data
    train = lgb.Dataset(X[:200], y[:200])
    return train, lgb.Dataset(X[200:], y[200:], reference=train)


def eval_sets(lgb, *pairs):
    """``fit`` keyword arguments for eval sets: ``eval_X``/``eval_y`` (4.7+) or ``eval_set``."""
    if "eval_X" in inspect.signature(lgb.LGBMModel.fit).parameters:
        return {"eval_X": tuple(X for X, _ in pairs), "eval_y": tuple(y for _, y in pairs)}
    return {"eval_set": list(pairs)}


def history(client, run_id, key):
    return client.get_metric_history(run_id, key)


def test_train_logs_params_and_every_iteration_equal_to_evals_result(lgb, data, autolog_store):
    train, valid = datasets(lgb, data)
    evals_result: dict = {}
    lgb.train(
        {**PARAMS, "metric": ["binary_logloss", "auc"]},
        train,
        num_boost_round=7,
        valid_sets=[train, valid],
        valid_names=["train", "valid"],
        callbacks=[lgb.record_evaluation(evals_result)],
    )

    run = autolog.last_active_run()
    assert run.info.status == "FINISHED"
    assert run.data.tags["autolog.autologging"] == "lightgbm"
    assert run.data.params["num_leaves"] == "7"
    assert run.data.params["num_boost_round"] == "7"
    for dataset in ("train", "valid"):
        for metric in ("binary_logloss", "auc"):
            steps = history(autolog_store, run.info.run_id, f"{dataset}-{metric}")
            assert [m.step for m in steps] == list(range(7))
            assert [m.value for m in steps] == evals_result[dataset][metric]
    assert "best_iteration" not in run.data.metrics


def test_early_stopping_logs_best_and_stopped_iteration_and_best_metrics_once_more(lgb, data, autolog_store):
    train, valid = datasets(lgb, data)
    evals_result: dict = {}
    booster = lgb.train(
        {**PARAMS, "learning_rate": 0.8},
        train,
        num_boost_round=200,
        valid_sets=[valid],
        callbacks=[lgb.early_stopping(3, verbose=False), lgb.record_evaluation(evals_result)],
    )

    run = autolog.last_active_run()
    ran = len(evals_result["valid_0"]["binary_logloss"])
    assert ran < 200
    assert run.data.metrics["best_iteration"] == booster.best_iteration
    assert run.data.metrics["stopped_iteration"] == ran - 1  # 0-based, as in autolog-xgboost
    steps = history(autolog_store, run.info.run_id, "valid_0-binary_logloss")
    assert [m.step for m in steps] == [*range(ran), ran]
    assert steps[-2].step == run.data.metrics["stopped_iteration"]
    assert steps[-1].value == evals_result["valid_0"]["binary_logloss"][booster.best_iteration - 1]
    assert run.data.metrics["valid_0-binary_logloss"] == steps[-1].value


def test_failing_metric_extraction_warns_and_training_finishes(lgb, data, autolog_store, monkeypatch):
    import autolog_lightgbm.callback

    def broken(results):
        raise RuntimeError("cannot read metrics")

    monkeypatch.setattr(autolog_lightgbm.callback, "metrics_of", broken)
    monkeypatch.delenv("AUTOLOG_TESTING")
    train, valid = datasets(lgb, data)
    with pytest.warns(autolog.AutologWarning, match="logging per-iteration metrics"):
        booster = lgb.train(PARAMS, train, num_boost_round=5, valid_sets=[valid])
    assert booster.current_iteration() == 5
    run = autolog.last_active_run()
    assert run.info.status == "FINISHED"
    assert history(autolog_store, run.info.run_id, "valid_0-binary_logloss") == []
    assert run.data.params["num_boost_round"] == "5"


def test_feature_importance_files_match_the_booster(lgb, data, autolog_store):
    train, _ = datasets(lgb, data)
    booster = lgb.train(PARAMS, train, num_boost_round=5)

    run_id = autolog.last_active_run().info.run_id
    files = {f.path for f in autolog_store.list_artifacts(run_id)}
    assert {"feature_importance_split.json", "feature_importance_gain.json", "model"} <= files
    for kind in ("split", "gain"):
        path = autolog_store.download_artifacts(run_id, f"feature_importance_{kind}.json")
        with open(path) as fh:
            expected = dict(
                zip(booster.feature_name(), booster.feature_importance(importance_type=kind).tolist(), strict=True)
            )
            assert json.load(fh) == pytest.approx(expected)


def test_native_model_round_trips_to_a_booster_predicting_the_same(lgb, data, autolog_store):
    X, y = data
    frame = pd.DataFrame(X, columns=[f"f_{i}" for i in range(10)])
    booster = lgb.train(PARAMS, lgb.Dataset(frame, y), num_boost_round=5)

    run_id = autolog.last_active_run().info.run_id
    loaded = autolog.load_model(f"runs:/{run_id}/model")
    assert isinstance(loaded, lgb.Booster)
    np.testing.assert_allclose(loaded.predict(frame), booster.predict(frame), rtol=1e-12)
    from tracking_core.models import read_mlmodel

    mlmodel = read_mlmodel(autolog_store.download_artifacts(run_id, "model"))
    assert [c["name"] for c in json.loads(mlmodel["signature"]["inputs"])] == list(frame.columns)


def test_estimator_fit_logs_params_eval_metrics_and_round_trips(lgb, data, autolog_store):
    X, y = data
    model = lgb.LGBMClassifier(n_estimators=6, num_leaves=5, n_jobs=1, verbose=-1)
    model.fit(X[:200], y[:200], **eval_sets(lgb, (X[:200], y[:200]), (X[200:], y[200:])))

    run = autolog.last_active_run()
    assert len(autolog_store.search_runs()) == 1  # fit calls lightgbm.train inside: still one run
    assert run.data.params["n_estimators"] == "6"
    for dataset, steps_expected in model.evals_result_.items():
        steps = history(autolog_store, run.info.run_id, f"{dataset}-binary_logloss")
        assert [m.value for m in steps] == steps_expected["binary_logloss"]
    loaded = autolog.load_model(f"runs:/{run.info.run_id}/model")
    assert type(loaded) is lgb.LGBMClassifier
    np.testing.assert_array_equal(loaded.predict_proba(X), model.predict_proba(X))


def test_estimator_early_stopping(lgb, data, autolog_store):
    X, y = data
    model = lgb.LGBMRegressor(n_estimators=300, learning_rate=0.8, n_jobs=1, verbose=-1)
    model.fit(X[:200], y[:200], **eval_sets(lgb, (X[200:], y[200:])), callbacks=[lgb.early_stopping(3, verbose=False)])

    run = autolog.last_active_run()
    ((dataset, results),) = model.evals_result_.items()
    assert run.data.metrics["best_iteration"] == model.best_iteration_
    assert run.data.metrics["stopped_iteration"] == len(results["l2"]) - 1
    assert run.data.metrics[f"{dataset}-l2"] == results["l2"][model.best_iteration_ - 1]


def test_callbacks_lists_are_left_unchanged(lgb, data, autolog_store):
    X, y = data
    seen: list[int] = []

    def counter(env):
        seen.append(env.iteration)

    native_callbacks = [counter]
    train, valid = datasets(lgb, data)
    lgb.train(PARAMS, train, 3, valid_sets=[valid], callbacks=native_callbacks)
    positional_callbacks = [counter]
    lgb.train(PARAMS, train, 2, [valid], None, None, None, False, positional_callbacks)
    run = autolog.last_active_run()
    assert len(history(autolog_store, run.info.run_id, "valid_0-binary_logloss")) == 2
    fit_callbacks = [counter]
    model = lgb.LGBMClassifier(n_estimators=4, n_jobs=1, verbose=-1)
    model.fit(X, y, **eval_sets(lgb, (X, y)), callbacks=fit_callbacks)

    assert native_callbacks == [counter] and positional_callbacks == [counter] and fit_callbacks == [counter]
    assert seen == [0, 1, 2, 0, 1, 0, 1, 2, 3]
    run = autolog.last_active_run()
    (dataset,) = model.evals_result_
    assert len(history(autolog_store, run.info.run_id, f"{dataset}-binary_logloss")) == 4


def test_cv_makes_one_run_with_mean_and_stdv_per_iteration(lgb, data, autolog_store):
    X, y = data
    result = lgb.cv(PARAMS, lgb.Dataset(X, y), num_boost_round=4, nfold=3)

    runs = autolog_store.search_runs()
    assert len(runs) == 1
    run_id = runs[0].info.run_id
    assert runs[0].data.params["nfold"] == "3"
    for key, values in result.items():
        dataset, metric = key.split(" ", 1)
        steps = history(autolog_store, run_id, f"{dataset}-{metric}")
        assert [m.value for m in steps] == pytest.approx(values, rel=1e-12)
    assert "model" not in {f.path for f in autolog_store.list_artifacts(run_id)}


def test_user_exception_propagates_and_run_is_failed(lgb, data, autolog_store):
    train, _ = datasets(lgb, data)

    def boom(env):
        raise ValueError("boom")

    with pytest.raises(ValueError, match="boom"):
        lgb.train(PARAMS, train, 3, callbacks=[boom])
    assert [r.info.status for r in autolog_store.search_runs()] == ["FAILED"]


def test_log_models_false_logs_no_model(lgb, data, autolog_store):
    autolog.lightgbm.autolog(log_models=False)
    train, _ = datasets(lgb, data)
    lgb.train(PARAMS, train, 2)
    run_id = autolog.last_active_run().info.run_id
    assert "model" not in {f.path for f in autolog_store.list_artifacts(run_id)}


def test_disable_restores_the_original_functions_and_methods(lgb, autolog_store):
    import lightgbm.engine
    import lightgbm.sklearn

    assert hasattr(lgb.train, "__wrapped__") and hasattr(lightgbm.sklearn.train, "__wrapped__")
    original = lgb.train.__wrapped__
    original_fit = lgb.LGBMClassifier.__dict__["fit"].__wrapped__
    autolog.lightgbm.autolog(disable=True)
    assert lgb.train is original and lightgbm.engine.train is original and lightgbm.sklearn.train is original
    assert lgb.LGBMClassifier.__dict__["fit"] is original_fit


def test_positional_calling_styles_log_params_metrics_and_model(lgb, data, autolog_store):
    """Every argument of train/cv/fit LightGBM takes positionally is read where LightGBM reads it."""
    X, y = data
    train, valid = datasets(lgb, data)
    lgb.train(PARAMS, train, 3, [train, valid], ["train", "valid"])
    run = autolog.last_active_run()
    assert run.data.params["num_boost_round"] == "3" and run.data.params["num_leaves"] == "7"
    assert len(history(autolog_store, run.info.run_id, "valid-binary_logloss")) == 3
    assert "model" in {f.path for f in autolog_store.list_artifacts(run.info.run_id)}

    lgb.cv(PARAMS, lgb.Dataset(X, y), 2, None, 4)  # folds=None, nfold=4
    assert autolog.last_active_run().data.params["nfold"] == "4"

    model = lgb.LGBMRegressor(n_estimators=3, n_jobs=1, verbose=-1)
    model.fit(X, y.astype(float), np.ones(len(y)), None)  # sample_weight, init_score positionally
    run = autolog.last_active_run()
    assert run.data.params["n_estimators"] == "3"
    loaded = autolog.load_model(f"runs:/{run.info.run_id}/model")
    np.testing.assert_array_equal(loaded.predict(X), model.predict(X))


@pytest.mark.parametrize("value", [[1], ["splits"], {"split": 1}, "gain,split"])
def test_a_bad_importance_types_value_is_a_value_error_naming_it(autolog_store, value):
    with pytest.raises(ValueError, match="importance_types"):
        autolog.lightgbm.autolog(importance_types=value)
    with pytest.raises(ValueError, match="importance_types"):
        autolog.autolog(importance_types=value)


def test_metric_names_with_at_are_written_as_mlflow_writes_them(lgb, data, autolog_store):
    """Ranking metrics are named ``map@2``; MLflow's stores refuse ``@``: they are logged as ``map_at_2``."""
    X, y = data
    train = lgb.Dataset(X[:200], y[:200], group=[50] * 4)
    valid = lgb.Dataset(X[200:], y[200:], group=[50] * 2, reference=train)
    evals_result: dict = {}
    lgb.train(
        {"objective": "lambdarank", "metric": "map", "eval_at": [2], "num_threads": 1, "verbose": -1},
        train,
        num_boost_round=3,
        valid_sets=[valid],
        valid_names=["valid"],
        callbacks=[lgb.record_evaluation(evals_result)],
    )
    run = autolog.last_active_run()
    assert run.info.status == "FINISHED"
    assert "valid-map_at_2" in run.data.metrics and not any("@" in k for k in run.data.metrics)
    steps = history(autolog_store, run.info.run_id, "valid-map_at_2")
    assert [m.value for m in steps] == evals_result["valid"]["map@2"]


def test_estimator_signature_and_input_example_describe_x_as_passed_before_fit(lgb, data, autolog_store):
    """A column added to X during fit (here by a callback) shows in neither (issue 21, item 2)."""
    autolog.lightgbm.autolog(log_input_examples=True)
    X, y = data
    frame = pd.DataFrame(X[:, :3], columns=["a", "b", "c"])

    def adds_a_column(env):
        if env.iteration == env.end_iteration - 1:
            frame["added"] = 1.0

    lgb.LGBMClassifier(n_estimators=3, n_jobs=1, verbose=-1).fit(frame, y, callbacks=[adds_a_column])
    assert "added" in frame.columns
    run_id = autolog.last_active_run().info.run_id
    from tracking_core.models import read_mlmodel

    model_dir = autolog_store.download_artifacts(run_id, "model")
    mlmodel = read_mlmodel(model_dir)
    assert [c["name"] for c in json.loads(mlmodel["signature"]["inputs"])] == ["a", "b", "c"]
    example = json.loads(open(f"{model_dir}/{mlmodel['saved_input_example_info']['artifact_path']}").read())
    assert example["columns"] == ["a", "b", "c"]


def test_cv_with_early_stopping_ends_with_the_best_iterations_values(lgb, data, autolog_store):
    """lightgbm.cv returns its history cut at the best iteration: so do the run's latest values (issue 21, item 12)."""
    X, y = data
    params = {**PARAMS, "learning_rate": 0.9, "num_leaves": 31, "min_data_in_leaf": 1}
    result = lgb.cv(
        params, lgb.Dataset(X, y), num_boost_round=200, nfold=3, callbacks=[lgb.early_stopping(2, verbose=False)]
    )

    run = autolog.last_active_run()
    kept = len(next(iter(result.values())))
    ran = len(history(autolog_store, run.info.run_id, "valid-binary_logloss-mean"))
    assert kept < ran - 1  # stopped early, and the best plus once more at the end
    assert run.data.metrics["best_iteration"] == kept
    assert run.data.metrics["stopped_iteration"] == ran - 2
    assert run.data.metrics["valid-binary_logloss-mean"] == pytest.approx(result["valid binary_logloss-mean"][-1])
