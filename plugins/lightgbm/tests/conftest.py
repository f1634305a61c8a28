"""Shared data and fixtures for the autolog-lightgbm tests: small real data, one thread."""

from __future__ import annotations

import numpy as np
import pytest


@pytest.fixture(scope="session")
def data() -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(0)
    X = rng.normal(size=(300, 10))
    y = (X[:, 0] + 0.5 * X[:, 1] + rng.normal(scale=0.5, size=300) > 0).astype(int)
    return X, y


@pytest.fixture
def lgb(autolog_enable):
    autolog_enable("lightgbm")
    import lightgbm

    return lightgbm
