"""scikit-learn workloads: LogisticRegression on 2,000 x 20 (the issue's reference fit)."""

from __future__ import annotations

import sklearn  # noqa: F401  (ImportError: not installed)

from . import Workload


def _prepare():
    from sklearn.datasets import make_classification

    return make_classification(n_samples=2000, n_features=20, random_state=0)


def _train(data):
    from sklearn.linear_model import LogisticRegression

    X, y = data
    return LogisticRegression().fit(X, y)


WORKLOADS = [Workload("sklearn LogisticRegression 2000x20", "sklearn", "sklearn", _prepare, _train)]
