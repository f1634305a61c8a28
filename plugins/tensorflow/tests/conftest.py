"""Shared data and models for the Keras plugin tests: tiny dense models on 256 x 8, CPU only."""

from __future__ import annotations

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")
os.environ.setdefault("KERAS_BACKEND", "tensorflow")

import sys

import numpy as np
import pytest

sys.path.insert(0, os.path.dirname(__file__))  # keras_helpers, under --import-mode=importlib


@pytest.fixture(scope="session")
def data() -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(0)
    X = rng.normal(size=(256, 8)).astype("float32")
    y = (X @ rng.normal(size=(8, 1)) + 0.1 * rng.normal(size=(256, 1))).astype("float32")
    return X, y


@pytest.fixture
def keras_enabled(autolog_enable):
    """Enable the tensorflow integration (options given) and return the keras module."""

    def enable(**options):
        autolog_enable("tensorflow", **options)
        import keras

        return keras

    return enable
