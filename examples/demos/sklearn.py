"""scikit-learn demo: a pipeline fit, a small grid search, and a post-training metric."""

from __future__ import annotations

import sklearn  # noqa: F401  (ImportError here means: not installed, skip)


def demo() -> str:
    from sklearn.datasets import load_breast_cancer
    from sklearn.linear_model import LogisticRegression
    from sklearn.metrics import accuracy_score
    from sklearn.model_selection import GridSearchCV, train_test_split
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import StandardScaler

    X, y = load_breast_cancer(return_X_y=True)
    X_train, X_test, y_train, y_test = train_test_split(X, y, random_state=0)
    search = GridSearchCV(
        make_pipeline(StandardScaler(), LogisticRegression(max_iter=500)),
        {"logisticregression__C": [0.1, 1.0, 10.0]},
        cv=3,
    )
    search.fit(X_train, y_train)
    accuracy = accuracy_score(y_test, search.predict(X_test))
    return f"GridSearchCV over a scaler + logistic regression pipeline, test accuracy {accuracy:.3f}"
