"""Classifier plot data on the training data (confusion matrix, ROC and PR curves) and ``pos_label``."""

from __future__ import annotations

import json

import numpy as np
import pytest
from autolog_sklearn import plots
from sklearn import metrics as skm
from sklearn.datasets import make_classification
from sklearn.linear_model import LinearRegression, LogisticRegression
from sklearn.tree import DecisionTreeClassifier

import autolog


def _json(client, run_id, path):
    with open(client.download_artifacts(run_id, path)) as fh:
        return json.load(fh)


def _files(client, run_id):
    return {f.path for f in client.list_artifacts(run_id)}


def test_binary_classifier_logs_confusion_matrix_roc_and_pr_curves_as_json(autolog_enable, autolog_store):
    X, y_int = make_classification(n_samples=60, n_features=4, random_state=0)
    y = np.array(["no", "yes"])[y_int]
    autolog_enable("sklearn", log_models=False)
    model = DecisionTreeClassifier(max_depth=3, random_state=0).fit(X, y)  # few distinct scores: full curves
    run_id = autolog.last_active_run().info.run_id
    files = _files(autolog_store, run_id)
    assert {
        "training_confusion_matrix.json",
        "training_roc_curve.json",
        "training_precision_recall_curve.json",
    } <= files
    assert not any(f.endswith(".png") and f.startswith("training_") for f in files)

    confusion = _json(autolog_store, run_id, "training_confusion_matrix.json")
    assert confusion == {
        "labels": ["no", "yes"],
        "matrix": skm.confusion_matrix(y, model.predict(X), labels=["no", "yes"]).tolist(),
    }

    proba = model.predict_proba(X)[:, 1]
    roc = _json(autolog_store, run_id, "training_roc_curve.json")
    fpr, tpr, thresholds = skm.roc_curve(y, proba, pos_label="yes", drop_intermediate=False)
    assert roc["pos_label"] == "yes"
    np.testing.assert_allclose(roc["fpr"], fpr, atol=1e-6)
    np.testing.assert_allclose(roc["tpr"], tpr, atol=1e-6)
    assert roc["thresholds"][0] is None
    np.testing.assert_allclose(roc["thresholds"][1:], thresholds[1:], atol=1e-6)
    assert roc["auc"] == pytest.approx(skm.roc_auc_score(y, proba))

    pr = _json(autolog_store, run_id, "training_precision_recall_curve.json")
    precision, recall, pr_thresholds = skm.precision_recall_curve(y, proba, pos_label="yes")
    np.testing.assert_allclose(pr["precision"], precision[:-1][::-1], atol=1e-6)
    np.testing.assert_allclose(pr["recall"], recall[:-1][::-1], atol=1e-6)
    np.testing.assert_allclose(pr["thresholds"], pr_thresholds[::-1], atol=1e-6)
    assert pr["average_precision"] == pytest.approx(skm.average_precision_score(y, proba, pos_label="yes"))


def test_curves_are_capped_and_keep_the_exact_area(autolog_enable, autolog_store):
    X, y = make_classification(n_samples=3000, n_features=8, flip_y=0.2, random_state=1)
    weights = np.linspace(0.5, 1.5, len(y))
    autolog_enable("sklearn", log_models=False)
    model = LogisticRegression().fit(X, y, sample_weight=weights)
    run_id = autolog.last_active_run().info.run_id
    proba = model.predict_proba(X)[:, 1]

    roc = _json(autolog_store, run_id, "training_roc_curve.json")
    assert len(roc["fpr"]) == len(roc["tpr"]) == len(roc["thresholds"]) == plots.MAX_CURVE_POINTS
    assert (roc["fpr"][0], roc["tpr"][0], roc["fpr"][-1], roc["tpr"][-1]) == (0.0, 0.0, 1.0, 1.0)
    assert roc["auc"] == pytest.approx(skm.roc_auc_score(y, proba, sample_weight=weights))
    pr = _json(autolog_store, run_id, "training_precision_recall_curve.json")
    assert len(pr["precision"]) == plots.MAX_CURVE_POINTS
    assert pr["average_precision"] == pytest.approx(skm.average_precision_score(y, proba, sample_weight=weights))
    confusion = _json(autolog_store, run_id, "training_confusion_matrix.json")
    np.testing.assert_allclose(confusion["matrix"], skm.confusion_matrix(y, model.predict(X), sample_weight=weights))
    size = sum(f.file_size for f in autolog_store.list_artifacts(run_id) if f.path.endswith(".json"))
    assert size < 40_000


def test_multiclass_gets_a_confusion_matrix_but_no_binary_curves(autolog_enable, autolog_store):
    X, y = make_classification(n_samples=150, n_features=6, n_informative=4, n_classes=3, random_state=0)
    autolog_enable("sklearn", log_models=False)
    model = LogisticRegression().fit(X, y)
    run_id = autolog.last_active_run().info.run_id
    files = _files(autolog_store, run_id)
    assert "training_roc_curve.json" not in files
    confusion = _json(autolog_store, run_id, "training_confusion_matrix.json")
    assert confusion == {"labels": [0, 1, 2], "matrix": skm.confusion_matrix(y, model.predict(X)).tolist()}


def test_regressor_gets_no_plot_data(autolog_enable, autolog_store):
    autolog_enable("sklearn", log_models=False)
    LinearRegression().fit(np.arange(20.0).reshape(10, 2), np.arange(10.0))
    assert not any(f.startswith("training_") for f in _files(autolog_store, autolog.last_active_run().info.run_id))


def test_log_plots_adds_png_images(autolog_enable, autolog_store):
    X, y = make_classification(n_samples=80, n_features=4, random_state=0)
    autolog_enable("sklearn", log_models=False, log_plots=True)
    LogisticRegression().fit(X, y)
    run_id = autolog.last_active_run().info.run_id
    for name in ("training_confusion_matrix", "training_roc_curve", "training_precision_recall_curve"):
        with open(autolog_store.download_artifacts(run_id, f"{name}.png"), "rb") as fh:
            assert fh.read(8) == b"\x89PNG\r\n\x1a\n"


def test_pos_label_makes_precision_recall_f1_binary_for_that_label(autolog_enable, autolog_store):
    X, y_int = make_classification(n_samples=200, n_features=5, weights=[0.7], random_state=0)
    y = np.array(["ham", "spam"])[y_int]
    autolog_enable("sklearn", log_models=False, pos_label="ham")
    model = LogisticRegression().fit(X, y)
    metrics = autolog.last_active_run().data.metrics
    y_pred = model.predict(X)
    assert metrics["training_precision_score"] == pytest.approx(skm.precision_score(y, y_pred, pos_label="ham"))
    assert metrics["training_recall_score"] == pytest.approx(skm.recall_score(y, y_pred, pos_label="ham"))
    assert metrics["training_f1_score"] == pytest.approx(skm.f1_score(y, y_pred, pos_label="ham"))
    assert metrics["training_f1_score"] != pytest.approx(skm.f1_score(y, y_pred, average="weighted"))
    roc = _json(autolog_store, autolog.last_active_run().info.run_id, "training_roc_curve.json")
    assert roc["pos_label"] == "ham"
    assert roc["auc"] == pytest.approx(skm.roc_auc_score(y == "ham", model.predict_proba(X)[:, 0]))


def test_pos_label_on_a_multiclass_target_warns_and_keeps_the_other_metrics(autolog_enable, autolog_store, monkeypatch):
    from autolog.safety import AutologWarning

    monkeypatch.delenv("AUTOLOG_TESTING")
    X, y = make_classification(n_samples=150, n_features=6, n_informative=4, n_classes=3, random_state=0)
    autolog_enable("sklearn", log_models=False, pos_label=1)
    with pytest.warns(AutologWarning, match="pos_label=1 needs a binary target"):
        LogisticRegression().fit(X, y)
    metrics = autolog.last_active_run().data.metrics
    assert "training_f1_score" not in metrics
    assert {"training_accuracy_score", "training_log_loss", "training_score"} <= set(metrics)


@pytest.mark.parametrize(
    "option, value",
    [
        ("max_tuning_runs", -1),
        ("max_tuning_runs", 2.5),
        ("log_post_training_metrics", "yes"),
        ("log_plots", 1),
        ("pos_label", [1]),
    ],
)
def test_bad_option_values_are_a_value_error_naming_the_option(autolog_store, option, value):
    with pytest.raises(ValueError, match=option):
        autolog.autolog(**{option: value})
    with pytest.raises(ValueError, match=option):
        autolog.sklearn.autolog(**{option: value})


def test_good_option_values_are_accepted(autolog_enable, autolog_store):
    autolog_enable("sklearn", max_tuning_runs=None, pos_label="spam", log_plots=False, log_post_training_metrics=False)
    autolog_enable("sklearn", max_tuning_runs=0, pos_label=1)
