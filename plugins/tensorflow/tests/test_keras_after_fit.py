"""After a Keras fit: ``model.evaluate()`` metrics in the fit's run; option values checked up front."""

from __future__ import annotations

import pytest

import autolog

from keras_helpers import build_model


def test_evaluate_after_fit_logs_eval_metrics_into_the_fits_run(keras_enabled, data, autolog_store):
    keras = keras_enabled()
    X, y = data
    model = build_model(keras)
    model.fit(X[:192], y[:192], epochs=2, validation_split=0.25, verbose=0)
    run_id = autolog.last_active_run().info.run_id

    loss, _mae = model.evaluate(X[192:], y[192:], verbose=0)
    as_dict = model.evaluate(X[:64], y[:64], verbose=0, return_dict=True)

    run = autolog_store.get_run(run_id)
    assert run.info.status == "FINISHED"
    history = autolog_store.get_metric_history(run_id, "eval_loss")
    assert [m.value for m in history] == pytest.approx([loss, as_dict["loss"]])
    assert [m.step for m in history] == [2, 2]  # after epochs 0 and 1
    assert run.data.metrics["eval_mae"] == pytest.approx(as_dict["mae"])
    assert [m.step for m in autolog_store.get_metric_history(run_id, "val_loss")] == [0, 1]  # fit's own
    assert len(autolog_store.search_runs()) == 1


def test_evaluate_of_a_model_autolog_did_not_train_logs_nothing(keras_enabled, data, autolog_store):
    keras = keras_enabled()
    X, y = data
    trained = build_model(keras)
    trained.fit(X, y, epochs=1, verbose=0)
    other = build_model(keras)
    other.evaluate(X, y, verbose=0)
    (run,) = autolog_store.search_runs()
    assert "eval_loss" not in run.data.metrics


def test_evaluate_inside_a_user_run_goes_to_that_run(keras_enabled, data, autolog_store):
    keras = keras_enabled()
    X, y = data
    with autolog.start_run() as run:
        model = build_model(keras)
        model.fit(X, y, epochs=1, verbose=0)
        model.evaluate(X, y, verbose=0)
    assert "eval_loss" in autolog_store.get_run(run.info.run_id).data.metrics


@pytest.mark.parametrize(
    "option, value",
    [
        ("log_every_n_steps", 0),
        ("log_every_n_steps", 2.5),
        ("log_every_n_steps", "10"),
        ("max_model_size_mb", -1),
        ("log_every_epoch", "yes"),
    ],
)
def test_a_bad_option_value_is_a_value_error_naming_it(autolog_store, option, value):
    with pytest.raises(ValueError, match=option):
        autolog.tensorflow.autolog(**{option: value})
    with pytest.raises(ValueError, match=option):
        autolog.autolog(**{option: value})


def test_fit_with_every_argument_positional_logs_them(keras_enabled, data, autolog_store):
    keras = keras_enabled()
    X, y = data
    seen: list[int] = []
    callbacks = [keras.callbacks.LambdaCallback(on_epoch_end=lambda epoch, logs: seen.append(epoch))]
    # x, y, batch_size, epochs, verbose, callbacks, validation_split, validation_data, shuffle,
    # class_weight, sample_weight, initial_epoch, steps_per_epoch
    build_model(keras).fit(X, y, 64, 3, 0, callbacks, 0.25, None, True, None, None, 1, 2)

    run = autolog.last_active_run()
    assert {k: run.data.params[k] for k in ("epochs", "batch_size", "steps_per_epoch")} == {
        "epochs": "3",
        "batch_size": "64",
        "steps_per_epoch": "2",
    }
    assert [m.step for m in autolog_store.get_metric_history(run.info.run_id, "val_loss")] == [1, 2]
    assert seen == [1, 2] and len(callbacks) == 1


def test_fit_on_a_dataset_logs_and_saves_the_model(keras_enabled, data, autolog_store):
    keras = keras_enabled()
    import tensorflow as tf

    X, y = data
    train = tf.data.Dataset.from_tensor_slices((X, y)).batch(64)
    model = build_model(keras)
    model.fit(train, epochs=2, validation_data=train, verbose=0)

    run = autolog.last_active_run()
    assert run.data.params["epochs"] == "2" and "batch_size" not in run.data.params
    assert len(autolog_store.get_metric_history(run.info.run_id, "val_loss")) == 2
    assert "model/model.keras" in {f.path for f in autolog_store.list_artifacts(run.info.run_id, "model")}


def test_evaluate_after_its_run_was_deleted_warns_once_and_returns_keras_result(
    keras_enabled, data, autolog_store, monkeypatch
):
    monkeypatch.delenv("AUTOLOG_TESTING")
    keras = keras_enabled()
    X, y = data
    model = build_model(keras)
    model.fit(X, y, epochs=1, verbose=0)
    autolog_store.delete_run(autolog.last_active_run().info.run_id)
    with pytest.warns(autolog.AutologWarning, match="evaluate"):
        result = model.evaluate(X, y, verbose=0, return_dict=True)
    assert set(result) == {"loss", "mae"}
