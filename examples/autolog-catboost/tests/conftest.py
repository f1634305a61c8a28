"""Fixtures: CatBoost autologging enabled for one test, and small real data sets."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pytest


@pytest.fixture
def fast() -> dict[str, Any]:
    """Model params for quick, quiet, deterministic test fits that write no catboost_info/ files."""
    return {"thread_count": 1, "verbose": False, "allow_writing_files": False, "random_seed": 0}


@pytest.fixture
def catboost_autolog(autolog_enable) -> Callable[..., Any]:
    """``catboost_autolog(**options)`` enables the catboost integration and returns the module."""

    def enable(**options: Any) -> Any:
        autolog_enable("catboost", **options)
        import catboost

        return catboost

    return enable


@pytest.fixture(scope="session")
def classification() -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(0)
    X = rng.normal(size=(300, 5))
    y = (X[:, 0] + 0.5 * X[:, 1] + rng.normal(scale=1.0, size=300) > 0).astype(int)
    return X, y


@pytest.fixture(scope="session")
def regression() -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(1)
    X = rng.normal(size=(300, 5))
    y = 2.0 * X[:, 0] - X[:, 2] + rng.normal(scale=0.5, size=300)
    return X, y
