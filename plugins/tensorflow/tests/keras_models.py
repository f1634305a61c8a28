"""``keras.Model`` subclasses for the tests, importable by name (so a saved one can be rebuilt)."""

from __future__ import annotations

import keras


class TwoLayers(keras.Model):
    """No ``get_config()``; its constructor arguments are stored under their own names."""

    def __init__(self, hidden_dim, output_dim=1):
        super().__init__()
        self.hidden_dim, self.output_dim = hidden_dim, output_dim
        self.dense1 = keras.layers.Dense(hidden_dim, activation="relu")
        self.dense2 = keras.layers.Dense(output_dim)

    def call(self, x):
        return self.dense2(self.dense1(x))


class DemoSubclass(keras.Model):
    """As Keras' own ``examples/demo_subclass.py``: no ``get_config()``, arguments not kept."""

    def __init__(self, hidden_dim, output_dim):
        super().__init__()
        self.dense1 = keras.layers.Dense(hidden_dim, activation="relu")
        self.dense2 = keras.layers.Dense(output_dim)

    def call(self, x):
        return self.dense2(self.dense1(x))


class WithConfig(keras.Model):
    """A subclass with its own ``get_config()``, not registered with Keras: saved as ``.keras``."""

    def __init__(self, units=4, **kwargs):
        super().__init__(**kwargs)
        self.units = units
        self.dense = keras.layers.Dense(units)
        self.out = keras.layers.Dense(1)

    def call(self, x):
        return self.out(self.dense(x))

    def get_config(self):
        return {**super().get_config(), "units": self.units}


class Tower(keras.Model):
    """No ``get_config()``; a list argument (Keras tracks lists set on a layer in a type of its own)."""

    def __init__(self, sizes, activation="relu"):
        super().__init__()
        self.sizes, self.activation = sizes, activation
        self.hidden = [keras.layers.Dense(size, activation=activation) for size in sizes]
        self.out = keras.layers.Dense(1)

    def call(self, x):
        for layer in self.hidden:
            x = layer(x)
        return self.out(x)
