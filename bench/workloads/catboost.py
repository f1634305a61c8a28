"""CatBoost workload (the example plugin): CatBoostClassifier, 100 iterations on 2,000 x 20."""

from __future__ import annotations

from typing import Any

from . import Workload


def _prepare() -> tuple[Any, Any]:
    import catboost  # noqa: F401  (import outside the timed part)
    import numpy as np

    rng = np.random.default_rng(0)
    X = rng.normal(size=(2000, 20))
    y = (X[:, 0] + X[:, 1] * X[:, 2] + rng.normal(size=2000) > 0).astype(int)
    return X, y


def _train(data: tuple[Any, Any]) -> Any:
    import catboost

    X, y = data
    return catboost.CatBoostClassifier(
        iterations=100, depth=4, thread_count=1, verbose=False, allow_writing_files=False, random_seed=0
    ).fit(X, y)


WORKLOADS: list[Workload] = [
    Workload("catboost CatBoostClassifier 2000x20 100 iterations", "catboost", None, _prepare, _train, repeat=5),
]
