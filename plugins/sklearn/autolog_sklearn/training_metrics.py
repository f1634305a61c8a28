"""``training_*`` metrics of a fitted estimator on its training data.

A metric that cannot be computed (no ``y``, a transformer, a model without ``predict_proba``)
is skipped, never an error. Predictions are computed once (and shared with the signature).
sklearn's metric functions validate their input on every call, which costs milliseconds each;
for the common case (1-D targets) the same formulas are computed here with numpy, and the
result equals sklearn's (the tests recompute every value with ``sklearn.metrics``).
"""
from __future__ import annotations

import math
import warnings
from typing import Any, Callable


def _quiet(fn: Callable[[], Any]) -> Any:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return fn()
    except Exception:
        return None


def _finite(value: Any) -> float | None:
    try:
        value = float(value)
    except (TypeError, ValueError):
        return None
    return None if math.isinf(value) else value


def _weighted_mean(values, weights) -> float:
    import numpy as np

    return float(np.average(values, weights=weights))


def classification(y, y_pred, weights) -> dict[str, float]:
    """Accuracy and weighted precision / recall / F1 (zero_division=0), as sklearn defines them."""
    import numpy as np

    y = np.asarray(y)
    y_pred = np.asarray(y_pred)
    if y.ndim != 1 or y_pred.shape != y.shape:
        return _sklearn_classification(y, y_pred, weights)
    w = np.ones(len(y)) if weights is None else np.asarray(weights, dtype=float)
    labels, encoded = np.unique(np.concatenate([y, y_pred]), return_inverse=True)
    true_idx, pred_idx = encoded[: len(y)], encoded[len(y):]
    n = len(labels)
    correct = true_idx == pred_idx
    tp = np.bincount(true_idx[correct], weights=w[correct], minlength=n)
    true_sum = np.bincount(true_idx, weights=w, minlength=n)
    pred_sum = np.bincount(pred_idx, weights=w, minlength=n)
    with np.errstate(divide="ignore", invalid="ignore"):
        precision = np.where(pred_sum > 0, tp / np.where(pred_sum > 0, pred_sum, 1), 0.0)
        recall = np.where(true_sum > 0, tp / np.where(true_sum > 0, true_sum, 1), 0.0)
        denominator = true_sum + pred_sum
        f1 = np.where(denominator > 0, 2 * tp / np.where(denominator > 0, denominator, 1), 0.0)
    support = true_sum.sum()
    return {
        "training_accuracy_score": _weighted_mean(correct, w),
        "training_precision_score": float((precision * true_sum).sum() / support),
        "training_recall_score": float((recall * true_sum).sum() / support),
        "training_f1_score": float((f1 * true_sum).sum() / support),
    }


def _sklearn_classification(y, y_pred, weights) -> dict[str, float]:
    from sklearn import metrics as skm

    found = {"training_accuracy_score": skm.accuracy_score(y, y_pred, sample_weight=weights)}
    precision, recall, f1, _ = skm.precision_recall_fscore_support(
        y, y_pred, average="weighted", zero_division=0, sample_weight=weights)
    found.update(training_precision_score=precision, training_recall_score=recall, training_f1_score=f1)
    return found


def regression(y, y_pred, weights) -> dict[str, float]:
    import numpy as np

    y = np.asarray(y, dtype=float)
    y_pred = np.asarray(y_pred, dtype=float)
    if y.ndim != 1 or y_pred.shape != y.shape:
        return _sklearn_regression(y, y_pred, weights)
    w = np.ones(len(y)) if weights is None else np.asarray(weights, dtype=float)
    errors = y - y_pred
    mse = _weighted_mean(errors ** 2, w)
    y_mean = _weighted_mean(y, w)
    total = float((w * (y - y_mean) ** 2).sum())
    residual = float((w * errors ** 2).sum())
    if total != 0:
        r2 = 1.0 - residual / total
    else:
        r2 = 1.0 if residual == 0 else 0.0
    return {
        "training_mean_squared_error": mse,
        "training_root_mean_squared_error": math.sqrt(mse),
        "training_mean_absolute_error": _weighted_mean(np.abs(errors), w),
        "training_r2_score": r2,
    }


def _sklearn_regression(y, y_pred, weights) -> dict[str, float]:
    from sklearn import metrics as skm

    mse = skm.mean_squared_error(y, y_pred, sample_weight=weights)
    return {
        "training_mean_squared_error": mse,
        "training_root_mean_squared_error": math.sqrt(mse),
        "training_mean_absolute_error": skm.mean_absolute_error(y, y_pred, sample_weight=weights),
        "training_r2_score": skm.r2_score(y, y_pred, sample_weight=weights),
    }


def _average_ranks(values):
    import numpy as np

    _unique, inverse, counts = np.unique(values, return_inverse=True, return_counts=True)
    upper = np.cumsum(counts)
    return (upper - (counts - 1) / 2.0)[inverse]


def _binary_auc(positive, scores) -> float | None:
    """ROC AUC as the Mann-Whitney statistic with average ranks for ties (equal to the ROC area)."""
    n_positive = int(positive.sum())
    n_negative = len(positive) - n_positive
    if n_positive == 0 or n_negative == 0:
        return None
    ranks = _average_ranks(scores)
    return float((ranks[positive].sum() - n_positive * (n_positive + 1) / 2.0) / (n_positive * n_negative))


def _fast_probabilistic(classes, y, proba) -> dict[str, float] | None:
    """log loss and ROC AUC (binary, or one-vs-rest weighted) without sklearn's input validation."""
    import numpy as np

    y = np.asarray(y)
    proba = np.asarray(proba, dtype=float)
    classes = np.asarray(classes)
    if y.ndim != 1 or proba.ndim != 2 or proba.shape != (len(y), len(classes)) or len(classes) < 2:
        return None
    if not np.allclose(proba.sum(axis=1), 1.0, rtol=np.sqrt(np.finfo(float).eps)):
        return None
    index = np.searchsorted(classes, y)
    if np.any(index >= len(classes)) or np.any(classes[np.minimum(index, len(classes) - 1)] != y):
        return None
    eps = np.finfo(proba.dtype).eps
    found = {"training_log_loss": float(np.mean(-np.log(np.clip(proba[np.arange(len(y)), index], eps, 1 - eps))))}
    if len(classes) == 2:
        auc = _binary_auc(index == 1, proba[:, 1])
    else:
        aucs, weights = [], []
        for k in range(len(classes)):
            positive = index == k
            value = _binary_auc(positive, proba[:, k])
            if value is None:
                return found
            aucs.append(value)
            weights.append(positive.sum())
        auc = float(np.average(aucs, weights=weights))
    if auc is not None:
        found["training_roc_auc"] = auc
    return found


def probabilistic(estimator, y, proba, weights) -> dict[str, float]:
    from sklearn import metrics as skm

    labels = getattr(estimator, "classes_", None)
    if weights is None and labels is not None:
        fast = _quiet(lambda: _fast_probabilistic(labels, y, proba))
        if fast is not None:
            return fast
    found = {}
    loss = _quiet(lambda: skm.log_loss(y, proba, labels=labels, sample_weight=weights))
    if loss is not None:
        found["training_log_loss"] = loss
    if proba.ndim == 2 and proba.shape[1] == 2:
        auc = _quiet(lambda: skm.roc_auc_score(y, proba[:, 1], sample_weight=weights))
    else:
        auc = _quiet(lambda: skm.roc_auc_score(y, proba, multi_class="ovr", average="weighted",
                                               labels=labels, sample_weight=weights))
    if auc is not None:
        found["training_roc_auc"] = auc
    return found


def _uses_default_score(estimator, mixin_name: str) -> bool:
    import sklearn.base

    mixin = getattr(sklearn.base, mixin_name)
    return getattr(type(estimator).score, "__wrapped__", type(estimator).score) is mixin.__dict__["score"] \
        or type(estimator).score is mixin.__dict__["score"]


def compute(estimator: Any, X: Any, y: Any, sample_weight: Any, state: dict) -> dict[str, float]:
    from sklearn.base import is_classifier, is_regressor

    found: dict[str, Any] = {}
    if y is None or X is None:
        return found
    default_score = None
    if is_classifier(estimator) and hasattr(estimator, "predict"):
        y_pred = predictions(estimator, X, state)
        if y_pred is not None:
            found.update(_quiet(lambda: classification(y, y_pred, sample_weight)) or {})
            if _quiet(lambda: _uses_default_score(estimator, "ClassifierMixin")):
                default_score = found.get("training_accuracy_score")
        if hasattr(estimator, "predict_proba"):
            proba = _quiet(lambda: estimator.predict_proba(X))
            if proba is not None:
                found.update(probabilistic(estimator, y, proba, sample_weight))
    elif is_regressor(estimator) and hasattr(estimator, "predict"):
        y_pred = predictions(estimator, X, state)
        if y_pred is not None:
            found.update(_quiet(lambda: regression(y, y_pred, sample_weight)) or {})
            if _quiet(lambda: _uses_default_score(estimator, "RegressorMixin")):
                default_score = found.get("training_r2_score")
    if default_score is not None:
        found["training_score"] = default_score
    elif hasattr(estimator, "score"):
        kwargs = {} if sample_weight is None else {"sample_weight": sample_weight}
        found["training_score"] = _quiet(lambda: estimator.score(X, y, **kwargs))
    return {k: v for k, v in ((k, _finite(v)) for k, v in found.items()) if v is not None}


def predictions(estimator: Any, X: Any, state: dict) -> Any:
    if "y_pred" not in state:
        state["y_pred"] = _quiet(lambda: estimator.predict(X))
    return state["y_pred"]
