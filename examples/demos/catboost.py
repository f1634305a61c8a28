"""CatBoost demo (the example third-party plugin): a classifier with an eval set and early stopping."""

from __future__ import annotations

import catboost
import numpy as np


def demo() -> str:
    rng = np.random.default_rng(0)
    X = rng.normal(size=(600, 6))
    y = (X[:, 0] - X[:, 1] * X[:, 2] + rng.normal(scale=0.8, size=600) > 0).astype(int)
    model = catboost.CatBoostClassifier(
        iterations=300, learning_rate=0.2, depth=4, verbose=False, allow_writing_files=False, random_seed=0
    )
    model.fit(X[:450], y[:450], eval_set=(X[450:], y[450:]), early_stopping_rounds=10)
    ran = len(model.get_evals_result()["learn"]["Logloss"])
    return (
        f"catboost CatBoostClassifier with early stopping on 600 rows: best iteration "
        f"{model.get_best_iteration()}, stopped after {ran} iterations"
    )
