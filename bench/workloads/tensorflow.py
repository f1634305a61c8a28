"""Keras workload: a 3-epoch fit of a small dense model on 2,000 x 20 (TensorFlow backend, CPU).

MLflow's Keras autolog needs TensorBoard and breaks ``fit`` with ``TBNotInstalledError`` where it
is not installed (as here), so this workload has no MLflow counterpart (``mlflow_flavor=None``).
"""

from __future__ import annotations

import os
from typing import Any

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import keras

from . import Workload

EPOCHS = 3


def _prepare() -> tuple[Any, Any, Any]:
    import numpy as np

    rng = np.random.default_rng(0)
    X = rng.normal(size=(2000, 20)).astype("float32")
    y = (X[:, :3].sum(axis=1) + rng.normal(size=2000) > 0).astype("float32")
    model = _model()
    model.fit(X[:64], y[:64], epochs=1, verbose=0)  # build and trace once, outside the timings
    return model, X, y


def _model() -> Any:
    model = keras.Sequential(
        [
            keras.Input(shape=(20,)),
            keras.layers.Dense(32, activation="relu"),
            keras.layers.Dense(1, activation="sigmoid"),
        ]
    )
    model.compile(optimizer="adam", loss="binary_crossentropy", metrics=["accuracy"])
    return model


def _train(data: tuple[Any, Any, Any]) -> Any:
    model, X, y = data
    return model.fit(X, y, batch_size=64, epochs=EPOCHS, validation_split=0.2, verbose=0)


WORKLOADS = [Workload("keras Sequential 3 epochs 2000x20", "tensorflow", None, _prepare, _train, repeat=5)]
