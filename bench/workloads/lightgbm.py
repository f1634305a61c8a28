"""LightGBM workloads: 20 boosting rounds on 2,000 x 20 with one eval set, native and sklearn-style.

The eval set makes both autolog and MLflow log a metric per iteration; one thread keeps the
timings steady on a shared machine.
"""

from __future__ import annotations

from typing import Any

import lightgbm  # noqa: F401  (ImportError: not installed)

from . import Workload

PARAMS = {"objective": "binary", "num_leaves": 15, "num_threads": 1, "verbose": -1}
ROUNDS = 20


def _prepare_arrays() -> tuple[Any, Any]:
    import numpy as np

    rng = np.random.default_rng(0)
    X = rng.normal(size=(2000, 20))
    y = (X[:, :3].sum(axis=1) + rng.normal(size=2000) > 0).astype(int)
    return X, y


def _train_native(data: tuple[Any, Any]) -> Any:
    import lightgbm as lgb

    X, y = data
    train_set = lgb.Dataset(X, y, free_raw_data=False)
    return lgb.train(PARAMS, train_set, num_boost_round=ROUNDS, valid_sets=[train_set])


def _train_sklearn(data: tuple[Any, Any]) -> Any:
    import lightgbm as lgb

    X, y = data
    model = lgb.LGBMClassifier(n_estimators=ROUNDS, num_leaves=15, n_jobs=1, verbose=-1)
    return model.fit(X, y, eval_set=[(X, y)])


WORKLOADS = [
    Workload("lightgbm train 20 rounds 2000x20", "lightgbm", "lightgbm", _prepare_arrays, _train_native),
    Workload("lightgbm LGBMClassifier 20 rounds 2000x20", "lightgbm", "lightgbm", _prepare_arrays, _train_sklearn),
]
