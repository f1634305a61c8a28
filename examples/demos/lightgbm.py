"""LightGBM demo: native ``lightgbm.train`` with a validation set and early stopping."""

from __future__ import annotations

import lightgbm  # noqa: F401  (ImportError here means: not installed, skip)


def demo() -> str:
    import lightgbm as lgb
    from sklearn.datasets import load_diabetes
    from sklearn.model_selection import train_test_split

    X, y = load_diabetes(return_X_y=True, as_frame=True)
    X_train, X_valid, y_train, y_valid = train_test_split(X, y, random_state=0)
    train_set = lgb.Dataset(X_train, y_train)
    valid_set = lgb.Dataset(X_valid, y_valid, reference=train_set)
    params = {
        "objective": "regression",
        "metric": ["l2", "l1"],
        "learning_rate": 0.1,
        "num_leaves": 15,
        "num_threads": 1,
        "verbose": -1,
    }
    booster = lgb.train(
        params,
        train_set,
        num_boost_round=300,
        valid_sets=[train_set, valid_set],
        valid_names=["train", "valid"],
        callbacks=[lgb.early_stopping(20, verbose=False)],
    )
    l1 = booster.best_score["valid"]["l1"]
    return f"lightgbm.train with early stopping: best iteration {booster.best_iteration}, validation l1 {l1:.1f}"
