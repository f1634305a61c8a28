"""Model builders shared by the Keras plugin tests."""

from __future__ import annotations


def build_model(keras, learning_rate: float = 0.01):
    model = keras.Sequential([keras.Input(shape=(8,)), keras.layers.Dense(8, activation="relu"), keras.layers.Dense(1)])
    model.compile(optimizer=keras.optimizers.Adam(learning_rate=learning_rate), loss="mse", metrics=["mae"])
    return model
