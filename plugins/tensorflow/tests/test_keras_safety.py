"""What autologging must never change about a Keras fit: errors, callbacks, nesting, disable."""

from __future__ import annotations

import pytest

import autolog

from keras_helpers import build_model


class Boom(Exception):
    pass


def test_user_callback_exception_propagates_and_run_is_failed(keras_enabled, data, autolog_store):
    keras = keras_enabled()
    X, y = data

    def explode(epoch, logs):
        if epoch == 1:  # after the first epoch was logged (ours runs after the user's callbacks)
            raise Boom("user error")

    with pytest.raises(Boom, match="user error"):
        build_model(keras).fit(
            X, y, epochs=3, verbose=0, callbacks=[keras.callbacks.LambdaCallback(on_epoch_end=explode)]
        )
    run = autolog.last_active_run()
    assert run.info.status == "FAILED"
    assert len(autolog_store.get_metric_history(run.info.run_id, "loss")) == 1


def test_failing_metric_extraction_warns_and_training_finishes(keras_enabled, data, autolog_store, monkeypatch):
    import autolog_tensorflow.callback

    def broken(logs):
        raise RuntimeError("cannot read metrics")

    monkeypatch.setattr(autolog_tensorflow.callback, "epoch_metrics", broken)
    monkeypatch.setattr(autolog_tensorflow.callback, "step_metrics", broken)
    monkeypatch.delenv("AUTOLOG_TESTING")
    keras = keras_enabled(log_every_n_steps=2)
    X, y = data
    with pytest.warns(autolog.AutologWarning, match="logging per-iteration metrics"):
        history = build_model(keras).fit(X, y, batch_size=64, epochs=2, verbose=0)
    assert len(history.history["loss"]) == 2
    run = autolog.last_active_run()
    assert run.info.status == "FINISHED"
    assert autolog_store.get_metric_history(run.info.run_id, "loss") == []
    assert autolog_store.get_metric_history(run.info.run_id, "loss_step") == []
    assert run.data.params["epochs"] == "2"


def test_fit_inside_a_user_run_logs_into_it_and_leaves_it_open(keras_enabled, data, autolog_store):
    keras = keras_enabled()
    X, y = data
    with autolog.start_run() as run:
        build_model(keras).fit(X, y, epochs=2, verbose=0)
        assert autolog.active_run().info.run_id == run.info.run_id
    assert len(autolog_store.get_metric_history(run.info.run_id, "loss")) == 2


def test_nested_fit_logs_once(keras_enabled, data, autolog_store):
    keras = keras_enabled()
    X, y = data
    inner = build_model(keras)
    # a fit running inside another fit (here from a callback of the outer one) is not logged
    fit_inner = keras.callbacks.LambdaCallback(on_train_begin=lambda logs: inner.fit(X, y, epochs=1, verbose=0))
    build_model(keras).fit(X, y, epochs=2, verbose=0, callbacks=[fit_inner])

    runs = autolog_store.search_runs()
    assert len(runs) == 1
    assert len(autolog_store.get_metric_history(runs[0].info.run_id, "loss")) == 2


def test_tf_keras_is_the_patched_class(keras_enabled, data, autolog_store):
    keras_enabled()
    import tensorflow as tf

    assert tf.keras.Model is __import__("keras").Model
    assert hasattr(tf.keras.Model.__dict__["fit"], "__wrapped__")


def test_disable_restores_the_inherited_fit(keras_enabled, autolog_store):
    keras = keras_enabled()
    assert "fit" in keras.Model.__dict__
    autolog.tensorflow.autolog(disable=True)
    assert "fit" not in keras.Model.__dict__
    assert autolog.keras is not None
