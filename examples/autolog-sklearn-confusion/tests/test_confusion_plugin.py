"""The extension plugin, installed and discovered through its entry point, on real sklearn."""

from __future__ import annotations

import json
import os

import numpy as np
from sklearn.datasets import make_classification
from sklearn.linear_model import LinearRegression, LogisticRegression
from sklearn.metrics import confusion_matrix

import autolog
from autolog.plugin_manager import load_plugins, plugin_manager


def test_plugin_is_discovered_through_its_entry_point():
    load_plugins()
    assert plugin_manager().get_plugin("sklearn_confusion") is not None


def test_classifier_run_gets_confusion_matrix_json_and_png(autolog_enable, autolog_store, tmp_path):
    autolog_enable("sklearn", log_models=False)
    X, y = make_classification(n_samples=120, n_features=4, random_state=0)
    model = LogisticRegression().fit(X, y)

    run_id = autolog.last_active_run().info.run_id
    files = {f.path for f in autolog_store.list_artifacts(run_id)}
    assert {"confusion_matrix.json", "confusion_matrix.png"} <= files
    with open(autolog_store.download_artifacts(run_id, "confusion_matrix.json")) as fh:
        table = json.load(fh)
    assert table["labels"] == ["0", "1"]
    assert table["matrix"] == confusion_matrix(y, model.predict(X)).tolist()
    with open(autolog_store.download_artifacts(run_id, "confusion_matrix.png"), "rb") as fh:
        assert fh.read(8) == b"\x89PNG\r\n\x1a\n"


def test_regressor_run_gets_no_confusion_matrix(autolog_enable, autolog_store):
    autolog_enable("sklearn", log_models=False)
    LinearRegression().fit(np.arange(20.0).reshape(10, 2), np.arange(10.0))
    run_id = autolog.last_active_run().info.run_id
    assert not any(f.path.startswith("confusion") for f in autolog_store.list_artifacts(run_id))


def test_core_and_sklearn_plugin_never_name_the_extension():
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
    for folder in ("autolog", "tracking_core", os.path.join("plugins", "sklearn", "autolog_sklearn")):
        for dirpath, _dirs, files in os.walk(os.path.join(root, folder)):
            for name in files:
                if name.endswith(".py"):
                    with open(os.path.join(dirpath, name)) as fh:  # confusion matrices they may log; this plugin, never
                        assert "sklearn_confusion" not in fh.read(), os.path.join(dirpath, name)
