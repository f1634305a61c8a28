"""Shared fixtures: statsmodels autologging enabled for one test, and small real data sets."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
import pytest


@pytest.fixture
def sm_autolog(autolog_enable) -> Callable[..., Any]:
    """``sm_autolog(**options)`` enables the statsmodels integration and returns ``statsmodels.api``."""

    def enable(**options: Any) -> Any:
        autolog_enable("statsmodels", **options)
        import statsmodels.api as sm

        return sm

    return enable


@pytest.fixture(scope="session")
def regression() -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(0)
    X = np.column_stack([np.ones(120), rng.normal(size=(120, 3))])
    y = X @ np.array([0.5, 1.0, -2.0, 0.3]) + rng.normal(size=120)
    return X, y


@pytest.fixture(scope="session")
def binary(regression) -> tuple[np.ndarray, np.ndarray]:
    X, _ = regression
    rng = np.random.default_rng(1)
    y = (X @ np.array([0.2, 1.0, -1.0, 0.5]) + rng.logistic(size=len(X)) > 0).astype(float)
    return X, y


@pytest.fixture(scope="session")
def counts(regression) -> tuple[np.ndarray, np.ndarray]:
    X, _ = regression
    rng = np.random.default_rng(2)
    y = rng.poisson(np.exp(X @ np.array([0.3, 0.4, -0.2, 0.1]))).astype(float)
    return X, y


@pytest.fixture(scope="session")
def series() -> np.ndarray:
    rng = np.random.default_rng(3)
    noise = rng.normal(size=150)
    y = np.zeros(150)
    for t in range(1, 150):
        y[t] = 0.6 * y[t - 1] + noise[t]
    return y


@pytest.fixture(scope="session")
def frame(regression) -> pd.DataFrame:
    X, y = regression
    return pd.DataFrame({"y": y, "a": X[:, 1], "b": X[:, 2], "c": X[:, 3]})
