"""autolog-sklearn-confusion: adds to the sklearn integration without touching it.

For every autologged sklearn classifier fit, logs the confusion matrix on the training data as
``confusion_matrix.json`` (labels and counts) and ``confusion_matrix.png``. It uses only the
collection hook ``autolog_collect_artifacts`` and the public ``TrainingCall``.
"""

from __future__ import annotations

import io
import json

from autolog import ArtifactToLog, hookimpl


def _classifier_fit(call) -> bool:
    if call.integration != "sklearn" or call.instance is None or not call.args:
        return False
    import numpy as np
    from sklearn.base import is_classifier

    return (
        is_classifier(call.instance)
        and hasattr(call.instance, "predict")
        and len(call.args) > 1
        and np.ndim(call.args[1]) == 1
    )  # one label per sample (not MultiOutputClassifier's 2-D y)


def confusion(estimator, X, y) -> dict:
    from sklearn.metrics import confusion_matrix

    labels = list(getattr(estimator, "classes_", sorted(set(y))))
    matrix = confusion_matrix(y, estimator.predict(X), labels=labels)
    return {"labels": [str(label) for label in labels], "matrix": matrix.tolist()}


def render_png(table: dict) -> bytes:
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib.figure import Figure

    figure = Figure(figsize=(4, 4), dpi=80)
    axes = figure.subplots()
    axes.imshow(table["matrix"], cmap="Blues")
    ticks = range(len(table["labels"]))
    axes.set_xticks(list(ticks), table["labels"])
    axes.set_yticks(list(ticks), table["labels"])
    axes.set_xlabel("predicted")
    axes.set_ylabel("true")
    for i, row in enumerate(table["matrix"]):
        for j, count in enumerate(row):
            axes.text(j, i, str(count), ha="center", va="center")
    out = io.BytesIO()
    figure.savefig(out, format="png")
    return out.getvalue()


@hookimpl
def autolog_collect_artifacts(call):
    if not _classifier_fit(call):
        return None
    table = confusion(call.instance, call.args[0], call.args[1])
    return [
        ArtifactToLog("confusion_matrix.json", content=json.dumps(table)),
        ArtifactToLog("confusion_matrix.png", content=render_png(table)),
    ]
