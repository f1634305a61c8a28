"""Subclassed Keras models: saved as weights with what rebuilds them, quietly, and said so in the run."""

from __future__ import annotations

import os
import warnings

import numpy as np
import pytest

import autolog


def fit_quietly(model, X, y, capfd, **kwargs):
    capfd.readouterr()  # whatever TensorFlow printed on import is not ours
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        model.fit(X, y, verbose=0, **kwargs)
    return caught, capfd.readouterr().err


def compiled(model):
    model.compile(optimizer="adam", loss="mse")
    return model


def test_a_subclass_without_get_config_is_saved_as_weights_and_loads_predicting_the_same(
    keras_enabled, data, autolog_store, capfd
):
    keras_enabled()
    from keras_models import TwoLayers

    X, y = data
    model = compiled(TwoLayers(hidden_dim=6))
    caught, err = fit_quietly(model, X, y, capfd, epochs=2, batch_size=64)

    assert not [w for w in caught if issubclass(w.category, autolog.AutologWarning)]
    assert "get_config" not in err and "NotImplementedError" not in err
    run = autolog.last_active_run()
    run_id = run.info.run_id
    files = {f.path for f in autolog_store.list_artifacts(run_id, "model")}
    assert {"model/MLmodel", "model/model.weights.h5", "model/WEIGHTS_ONLY.txt"} <= files
    assert "model/model.keras" not in files
    assert "without get_config()" in run.data.tags["keras_saved_weights_only"]
    with open(autolog_store.download_artifacts(run_id, "model/WEIGHTS_ONLY.txt")) as fh:
        note = fh.read()
    assert "TwoLayers(hidden_dim=6, output_dim=1)" in note and "Not saved: its architecture" in note

    loaded = autolog.load_model(f"runs:/{run_id}/model")
    assert type(loaded) is TwoLayers
    np.testing.assert_allclose(loaded.predict(X[:16], verbose=0), model.predict(X[:16], verbose=0), rtol=1e-6)


def test_keras_demo_subclass_keeps_its_weights_and_load_model_says_how_to_rebuild(
    keras_enabled, data, autolog_store, capfd
):
    keras_enabled()
    from keras_models import DemoSubclass

    X, y = data
    model = compiled(DemoSubclass(hidden_dim=6, output_dim=1))
    caught, err = fit_quietly(model, X, y, capfd, epochs=1)

    assert not [w for w in caught if issubclass(w.category, autolog.AutologWarning)]
    assert "get_config" not in err
    run_id = autolog.last_active_run().info.run_id
    with pytest.raises(autolog.ModelLoadError, match=r"could not be recorded.*WEIGHTS_ONLY\.txt"):
        autolog.load_model(f"runs:/{run_id}/model")
    # What the note says to do by hand gives the trained model back.
    weights = autolog_store.download_artifacts(run_id, "model/model.weights.h5")
    rebuilt = DemoSubclass(hidden_dim=6, output_dim=1)
    rebuilt(np.zeros((1, 8), dtype="float32"))
    rebuilt.load_weights(weights)
    np.testing.assert_allclose(rebuilt.predict(X[:8], verbose=0), model.predict(X[:8], verbose=0), rtol=1e-6)


def test_a_subclass_with_get_config_is_saved_whole_and_loads_without_being_registered(
    keras_enabled, data, autolog_store
):
    keras_enabled()
    from keras_models import WithConfig

    X, y = data
    model = compiled(WithConfig(units=3))
    model.fit(X, y, epochs=1, verbose=0)

    run = autolog.last_active_run()
    files = {f.path for f in autolog_store.list_artifacts(run.info.run_id, "model")}
    assert "model/model.keras" in files and "model/model.weights.h5" not in files
    assert "keras_saved_weights_only" not in run.data.tags
    loaded = autolog.load_model(f"runs:/{run.info.run_id}/model")
    assert type(loaded) is WithConfig and loaded.units == 3
    np.testing.assert_allclose(loaded.predict(X[:8], verbose=0), model.predict(X[:8], verbose=0), rtol=1e-6)


def test_a_class_that_is_not_importable_fails_to_load_with_the_reason(keras_enabled, data, autolog_store):
    keras = keras_enabled()
    X, y = data

    class Local(keras.Model):  # defined in a function: no import path leads to it
        def __init__(self):
            super().__init__()
            self.dense = keras.layers.Dense(1)

        def call(self, x):
            return self.dense(x)

    compiled(Local()).fit(X, y, epochs=1, verbose=0)
    run_id = autolog.last_active_run().info.run_id
    with pytest.raises(autolog.ModelLoadError, match="is not importable here"):
        autolog.load_model(f"runs:/{run_id}/model")
    assert os.path.isfile(autolog_store.download_artifacts(run_id, "model/model.weights.h5"))


def test_a_subclass_built_from_a_list_argument_is_rebuilt(keras_enabled, data, autolog_store):
    keras_enabled()
    from keras_models import Tower

    X, y = data
    model = compiled(Tower([5, 3], activation="tanh"))
    model.fit(X, y, epochs=1, verbose=0)
    loaded = autolog.load_model(f"runs:/{autolog.last_active_run().info.run_id}/model")
    assert type(loaded) is Tower and list(loaded.sizes) == [5, 3] and loaded.activation == "tanh"
    np.testing.assert_allclose(loaded.predict(X[:8], verbose=0), model.predict(X[:8], verbose=0), rtol=1e-6)
