"""A classifier's confusion matrix, ROC and precision-recall curves on its training data, as data.

Computed with numpy from the predictions and probabilities the training metrics already have, and
logged as small JSON files a UI can draw (no matplotlib on the hot path):

- ``training_confusion_matrix.json``: ``{"labels": [...], "matrix": [[...], ...]}``, rows the true
  label, columns the predicted one, in the order of ``labels`` (the estimator's ``classes_``);
  counts, or sums of ``sample_weight`` when given. Skipped over ``MAX_LABELS`` classes.
- binary classifiers only (as MLflow), for the positive label (``pos_label``, else ``classes_[1]``):
  ``training_roc_curve.json`` ``{"pos_label": l, "fpr": [...], "tpr": [...], "thresholds": [...],
  "auc": x}`` and ``training_precision_recall_curve.json`` ``{"pos_label": l, "precision": [...],
  "recall": [...], "thresholds": [...], "average_precision": x}``. Points run from the highest
  threshold down (a sample is predicted positive when its probability is >= the threshold); the
  ROC curve starts at (0, 0) with threshold ``null`` (+infinity). Curves of more than
  ``MAX_CURVE_POINTS`` points are thinned to that many (first and last kept), values rounded to 6
  decimals (probabilities: plenty to draw, half the bytes); ``auc`` and
  ``average_precision`` are computed on the full curve and equal sklearn's ``roc_auc_score`` and
  ``average_precision_score``.

With ``log_plots=True`` and matplotlib installed, the same three are also drawn as PNG files.
"""

from __future__ import annotations

import json
import math
from typing import Any

from autolog.plugin import ArtifactToLog

MAX_LABELS = 100
MAX_CURVE_POINTS = 200
DECIMALS = 6


def _plain(values, decimals: int | None = None) -> list:
    import numpy as np

    if decimals is not None:
        values = values.round(decimals)  # enough to draw; half the size and encoding time of full floats
    if values.dtype.kind == "f" and not np.isfinite(values).all():
        return [v if math.isfinite(v) else None for v in values.tolist()]
    return values.tolist()


def _label(value: Any) -> Any:
    value = value.item() if hasattr(value, "item") else value
    return value if value is None or isinstance(value, (bool, int, float, str)) else str(value)


def confusion_matrix(labels, y, y_pred, weights) -> dict | None:
    import numpy as np

    from .training_metrics import encode

    y, y_pred = np.asarray(y), np.asarray(y_pred)
    if y.ndim != 1 or y_pred.shape != y.shape:
        return None
    true_idx = pred_idx = None
    if labels is not None and len(labels) <= MAX_LABELS:
        true_idx, pred_idx = _positions(labels, y), _positions(labels, y_pred)
    if true_idx is None or pred_idx is None:  # no classes_, unsorted, or labels outside them
        labels, true_idx, pred_idx = encode(y, y_pred)
    labels = np.asarray(labels)
    if len(labels) > MAX_LABELS:
        return None
    n = len(labels)
    cells = np.bincount(true_idx * n + pred_idx, weights=weights, minlength=n * n).reshape(n, n)
    matrix = cells.astype(int) if weights is None else cells
    return {"labels": [_label(v) for v in labels], "matrix": matrix.tolist()}


def _positions(labels, values):
    """Index of each value in the sorted ``labels`` (sklearn's ``classes_``), or None if one is missing."""
    import numpy as np

    labels = np.asarray(labels)
    try:
        index = np.searchsorted(labels, values)
    except TypeError:
        return None
    if len(labels) == 0 or np.any(index >= len(labels)) or np.any(labels[np.minimum(index, len(labels) - 1)] != values):
        return None
    return index


def _binary_curve(positive, scores, weights):
    """(thresholds descending, cumulative true positives, cumulative false positives) at each distinct score."""
    import numpy as np

    order = np.argsort(scores, kind="mergesort")[::-1]
    scores = scores[order]
    w = np.ones(len(scores)) if weights is None else np.asarray(weights, dtype=float)[order]
    hits = positive[order] * w
    last_of_each = np.r_[np.flatnonzero(np.diff(scores)), len(scores) - 1]
    tps = np.cumsum(hits)[last_of_each]
    fps = np.cumsum(w - hits)[last_of_each]
    return scores[last_of_each], tps, fps


def _thinned(n: int):
    import numpy as np

    if n <= MAX_CURVE_POINTS:
        return slice(None)
    return np.linspace(0, n - 1, MAX_CURVE_POINTS).round().astype(np.intp)  # steps over 1: all distinct


def binary_curves(labels, y, proba, weights, pos_label) -> dict[str, dict] | None:
    """ROC and precision-recall curve data for the positive label; None unless binary with both classes."""
    import numpy as np

    if labels is None or proba is None:
        return None
    labels, y, proba = np.asarray(labels), np.asarray(y), np.asarray(proba, dtype=float)
    if len(labels) != 2 or y.ndim != 1 or proba.ndim != 2 or proba.shape != (len(y), 2):
        return None
    k = 1 if pos_label is None else next((i for i, v in enumerate(labels.tolist()) if v == pos_label), None)
    if k is None:
        return None
    positive = (y == labels[k]).astype(float)
    thresholds, tps, fps = _binary_curve(positive, proba[:, k], weights)
    if tps[-1] <= 0 or fps[-1] <= 0:
        return None
    tpr, fpr = np.r_[0.0, tps / tps[-1]], np.r_[0.0, fps / fps[-1]]
    precision, recall = tps / (tps + fps), tps / tps[-1]
    trapezoid = np.trapezoid if hasattr(np, "trapezoid") else np.trapz  # type: ignore[attr-defined]  # numpy < 2
    auc = float(trapezoid(tpr, fpr))
    average_precision = float(np.sum(np.diff(np.r_[0.0, recall]) * precision))
    roc_points, pr_points = _thinned(len(fpr)), _thinned(len(precision))
    pos = _label(labels[k])
    return {
        "training_roc_curve": {
            "pos_label": pos,
            "fpr": _plain(fpr[roc_points], DECIMALS),
            "tpr": _plain(tpr[roc_points], DECIMALS),
            "thresholds": _plain(np.r_[np.inf, thresholds][roc_points], DECIMALS),
            "auc": auc,
        },
        "training_precision_recall_curve": {
            "pos_label": pos,
            "precision": _plain(precision[pr_points], DECIMALS),
            "recall": _plain(recall[pr_points], DECIMALS),
            "thresholds": _plain(thresholds[pr_points], DECIMALS),
            "average_precision": average_precision,
        },
    }


def tables(estimator, y, evaluation, weights, pos_label) -> dict[str, dict]:
    """Every plot's data for this fit, by artifact name (without extension)."""
    from sklearn.base import is_classifier

    if not is_classifier(estimator) or evaluation.y_pred is None:
        return {}
    labels = getattr(estimator, "classes_", None)
    labels = labels if labels is not None and getattr(labels, "ndim", 0) == 1 else None
    found = {}
    matrix = confusion_matrix(labels, y, evaluation.y_pred, weights)
    if matrix is not None:
        found["training_confusion_matrix"] = matrix
    curves = binary_curves(labels, y, evaluation.proba, weights, pos_label)
    if curves:
        found.update(curves)
    return found


def artifacts(found: dict[str, dict], with_png: bool) -> list[ArtifactToLog]:
    files = [ArtifactToLog(f"{name}.json", content=json.dumps(table)) for name, table in found.items()]
    if with_png:
        files += [ArtifactToLog(f"{name}.png", content=png) for name, png in _pngs(found).items()]
    return files


def matplotlib_available() -> bool:
    import importlib.util

    return importlib.util.find_spec("matplotlib") is not None


def _pngs(found: dict[str, dict]) -> dict[str, bytes]:
    import io

    import matplotlib

    matplotlib.use("Agg", force=False)
    from matplotlib.figure import Figure

    images = {}
    for name, table in found.items():
        figure = Figure(figsize=(4.5, 4), dpi=90)
        axes = figure.subplots()
        if "matrix" in table:
            axes.imshow(table["matrix"], cmap="Blues")
            ticks = list(range(len(table["labels"])))
            axes.set_xticks(ticks, [str(v) for v in table["labels"]])
            axes.set_yticks(ticks, [str(v) for v in table["labels"]])
            axes.set(xlabel="predicted", ylabel="true", title="confusion matrix (training data)")
            if len(ticks) <= 20:
                for i, row in enumerate(table["matrix"]):
                    for j, value in enumerate(row):
                        axes.text(j, i, f"{value:g}", ha="center", va="center")
        elif "fpr" in table:
            axes.plot(table["fpr"], table["tpr"], label=f"AUC {table['auc']:.3f}")
            axes.plot([0, 1], [0, 1], linestyle="--", color="grey")
            axes.set(
                xlabel="false positive rate",
                ylabel="true positive rate",
                title=f"ROC curve (training data, positive: {table['pos_label']})",
            )
            axes.legend(loc="lower right")
        else:
            axes.plot(table["recall"], table["precision"], label=f"AP {table['average_precision']:.3f}")
            axes.set(
                xlabel="recall",
                ylabel="precision",
                title=f"precision-recall (training data, positive: {table['pos_label']})",
            )
            axes.legend(loc="lower left")
        out = io.BytesIO()
        figure.savefig(out, format="png")
        images[name] = out.getvalue()
    return images
