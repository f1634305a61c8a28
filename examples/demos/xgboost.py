"""XGBoost demo: an XGBClassifier with an eval set and early stopping, on breast cancer data."""

from __future__ import annotations

import xgboost  # noqa: F401  (ImportError here means: not installed, skip)


def demo() -> str:
    import xgboost as xgb
    from sklearn.datasets import load_breast_cancer
    from sklearn.model_selection import train_test_split

    X, y = load_breast_cancer(return_X_y=True, as_frame=True)
    X_train, X_valid, y_train, y_valid = train_test_split(X, y, random_state=0)
    model = xgb.XGBClassifier(
        n_estimators=200,
        max_depth=3,
        learning_rate=0.3,
        early_stopping_rounds=10,
        eval_metric=["logloss", "error"],
        n_jobs=1,
    )
    model.fit(X_train, y_train, eval_set=[(X_train, y_train), (X_valid, y_valid)], verbose=False)
    error = model.evals_result()["validation_1"]["error"][model.best_iteration]
    return f"XGBClassifier with early stopping: best iteration {model.best_iteration}, validation error {error:.3f}"
