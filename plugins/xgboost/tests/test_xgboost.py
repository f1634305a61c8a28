"""autolog-xgboost against real XGBoost: what each native and estimator call logs."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

import autolog

PARAMS = {"objective": "binary:logistic", "nthread": 1, "max_depth": 3, "eta": 0.3}


def dmatrices(xgb, data):
    X, y = data
    return xgb.DMatrix(X[:200], y[:200]), xgb.DMatrix(X[200:], y[200:])


def history(client, run_id, key):
    return client.get_metric_history(run_id, key)


def test_train_logs_params_and_every_iteration_equal_to_evals_result(xgb, data, autolog_store):
    dtrain, dvalid = dmatrices(xgb, data)
    evals_result: dict = {}
    xgb.train(
        {**PARAMS, "eval_metric": ["logloss", "error"]},
        dtrain,
        num_boost_round=7,
        evals=[(dtrain, "train"), (dvalid, "valid")],
        evals_result=evals_result,
        verbose_eval=False,
    )

    run = autolog.last_active_run()
    assert run.info.status == "FINISHED"
    assert run.data.tags["autolog.autologging"] == "xgboost"
    assert run.data.params["max_depth"] == "3"
    assert run.data.params["num_boost_round"] == "7"
    assert run.data.params["early_stopping_rounds"] == "None"
    for dataset in ("train", "valid"):
        for metric in ("logloss", "error"):
            steps = history(autolog_store, run.info.run_id, f"{dataset}-{metric}")
            assert [m.step for m in steps] == list(range(7))
            assert [m.value for m in steps] == evals_result[dataset][metric]
    assert "best_iteration" not in run.data.metrics


def test_early_stopping_logs_best_and_stopped_iteration_and_best_metrics_once_more(xgb, data, autolog_store):
    dtrain, dvalid = dmatrices(xgb, data)
    evals_result: dict = {}
    booster = xgb.train(
        {**PARAMS, "eta": 0.9},
        dtrain,
        num_boost_round=200,
        evals=[(dvalid, "valid")],
        evals_result=evals_result,
        early_stopping_rounds=3,
        verbose_eval=False,
    )

    run = autolog.last_active_run()
    ran = len(evals_result["valid"]["logloss"])
    assert ran < 200
    assert run.data.metrics["best_iteration"] == booster.best_iteration
    assert run.data.metrics["stopped_iteration"] == ran - 1
    steps = history(autolog_store, run.info.run_id, "valid-logloss")
    assert [m.step for m in steps] == [*range(ran), ran]
    assert steps[-2].step == run.data.metrics["stopped_iteration"]  # 0-based, as in autolog-lightgbm
    assert steps[-1].value == evals_result["valid"]["logloss"][booster.best_iteration]
    assert run.data.metrics["valid-logloss"] == steps[-1].value


def test_log_every_iteration_false_logs_only_the_final_values(xgb, data, autolog_store):
    autolog.xgboost.autolog(log_every_iteration=False)
    dtrain, dvalid = dmatrices(xgb, data)
    evals_result: dict = {}
    xgb.train(
        PARAMS,
        dtrain,
        num_boost_round=7,
        evals=[(dtrain, "train"), (dvalid, "valid")],
        evals_result=evals_result,
        verbose_eval=False,
    )
    run_id = autolog.last_active_run().info.run_id
    for dataset in ("train", "valid"):
        steps = history(autolog_store, run_id, f"{dataset}-logloss")
        assert [(m.step, m.value) for m in steps] == [(6, evals_result[dataset]["logloss"][-1])]

    evals_result = {}
    booster = xgb.train(
        {**PARAMS, "eta": 0.9},
        dtrain,
        num_boost_round=200,
        evals=[(dvalid, "valid")],
        evals_result=evals_result,
        early_stopping_rounds=3,
        verbose_eval=False,
    )
    run = autolog.last_active_run()
    ran = len(evals_result["valid"]["logloss"])
    steps = history(autolog_store, run.info.run_id, "valid-logloss")
    assert [(m.step, m.value) for m in steps] == [
        (ran - 1, evals_result["valid"]["logloss"][-1]),
        (ran, evals_result["valid"]["logloss"][booster.best_iteration]),
    ]
    assert run.data.metrics["stopped_iteration"] == ran - 1


def test_failing_metric_extraction_warns_and_training_finishes(xgb, data, autolog_store, monkeypatch):
    import autolog_xgboost.callback

    def broken(evals_log, index=-1):
        raise RuntimeError("cannot read metrics")

    monkeypatch.setattr(autolog_xgboost.callback, "metrics_at", broken)
    monkeypatch.delenv("AUTOLOG_TESTING")
    dtrain, dvalid = dmatrices(xgb, data)
    with pytest.warns(autolog.AutologWarning, match="logging per-iteration metrics"):
        booster = xgb.train(PARAMS, dtrain, num_boost_round=5, evals=[(dvalid, "valid")], verbose_eval=False)
    assert booster.num_boosted_rounds() == 5
    run = autolog.last_active_run()
    assert run.info.status == "FINISHED"
    assert history(autolog_store, run.info.run_id, "valid-logloss") == []
    assert run.data.params["num_boost_round"] == "5"


def test_feature_importance_files_match_the_booster(xgb, data, autolog_store):
    autolog.xgboost.autolog(importance_types=["weight", "gain"])
    dtrain, _ = dmatrices(xgb, data)
    booster = xgb.train(PARAMS, dtrain, num_boost_round=5)

    run_id = autolog.last_active_run().info.run_id
    files = {f.path for f in autolog_store.list_artifacts(run_id)}
    assert {"feature_importance_weight.json", "feature_importance_gain.json", "model"} <= files
    for kind in ("weight", "gain"):
        path = autolog_store.download_artifacts(run_id, f"feature_importance_{kind}.json")
        with open(path) as fh:
            assert json.load(fh) == pytest.approx(booster.get_score(importance_type=kind))


def test_native_model_round_trips_to_a_booster_predicting_the_same(xgb, data, autolog_store):
    X, y = data
    frame = pd.DataFrame(X, columns=[f"f_{i}" for i in range(10)])
    dtrain = xgb.DMatrix(frame, y)
    booster = xgb.train(PARAMS, dtrain, num_boost_round=5)

    run_id = autolog.last_active_run().info.run_id
    loaded = autolog.load_model(f"runs:/{run_id}/model")
    assert isinstance(loaded, xgb.Booster)
    np.testing.assert_array_equal(loaded.predict(xgb.DMatrix(frame)), booster.predict(xgb.DMatrix(frame)))
    from tracking_core.models import read_mlmodel

    mlmodel = read_mlmodel(autolog_store.download_artifacts(run_id, "model"))
    assert [c["name"] for c in json.loads(mlmodel["signature"]["inputs"])] == list(frame.columns)


def test_estimator_fit_logs_params_eval_set_metrics_and_round_trips(xgb, data, autolog_store):
    X, y = data
    model = xgb.XGBClassifier(n_estimators=6, max_depth=2, n_jobs=1)
    model.fit(X[:200], y[:200], eval_set=[(X[:200], y[:200]), (X[200:], y[200:])], verbose=False)

    run = autolog.last_active_run()
    assert len(autolog_store.search_runs()) == 1  # fit calls xgboost.train inside: still one run
    assert run.data.params["n_estimators"] == "6"
    assert run.data.params["max_depth"] == "2"
    evals_result = model.evals_result()
    for dataset in ("validation_0", "validation_1"):
        steps = history(autolog_store, run.info.run_id, f"{dataset}-logloss")
        assert [m.value for m in steps] == evals_result[dataset]["logloss"]
    loaded = autolog.load_model(f"runs:/{run.info.run_id}/model")
    assert type(loaded) is xgb.XGBClassifier
    np.testing.assert_array_equal(loaded.predict_proba(X), model.predict_proba(X))


def test_estimator_early_stopping(xgb, data, autolog_store):
    X, y = data
    model = xgb.XGBRegressor(n_estimators=300, learning_rate=0.9, early_stopping_rounds=3, n_jobs=1)
    model.fit(X[:200], y[:200], eval_set=[(X[200:], y[200:])], verbose=False)

    run = autolog.last_active_run()
    ran = len(model.evals_result()["validation_0"]["rmse"])
    assert run.data.metrics["best_iteration"] == model.best_iteration
    assert run.data.metrics["stopped_iteration"] == ran - 1
    assert run.data.metrics["validation_0-rmse"] == model.evals_result()["validation_0"]["rmse"][model.best_iteration]


def test_callbacks_lists_are_left_unchanged(xgb, data, autolog_store):
    X, y = data
    seen: list[int] = []

    class Counter(xgb.callback.TrainingCallback):
        def after_iteration(self, model, epoch, evals_log):
            seen.append(epoch)
            return False

    native_callbacks = [Counter()]
    dtrain, dvalid = dmatrices(xgb, data)
    xgb.train(PARAMS, dtrain, 3, evals=[(dvalid, "valid")], callbacks=native_callbacks, verbose_eval=False)
    estimator_callbacks = [Counter()]
    model = xgb.XGBClassifier(n_estimators=4, n_jobs=1, callbacks=estimator_callbacks)
    model.fit(X, y, eval_set=[(X, y)], verbose=False)

    assert len(native_callbacks) == 1 and len(estimator_callbacks) == 1
    assert model.callbacks is estimator_callbacks
    assert seen == [0, 1, 2, 0, 1, 2, 3]
    run = autolog.last_active_run()
    assert len(history(autolog_store, run.info.run_id, "validation_0-logloss")) == 4


def test_cv_makes_one_run_with_mean_and_std_per_iteration(xgb, data, autolog_store):
    dtrain, _ = dmatrices(xgb, data)
    result = xgb.cv(PARAMS, dtrain, num_boost_round=4, nfold=3, as_pandas=True)

    runs = autolog_store.search_runs()
    assert len(runs) == 1
    run_id = runs[0].info.run_id
    assert runs[0].data.params["nfold"] == "3"
    for column in ("train-logloss-mean", "train-logloss-std", "test-logloss-mean", "test-logloss-std"):
        steps = history(autolog_store, run_id, column)
        assert [m.value for m in steps] == pytest.approx(list(result[column]), rel=1e-12)
    assert "model" not in {f.path for f in autolog_store.list_artifacts(run_id)}


def test_user_exception_propagates_and_run_is_failed(xgb, data, autolog_store):
    dtrain, _ = dmatrices(xgb, data)

    class Boom(xgb.callback.TrainingCallback):
        def after_iteration(self, model, epoch, evals_log):
            raise ValueError("boom")

    with pytest.raises(ValueError, match="boom"):
        xgb.train(PARAMS, dtrain, 3, callbacks=[Boom()])
    runs = autolog_store.search_runs()
    assert [r.info.status for r in runs] == ["FAILED"]


def test_log_models_false_logs_no_model(xgb, data, autolog_store):
    autolog.xgboost.autolog(log_models=False)
    dtrain, _ = dmatrices(xgb, data)
    xgb.train(PARAMS, dtrain, 2)
    run_id = autolog.last_active_run().info.run_id
    assert "model" not in {f.path for f in autolog_store.list_artifacts(run_id)}


def test_disable_restores_the_original_functions_and_methods(xgb, autolog_store):
    import xgboost.sklearn
    import xgboost.training

    assert hasattr(xgb.train, "__wrapped__") and hasattr(xgboost.sklearn.train, "__wrapped__")
    original = xgb.train.__wrapped__
    original_fit = xgb.XGBClassifier.__dict__["fit"].__wrapped__
    autolog.xgboost.autolog(disable=True)
    assert xgb.train is original and xgboost.training.train is original and xgboost.sklearn.train is original
    assert xgb.XGBClassifier.__dict__["fit"] is original_fit
    assert "fit" not in xgb.XGBRegressor.__dict__


# XGBoost marks every argument after num_boost_round keyword-only, yet still takes them positionally
# (with a FutureWarning); its own guide scripts write xgb.train(param, dtrain, num_round, watchlist).
positional_style = pytest.mark.filterwarnings("ignore:Pass `.*` as keyword args:FutureWarning")


@positional_style
def test_train_with_positional_evals_as_xgboost_guide_scripts_write_it_logs_everything(xgb, data, autolog_store):
    dtrain, dvalid = dmatrices(xgb, data)
    watchlist = [(dvalid, "eval"), (dtrain, "train")]
    booster = xgb.train(PARAMS, dtrain, 4, watchlist)

    run = autolog.last_active_run()
    assert run.data.params["max_depth"] == "3"
    assert run.data.params["num_boost_round"] == "4"
    assert run.data.params["verbose_eval"] == "True"
    assert "evals" not in run.data.params
    assert [m.step for m in history(autolog_store, run.info.run_id, "eval-logloss")] == [0, 1, 2, 3]
    files = {f.path for f in autolog_store.list_artifacts(run.info.run_id)}
    assert {"feature_importance_weight.json", "model"} <= files
    loaded = autolog.load_model(f"runs:/{run.info.run_id}/model")
    np.testing.assert_array_equal(loaded.predict(dvalid), booster.predict(dvalid))


@positional_style
def test_train_with_every_argument_positional_keeps_the_users_callbacks_and_ours(xgb, data, autolog_store):
    dtrain, dvalid = dmatrices(xgb, data)
    seen: list[int] = []

    class Counter(xgb.callback.TrainingCallback):
        def after_iteration(self, model, epoch, evals_log):
            seen.append(epoch)
            return False

    callbacks = [Counter()]
    evals_result: dict = {}
    # params, dtrain, num_boost_round, evals, obj, maximize, early_stopping_rounds, evals_result,
    # verbose_eval, xgb_model, callbacks
    xgb.train(PARAMS, dtrain, 3, [(dvalid, "valid")], None, None, None, evals_result, False, None, callbacks)

    run = autolog.last_active_run()
    assert seen == [0, 1, 2] and len(callbacks) == 1
    assert [m.value for m in history(autolog_store, run.info.run_id, "valid-logloss")] == evals_result["valid"][
        "logloss"
    ]
    assert run.data.params["verbose_eval"] == "False" and run.data.params["num_boost_round"] == "3"


@positional_style
def test_cv_with_positional_nfold_logs_it(xgb, data, autolog_store):
    dtrain, _ = dmatrices(xgb, data)
    xgb.cv(PARAMS, dtrain, 3, 4)  # nfold=4, positionally

    run = autolog.last_active_run()
    assert run.data.params["nfold"] == "4" and run.data.params["max_depth"] == "3"
    assert len(history(autolog_store, run.info.run_id, "test-logloss-mean")) == 3


@positional_style
def test_estimator_fit_with_positional_sample_weight_and_eval_set(xgb, data, autolog_store):
    X, y = data
    model = xgb.XGBClassifier(n_estimators=3, max_depth=2, n_jobs=1)
    # X, y, sample_weight, base_margin, eval_set, verbose
    model.fit(X, y, np.ones(len(y)), None, [(X, y)], False)

    run = autolog.last_active_run()
    assert run.data.params["n_estimators"] == "3"
    assert [m.value for m in history(autolog_store, run.info.run_id, "validation_0-logloss")] == model.evals_result()[
        "validation_0"
    ]["logloss"]
    loaded = autolog.load_model(f"runs:/{run.info.run_id}/model")
    np.testing.assert_array_equal(loaded.predict_proba(X), model.predict_proba(X))


@pytest.mark.parametrize(
    "option, value",
    [
        ("importance_types", [1]),
        ("importance_types", ["gian"]),
        ("importance_types", {"weight": 1}),
        ("log_every_iteration", "no"),
    ],
)
def test_a_bad_option_value_is_a_value_error_naming_it(autolog_store, option, value):
    with pytest.raises(ValueError, match=option):
        autolog.xgboost.autolog(**{option: value})
    with pytest.raises(ValueError, match=option):
        autolog.autolog(**{option: value})


def test_importance_types_may_be_one_name_or_several(xgb, data, autolog_store):
    dtrain, _ = dmatrices(xgb, data)
    autolog.xgboost.autolog(importance_types="cover")
    xgb.train(PARAMS, dtrain, 2)
    files = {f.path for f in autolog_store.list_artifacts(autolog.last_active_run().info.run_id)}
    assert "feature_importance_cover.json" in files
    autolog.xgboost.autolog(importance_types=("gain", "total_gain"))
    xgb.train(PARAMS, dtrain, 2)
    files = {f.path for f in autolog_store.list_artifacts(autolog.last_active_run().info.run_id)}
    assert {"feature_importance_gain.json", "feature_importance_total_gain.json"} <= files


def test_metric_names_with_at_are_written_as_mlflow_writes_them(xgb, data, autolog_store):
    """``error@0.7`` holds a character MLflow's stores refuse: it is logged as ``error_at_0.7``, every round."""
    dtrain, dvalid = dmatrices(xgb, data)
    evals_result: dict = {}
    xgb.train(
        {**PARAMS, "eval_metric": ["error@0.7", "logloss"]},
        dtrain,
        num_boost_round=4,
        evals=[(dtrain, "train"), (dvalid, "valid")],
        evals_result=evals_result,
        verbose_eval=False,
    )
    run = autolog.last_active_run()
    assert run.info.status == "FINISHED"
    assert sorted(k for k in run.data.metrics if "error" in k) == ["train-error_at_0.7", "valid-error_at_0.7"]
    steps = history(autolog_store, run.info.run_id, "valid-error_at_0.7")
    assert [m.value for m in steps] == evals_result["valid"]["error@0.7"]
    assert [m.step for m in history(autolog_store, run.info.run_id, "valid-logloss")] == list(range(4))


def test_estimator_signature_and_input_example_describe_x_as_passed_before_fit(xgb, data, autolog_store):
    """A column added to X during fit (here by a callback) shows in neither (issue 21, item 2)."""
    autolog.xgboost.autolog(log_input_examples=True)
    X, y = data
    frame = pd.DataFrame(X[:, :3], columns=["a", "b", "c"])

    class AddsAColumn(xgb.callback.TrainingCallback):
        def after_training(self, model):
            frame["added"] = 1.0
            return model

    xgb.XGBClassifier(n_estimators=3, n_jobs=1, callbacks=[AddsAColumn()]).fit(frame, y)
    assert "added" in frame.columns
    run_id = autolog.last_active_run().info.run_id
    from tracking_core.models import read_mlmodel

    model_dir = autolog_store.download_artifacts(run_id, "model")
    mlmodel = read_mlmodel(model_dir)
    assert [c["name"] for c in json.loads(mlmodel["signature"]["inputs"])] == ["a", "b", "c"]
    example = json.loads(open(f"{model_dir}/{mlmodel['saved_input_example_info']['artifact_path']}").read())
    assert example["columns"] == ["a", "b", "c"]


def test_a_custom_eval_metric_function_is_logged_by_its_name_not_its_address(xgb, data, autolog_store):
    """The param is the same on every run (issue 21, item 19)."""
    X, y = data

    def error_rate(y_true, y_pred):
        return float(np.mean((y_pred > 0.5) != y_true))

    logged = []
    for _ in range(2):
        xgb.XGBClassifier(n_estimators=2, n_jobs=1, eval_metric=error_rate).fit(X, y, eval_set=[(X, y)], verbose=False)
        logged.append(autolog.last_active_run().data.params["eval_metric"])
    assert logged[0] == logged[1] == error_rate.__qualname__
    assert "0x" not in logged[0]


def test_cv_with_early_stopping_ends_with_the_best_iterations_values(xgb, data, autolog_store):
    """xgboost.cv returns its history cut at the best iteration: so do the run's latest values (issue 21, item 12)."""
    dtrain, _ = dmatrices(xgb, data)
    params = {**PARAMS, "eta": 0.9, "max_depth": 6}
    result = xgb.cv(params, dtrain, num_boost_round=200, nfold=3, early_stopping_rounds=2, as_pandas=True)

    run = autolog.last_active_run()
    ran = len(history(autolog_store, run.info.run_id, "test-logloss-mean"))
    assert len(result) < ran - 1  # stopped early, and the best plus once more at the end
    assert run.data.metrics["best_iteration"] == len(result) - 1
    assert run.data.metrics["stopped_iteration"] == ran - 2
    assert run.data.metrics["test-logloss-mean"] == pytest.approx(result["test-logloss-mean"].iloc[-1])
