"""Keras Model.fit autologging: params, per-epoch metrics, early stopping, summary, model."""

from __future__ import annotations

import numpy as np
import pytest

import autolog

from keras_helpers import build_model


def test_fit_logs_params_and_per_epoch_metrics_equal_to_keras_history(keras_enabled, data, autolog_store):
    keras = keras_enabled()
    X, y = data
    model = build_model(keras)
    history = model.fit(X, y, batch_size=64, epochs=3, validation_split=0.25, verbose=0)

    run = autolog.last_active_run()
    assert run.info.status == "FINISHED"
    assert run.data.tags["autolog.autologging"] == "tensorflow"
    params = run.data.params
    assert params["epochs"] == "3" and params["batch_size"] == "64"
    assert params["optimizer_name"] == "Adam"
    assert float(params["learning_rate"]) == pytest.approx(0.01)
    assert params["optimizer_beta_1"] == "0.9"
    for key in ("loss", "mae", "val_loss", "val_mae"):
        logged = autolog_store.get_metric_history(run.info.run_id, key)
        assert [m.step for m in logged] == [0, 1, 2]
        assert [m.value for m in logged] == pytest.approx(history.history[key])


def test_positional_callbacks_and_steps_are_handled(keras_enabled, data, autolog_store):
    keras = keras_enabled()
    X, y = data
    seen: list[int] = []
    callbacks = [keras.callbacks.LambdaCallback(on_epoch_end=lambda epoch, logs: seen.append(epoch))]
    build_model(keras).fit(X, y, 32, 2, 0, callbacks, steps_per_epoch=4)

    run = autolog.last_active_run()
    assert run.data.params["steps_per_epoch"] == "4"
    assert len(autolog_store.get_metric_history(run.info.run_id, "loss")) == 2
    assert seen == [0, 1] and len(callbacks) == 1


def test_early_stopping_params_and_metrics(keras_enabled, data, autolog_store):
    keras = keras_enabled()
    X, y = data
    # patience=0 with an impossible min_delta stops after the second epoch and restores the first
    stopper = keras.callbacks.EarlyStopping(monitor="loss", patience=1, min_delta=1e6, restore_best_weights=True)
    callbacks = [stopper]
    history = build_model(keras).fit(X, y, epochs=10, callbacks=callbacks, verbose=0)

    run = autolog.last_active_run()
    epochs_run = len(history.history["loss"])
    assert epochs_run < 10
    # every epoch, then the restored (best) epoch's values once more, one step after the last
    losses = autolog_store.get_metric_history(run.info.run_id, "loss")
    assert [m.step for m in losses] == [*range(epochs_run), epochs_run]
    assert losses[-1].value == pytest.approx(history.history["loss"][stopper.best_epoch])
    assert {k: run.data.params[k] for k in ("monitor", "patience", "min_delta", "mode", "restore_best_weights")} == {
        "monitor": "loss",
        "patience": "1",
        "min_delta": "1000000.0",
        "mode": "auto",
        "restore_best_weights": "True",
    }
    assert "baseline" in run.data.params
    assert run.data.metrics["stopped_epoch"] == stopper.stopped_epoch == epochs_run - 1
    assert run.data.metrics["restored_epoch"] == stopper.best_epoch
    assert callbacks == [stopper]


def test_model_summary_and_model_round_trip(keras_enabled, data, autolog_store):
    keras = keras_enabled()
    X, y = data
    model = build_model(keras)
    model.fit(X, y, epochs=2, verbose=0)

    run_id = autolog.last_active_run().info.run_id
    names = {a.path for a in autolog_store.list_artifacts(run_id)}
    assert {"model_summary.txt", "model"} <= names
    summary_path = autolog_store.download_artifacts(run_id, "model_summary.txt")
    with open(summary_path) as fh:
        summary = fh.read()
    assert "Dense" in summary and "Total params" in summary
    loaded = autolog.load_model(f"runs:/{run_id}/model")
    np.testing.assert_allclose(loaded.predict(X[:16], verbose=0), model.predict(X[:16], verbose=0), rtol=1e-6)
    model_files = {a.path for a in autolog_store.list_artifacts(run_id, "model")}
    assert {"model/MLmodel", "model/model.keras", "model/requirements.txt"} <= model_files


def test_log_models_false_and_every_n_steps(keras_enabled, data, autolog_store):
    keras = keras_enabled(log_models=False, log_every_n_steps=2)
    X, y = data
    build_model(keras).fit(X, y, batch_size=64, epochs=2, verbose=0)  # 4 batches per epoch

    run_id = autolog.last_active_run().info.run_id
    assert "model" not in {a.path for a in autolog_store.list_artifacts(run_id)}
    steps = autolog_store.get_metric_history(run_id, "loss_step")
    assert [m.step for m in steps] == [2, 4, 6, 8]
    assert len(autolog_store.get_metric_history(run_id, "loss")) == 2


def test_a_model_larger_than_max_model_size_mb_is_skipped_with_one_warning(
    keras_enabled, data, autolog_store, monkeypatch
):
    monkeypatch.delenv("AUTOLOG_TESTING", raising=False)
    keras = keras_enabled(max_model_size_mb=0.0001)  # about 100 bytes: every real model is larger
    X, y = data
    with pytest.warns(autolog.AutologWarning, match="larger than max_model_size_mb") as caught:
        build_model(keras).fit(X, y, epochs=1, verbose=0)
        build_model(keras).fit(X, y, epochs=1, verbose=0)
    assert len([w for w in caught if issubclass(w.category, autolog.AutologWarning)]) == 1
    run = autolog.last_active_run()
    assert run.info.status == "FINISHED"
    files = {f.path for f in autolog_store.list_artifacts(run.info.run_id)}
    assert "model" not in files and "model_summary.txt" in files


def test_signature_outputs_describe_the_models_output_not_the_labels(keras_enabled, data, autolog_store):
    """A 2-class softmax model trained on int64 labels: outputs float32 (-1, 2) (issue 21, item 3)."""
    import json

    from tracking_core.models import read_mlmodel

    keras = keras_enabled()
    X, y = data
    labels = (y[:, 0] > 0).astype("int64")
    model = keras.Sequential([keras.Input(shape=(8,)), keras.layers.Dense(2, activation="softmax")])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    model.fit(X, labels, epochs=1, verbose=0)

    run_id = autolog.last_active_run().info.run_id
    model_dir = autolog_store.download_artifacts(run_id, "model")
    signature = read_mlmodel(model_dir)["signature"]
    outputs = json.loads(signature["outputs"])
    assert [(o["type"], o["tensor-spec"]["dtype"], o["tensor-spec"]["shape"]) for o in outputs] == [
        ("tensor", "float32", [-1, 2])
    ]
    predicted = autolog.load_model(f"runs:/{run_id}/model", kind="predict").predict(X[:3])
    assert np.asarray(predicted).shape == (3, 2) and np.asarray(predicted).dtype == np.float32
    assert json.loads(signature["inputs"])[0]["tensor-spec"]["shape"] == [-1, 8]


def test_log_every_epoch_false_still_logs_the_final_values(keras_enabled, data, autolog_store):
    """As XGBoost's log_every_iteration=False: the last epoch's values, once (issue 21, item 6)."""
    keras = keras_enabled(log_every_epoch=False)
    X, y = data
    history = build_model(keras).fit(X, y, epochs=3, validation_split=0.25, verbose=0)

    run = autolog.last_active_run()
    for key in ("loss", "mae", "val_loss", "val_mae"):
        points = autolog_store.get_metric_history(run.info.run_id, key)
        assert [(p.step, p.value) for p in points] == [(2, pytest.approx(history.history[key][-1]))], key


def test_log_every_n_steps_keeps_the_validation_metrics_of_every_epoch(keras_enabled, data, autolog_store):
    keras = keras_enabled(log_every_epoch=False, log_every_n_steps=2)
    X, y = data
    history = build_model(keras).fit(X, y, batch_size=64, epochs=3, validation_split=0.25, verbose=0)

    run_id = autolog.last_active_run().info.run_id
    val = autolog_store.get_metric_history(run_id, "val_loss")
    assert [p.step for p in val] == [0, 1, 2]
    assert [p.value for p in val] == pytest.approx(history.history["val_loss"])
    assert [p.step for p in autolog_store.get_metric_history(run_id, "loss")] == [2]  # the final value
    assert autolog_store.get_metric_history(run_id, "loss_step")  # every 2 batches


def test_learning_rate_param_is_the_configured_rate_not_the_rate_after_a_schedule(keras_enabled, data, autolog_store):
    """Adam(1e-3) with ReduceLROnPlateau is recorded as 0.001 (issue 21, item 13)."""
    keras = keras_enabled()
    X, y = data
    model = build_model(keras, learning_rate=0.001)
    reduce = keras.callbacks.ReduceLROnPlateau(monitor="loss", factor=0.5, patience=0, min_delta=1e6)
    model.fit(X, y, epochs=3, callbacks=[reduce], verbose=0)
    assert float(model.optimizer.learning_rate) < 0.001  # the schedule did change it

    run = autolog.last_active_run()
    assert float(run.data.params["learning_rate"]) == pytest.approx(0.001)


def test_restore_best_weights_logs_the_best_epochs_values_last(keras_enabled, data, autolog_store):
    """The run's latest val_loss is that of the restored (saved) model (issue 21, item 17)."""
    keras = keras_enabled()
    X, y = data
    stopper = keras.callbacks.EarlyStopping(monitor="val_loss", patience=1, min_delta=1e6, restore_best_weights=True)
    history = build_model(keras).fit(X, y, epochs=10, validation_split=0.25, callbacks=[stopper], verbose=0)

    run = autolog.last_active_run()
    best = stopper.best_epoch
    last = len(history.history["val_loss"]) - 1
    assert best < last
    assert run.data.metrics["val_loss"] == pytest.approx(history.history["val_loss"][best])
    points = autolog_store.get_metric_history(run.info.run_id, "val_loss")
    assert [p.step for p in points] == [*range(last + 1), last + 1]
