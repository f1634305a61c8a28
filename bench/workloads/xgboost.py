"""XGBoost workloads: 20 boosting rounds on 2,000 x 20 with one eval set, native and sklearn-style.

The eval set makes both autolog and MLflow log a metric per iteration; ``nthread=1`` keeps the
timings steady on a shared machine.
"""

from __future__ import annotations

from typing import Any

import xgboost  # noqa: F401  (ImportError: not installed)

from . import Workload

PARAMS = {"objective": "binary:logistic", "max_depth": 4, "nthread": 1}
ROUNDS = 20


def _prepare_arrays() -> tuple[Any, Any]:
    import numpy as np

    rng = np.random.default_rng(0)
    X = rng.normal(size=(2000, 20))
    y = (X[:, :3].sum(axis=1) + rng.normal(size=2000) > 0).astype(int)
    return X, y


def _prepare_native() -> Any:
    import xgboost as xgb

    X, y = _prepare_arrays()
    return xgb.DMatrix(X, y)


def _train_native(dtrain: Any) -> Any:
    import xgboost as xgb

    return xgb.train(PARAMS, dtrain, num_boost_round=ROUNDS, evals=[(dtrain, "train")], verbose_eval=False)


def _train_sklearn(data: tuple[Any, Any]) -> Any:
    import xgboost as xgb

    X, y = data
    model = xgb.XGBClassifier(n_estimators=ROUNDS, max_depth=4, n_jobs=1)
    return model.fit(X, y, eval_set=[(X, y)], verbose=False)


WORKLOADS = [
    Workload("xgboost train 20 rounds 2000x20", "xgboost", "xgboost", _prepare_native, _train_native),
    Workload("xgboost XGBClassifier 20 rounds 2000x20", "xgboost", "xgboost", _prepare_arrays, _train_sklearn),
]
