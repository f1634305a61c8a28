"""Keras demo: a small dense classifier with early stopping on synthetic data (TensorFlow backend)."""

from __future__ import annotations

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import keras


def demo() -> str:
    import numpy as np

    rng = np.random.default_rng(0)
    X = rng.normal(size=(512, 8)).astype("float32")
    y = (X[:, :2].sum(axis=1) > 0).astype("float32")
    model = keras.Sequential(
        [
            keras.Input(shape=(8,)),
            keras.layers.Dense(16, activation="relu"),
            keras.layers.Dense(1, activation="sigmoid"),
        ]
    )
    model.compile(optimizer=keras.optimizers.Adam(learning_rate=0.01), loss="binary_crossentropy", metrics=["accuracy"])
    stop = keras.callbacks.EarlyStopping(monitor="val_loss", patience=2, restore_best_weights=True)
    history = model.fit(X, y, batch_size=64, epochs=10, validation_split=0.25, callbacks=[stop], verbose=0)
    epochs = len(history.history["loss"])
    return (
        f"Keras Sequential, {epochs} epochs with early stopping: val_accuracy {history.history['val_accuracy'][-1]:.3f}"
    )
