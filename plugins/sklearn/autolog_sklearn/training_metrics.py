"""``training_*`` metrics of a fitted estimator on its training data.

Predictions and probabilities are computed once per fit (and shared with the signature and the
plot data). Where a classifier's ``predict`` is by definition the class of highest
``predict_proba`` (forests, bagging: sklearn's own ``predict`` computes ``predict_proba`` and takes
the argmax), the predictions are taken from the probabilities: one prediction pass, not two.
sklearn's metric functions validate their input on every call, which costs milliseconds each;
for the common case (1-D targets) the same formulas are computed here with numpy, and the result
equals sklearn's (the tests recompute every value with ``sklearn.metrics``).

- Classifiers: accuracy and precision / recall / F1 weighted over classes (zero_division=0), or,
  with the ``pos_label`` option, binary precision / recall / F1 of that label (as MLflow); log loss
  and ROC AUC (binary, or one-vs-rest weighted) from ``predict_proba``.
- Regressors: MSE, RMSE, MAE, R².
- Multi-output targets (2-D ``y``, e.g. ``MultiOutputClassifier``): each metric is computed per
  output and averaged uniformly over outputs (sklearn's ``multioutput="uniform_average"``).
- ``training_score``: the estimator's own ``score`` (taken from the metrics above when it is the
  default ``ClassifierMixin``/``RegressorMixin`` one).

Not applicable (no ``y``, a transformer, no ``predict_proba``) means skipped. A ``predict``,
``predict_proba``, ``score`` or metric that raises is skipped too, and ``failed(metrics, what, exc)``
is told, so the user gets one warning naming the metric and the error.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable
from typing import Any

Failed = Callable[[str, str, BaseException], None]


def _attempt(fn: Callable[[], Any], metrics: str, what: str, failed: Failed) -> Any:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return fn()
    except Exception as exc:
        failed(metrics, what, exc)
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


def encode(y, y_pred) -> tuple[Any, Any, Any]:
    """(sorted labels, index of each true label, index of each predicted label)."""
    import numpy as np

    labels, encoded = np.unique(np.concatenate([np.asarray(y), np.asarray(y_pred)]), return_inverse=True)
    return labels, encoded[: len(y)], encoded[len(y) :]


def _pos_label_index(labels, pos_label) -> int | None:
    matches = [i for i, label in enumerate(labels.tolist()) if label == pos_label]
    if len(labels) > 2:
        raise ValueError(f"pos_label={pos_label!r} needs a binary target; the training data has {len(labels)} classes")
    if not matches:
        if len(labels) == 2:
            raise ValueError(f"pos_label={pos_label!r} is not one of the labels {labels.tolist()}")
        return None
    return matches[0]


def classification(y, y_pred, weights, pos_label: Any = None) -> dict[str, float]:
    """Accuracy and weighted (or ``pos_label`` binary) precision / recall / F1, as sklearn defines them."""
    import numpy as np

    y = np.asarray(y)
    y_pred = np.asarray(y_pred)
    if y.ndim != 1 or y_pred.shape != y.shape:
        return _sklearn_classification(y, y_pred, weights, pos_label)
    w = np.ones(len(y)) if weights is None else np.asarray(weights, dtype=float)
    labels, true_idx, pred_idx = encode(y, y_pred)
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
    found = {"training_accuracy_score": _weighted_mean(correct, w)}
    if pos_label is not None:
        k = _pos_label_index(labels, pos_label)
        values = (0.0, 0.0, 0.0) if k is None else (precision[k], recall[k], f1[k])
    else:
        support = true_sum.sum()
        values = tuple((v * true_sum).sum() / support for v in (precision, recall, f1))
    found.update(
        training_precision_score=float(values[0]),
        training_recall_score=float(values[1]),
        training_f1_score=float(values[2]),
    )
    return found


def _sklearn_classification(y, y_pred, weights, pos_label: Any = None) -> dict[str, float]:
    from sklearn import metrics as skm

    found = {"training_accuracy_score": skm.accuracy_score(y, y_pred, sample_weight=weights)}
    average = "weighted" if pos_label is None else "binary"
    extra = {} if pos_label is None else {"pos_label": pos_label}
    precision, recall, f1, _ = skm.precision_recall_fscore_support(
        y, y_pred, average=average, zero_division=0, sample_weight=weights, **extra
    )
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
    mse = _weighted_mean(errors**2, w)
    y_mean = _weighted_mean(y, w)
    total = float((w * (y - y_mean) ** 2).sum())
    residual = float((w * errors**2).sum())
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


def probabilistic(labels, y, proba, weights, failed: Failed, what: str = "predict_proba") -> dict[str, float]:
    from sklearn import metrics as skm

    if weights is None and labels is not None:
        try:
            fast = _fast_probabilistic(labels, y, proba)
        except Exception:
            fast = None  # anything unusual: sklearn's own functions below validate and say what is wrong
        if fast is not None:
            return fast
    found = {}
    loss = _attempt(
        lambda: skm.log_loss(y, proba, labels=labels, sample_weight=weights),
        "training_log_loss",
        f"log_loss on {what}",
        failed,
    )
    if loss is not None:
        found["training_log_loss"] = loss
    if proba.ndim == 2 and proba.shape[1] == 2:
        auc = _attempt(
            lambda: skm.roc_auc_score(y, proba[:, 1], sample_weight=weights),
            "training_roc_auc",
            f"roc_auc_score on {what}",
            failed,
        )
    else:
        auc = _attempt(
            lambda: skm.roc_auc_score(
                y, proba, multi_class="ovr", average="weighted", labels=labels, sample_weight=weights
            ),
            "training_roc_auc",
            f"roc_auc_score on {what}",
            failed,
        )
    if auc is not None:
        found["training_roc_auc"] = auc
    return found


def _uses_default_score(estimator, mixin_name: str) -> bool:
    import sklearn.base

    mixin = getattr(sklearn.base, mixin_name)
    score = getattr(type(estimator), "score", None)
    return getattr(score, "__wrapped__", score) is mixin.__dict__["score"] or score is mixin.__dict__["score"]


def _average(dicts: list[dict[str, float]]) -> dict[str, float]:
    """Uniform average over outputs of the metrics every output has."""
    if not dicts:
        return {}
    keys = set(dicts[0]).intersection(*dicts[1:])
    return {k: sum(float(d[k]) for d in dicts) / len(dicts) for k in keys}


def _multi_output_probabilistic(estimator, Y, probas, weights, failed: Failed) -> dict[str, float]:
    """Per-output log loss and ROC AUC, averaged: ``predict_proba`` gives a list, one array per output."""
    import numpy as np

    Y = np.asarray(Y)
    classes = getattr(estimator, "classes_", None)
    if not isinstance(classes, list) or len(classes) != Y.shape[1] or len(probas) != Y.shape[1]:
        return {}
    return _average(
        [
            probabilistic(
                np.asarray(classes[k]),
                Y[:, k],
                np.asarray(probas[k], dtype=float),
                weights,
                failed,
                f"predict_proba output {k}",
            )
            for k in range(Y.shape[1])
        ]
    )


class Evaluation:
    """What is computed on the training data once per fit: metrics, and the data the plots need."""

    def __init__(self) -> None:
        self.metrics: dict[str, float] = {}
        self.y_pred: Any = None
        self.proba: Any = None
        self.tables: dict[str, dict] = {}  # plot data by artifact name (see ``plots``)


def _classifier(estimator, X, y, weights, pos_label, result: Evaluation, failed: Failed) -> Any:
    import numpy as np

    default_score = None
    multi_output = np.ndim(y) == 2 and np.shape(y)[1] > 1
    names = "training_accuracy_score, training_precision_score, training_recall_score, training_f1_score"
    if result.y_pred is not None:
        if multi_output:
            Y, Y_pred = np.asarray(y), np.asarray(result.y_pred)
            found = _attempt(
                lambda: _average(
                    [classification(Y[:, k], Y_pred[:, k], weights, pos_label) for k in range(Y.shape[1])]
                ),
                names,
                "computing them",
                failed,
            )
        else:
            found = _attempt(
                lambda: classification(y, result.y_pred, weights, pos_label), names, "computing them", failed
            )
        if found is None and pos_label is not None:  # pos_label does not fit the target: accuracy still does
            found = _attempt(lambda: classification(y, result.y_pred, weights), "", "", lambda *_: None)
            found = {"training_accuracy_score": found["training_accuracy_score"]} if found else None
        result.metrics.update(found or {})
        if _uses_default_score(estimator, "ClassifierMixin"):
            default_score = result.metrics.get("training_accuracy_score")
    if hasattr(estimator, "predict_proba"):
        if result.proba is None:
            result.proba = _attempt(
                lambda: estimator.predict_proba(X), "training_log_loss, training_roc_auc", "predict_proba", failed
            )
        if isinstance(result.proba, list) and multi_output:
            result.metrics.update(_multi_output_probabilistic(estimator, y, result.proba, weights, failed))
        elif result.proba is not None:
            result.proba = np.asarray(result.proba)
            result.metrics.update(probabilistic(getattr(estimator, "classes_", None), y, result.proba, weights, failed))
    return default_score


def compute(
    estimator: Any, X: Any, y: Any, sample_weight: Any, state: dict, failed: Failed, pos_label: Any = None
) -> Evaluation:
    from sklearn.base import is_classifier, is_regressor

    result = Evaluation()
    if y is None or X is None:
        return result
    default_score = None
    if is_classifier(estimator) and hasattr(estimator, "predict"):
        if "y_pred" not in state and _predicts_argmax_of_proba(estimator):
            result.proba = _predictions_from_proba(estimator, X, state, failed)
        result.y_pred = predictions(estimator, X, state, failed)
        default_score = _classifier(estimator, X, y, sample_weight, pos_label, result, failed)
    elif is_regressor(estimator) and hasattr(estimator, "predict"):
        result.y_pred = predictions(estimator, X, state, failed)
        if result.y_pred is not None:
            names = "training_mean_squared_error, training_mean_absolute_error, training_r2_score"
            result.metrics.update(
                _attempt(lambda: regression(y, result.y_pred, sample_weight), names, "computing them", failed) or {}
            )
            if _uses_default_score(estimator, "RegressorMixin"):
                default_score = result.metrics.get("training_r2_score")
    if default_score is not None:
        result.metrics["training_score"] = default_score
    elif hasattr(estimator, "score") and not _search_cannot_score(estimator):
        kwargs = {} if sample_weight is None else {"sample_weight": sample_weight}
        result.metrics["training_score"] = _attempt(
            lambda: estimator.score(X, y, **kwargs), "training_score", "score", failed
        )
    result.metrics = {k: v for k, v in ((k, _finite(v)) for k, v in result.metrics.items()) if v is not None}
    return result


def _search_cannot_score(estimator: Any) -> bool:
    """A multi-metric search refit by a callable (``GridSearchCV(scoring={...}, refit=callable)``):
    its ``score`` has no metric to use and raises (scikit-learn's own limit, the user's code is
    correct), so no ``training_score`` is recorded for it, quietly."""
    return bool(getattr(estimator, "multimetric_", False)) and callable(getattr(estimator, "refit", None))


# ``predict`` implementations that are ``classes_.take(argmax(self.predict_proba(X)))`` for one output.
_ARGMAX_OF_PROBA = {
    ("sklearn.ensemble._forest", "ForestClassifier.predict"),
    ("sklearn.ensemble._bagging", "BaggingClassifier.predict"),
}


def _predicts_argmax_of_proba(estimator: Any) -> bool:
    predict = getattr(type(estimator), "predict", None)
    predict = getattr(predict, "__wrapped__", predict)  # autolog's own post-training wrapper
    if (getattr(predict, "__module__", None), getattr(predict, "__qualname__", None)) not in _ARGMAX_OF_PROBA:
        return False
    return getattr(estimator, "n_outputs_", 1) == 1 and getattr(getattr(estimator, "classes_", None), "ndim", 0) == 1


def _predictions_from_proba(estimator: Any, X: Any, state: dict, failed: Failed) -> Any:
    """``predict_proba(X)``, and ``state["y_pred"]`` from it as ``predict`` would compute it."""
    import numpy as np

    proba = _attempt(lambda: estimator.predict_proba(X), "training metrics from predictions", "predict_proba", failed)
    if proba is not None:
        proba = np.asarray(proba)
        state["y_pred"] = estimator.classes_.take(np.argmax(proba, axis=1), axis=0)
    return proba


def predictions(estimator: Any, X: Any, state: dict, failed: Failed) -> Any:
    if "y_pred" not in state:
        state["y_pred"] = _attempt(lambda: estimator.predict(X), "training metrics from predictions", "predict", failed)
    return state["y_pred"]
