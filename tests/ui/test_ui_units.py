"""Pieces of the UI that need no server: downsampling, plot data recognition, MLmodel reading."""

from __future__ import annotations

import math
import random

from tracking_core.entities import Metric
from tracking_core.ui.artifact_view import describe_mlmodel, kind_of, plot_from_json, raw_headers
from tracking_core.ui.downsample import downsample


def history(values):
    return [Metric("m", v, 1000 + i, i) for i, v in enumerate(values)]


def test_downsample_keeps_every_extreme_and_both_ends():
    rng = random.Random(3)
    values = [rng.gauss(0, 1) for _ in range(100_000)]
    values[54_321] = 50.0
    values[77_777] = -50.0
    points = history(values)
    kept = downsample(points, 500)
    assert len(kept) <= 1002
    assert kept[0] is points[0] and kept[-1] is points[-1]
    assert max(p.value for p in kept) == 50.0 and min(p.value for p in kept) == -50.0
    assert [p.step for p in kept] == sorted(p.step for p in kept)
    # every bucket's own min and max survive
    bucket = 100_000 // 500
    for start in (0, 250 * bucket, 499 * bucket):
        chunk = values[start : start + bucket]
        kept_values = {p.value for p in kept}
        assert min(chunk) in kept_values and max(chunk) in kept_values


def test_downsample_leaves_small_histories_alone_and_ignores_nan_for_extremes():
    points = history([1.0, 2.0, 3.0])
    assert downsample(points, 10) == points
    values = [math.nan] * 50 + [1.0] + [math.nan] * 49
    kept = downsample(history(values * 100), 10)
    assert any(p.value == 1.0 for p in kept)


def test_plot_data_is_recognised_by_shape():
    assert plot_from_json("cm.json", {"labels": ["a", "b"], "matrix": [[1, 2], [3, 4]]})["type"] == "confusion_matrix"
    roc = plot_from_json("whatever.json", {"fpr": [0, 1], "tpr": [0, 1], "auc": 0.5})
    assert roc["type"] == "roc_curve" and roc["curves"][0]["score"] == 0.5
    assert (
        plot_from_json("x.json", {"curves": [{"label": "a", "recall": [0, 1], "precision": [1, 0]}]})["type"]
        == "pr_curve"
    )
    imp = plot_from_json("feature_importance_weight.json", {"f1": 0.1, "f2": 0.9})
    assert imp["features"] == ["f2", "f1"]
    assert (
        plot_from_json("learning_curve.json", {"train_sizes": [1, 2], "train_scores": [0.5, 0.6]})["type"]
        == "learning_curve"
    )
    # ordinary JSON stays JSON
    assert plot_from_json("config.json", {"a": 1, "b": 2}) is None
    assert plot_from_json("x.json", {"fpr": [0, 1], "tpr": [0]}) is None
    assert plot_from_json("x.json", [1, 2, 3]) is None


def test_mlmodel_signature_is_read_as_columns():
    text = """
flavors:
  sklearn: {pickled_model: model.pkl, sklearn_version: 1.9.1}
run_id: abc
signature:
  inputs: '[{"type": "double", "name": "x"}, {"type": "string", "name": "s", "required": false}]'
  outputs: '[{"type": "tensor", "tensor-spec": {"dtype": "int64", "shape": [-1]}}]'
saved_input_example_info: {artifact_path: input_example.json, type: dataframe}
"""
    model = describe_mlmodel(text)
    assert model["flavors"][0]["name"] == "sklearn"
    assert model["signature"]["inputs"][0] == {"name": "x", "type": "double", "shape": "", "optional": ""}
    assert model["signature"]["inputs"][1]["optional"] == "optional"
    assert model["signature"]["outputs"][0]["type"] == "tensor of int64"
    assert model["input_example_file"] == "input_example.json"


def test_served_content_types_come_from_an_allow_list():
    assert kind_of("a/b/MLmodel") == "mlmodel" and kind_of("x.PNG") == "image" and kind_of("x.bin") == "binary"
    assert raw_headers("x.js", download=False)["content-type"] == "application/octet-stream"
    assert raw_headers("x.html", download=True)["content-type"] == "application/octet-stream"
    assert raw_headers("x.json", download=False)["content-type"].startswith("text/plain")


def test_sklearn_validation_curve_with_failed_folds_is_a_curve():
    data = {
        "param_name": "C",
        "param_range": [0.1, 1.0, 10.0],
        "train_scores": [0.9, None, 0.95],
        "test_scores": [0.8, 0.85, None],
    }
    plot = plot_from_json("validation_curve.json", data)
    assert plot["type"] == "learning_curve" and plot["x_label"] == "C" and len(plot["series"]) == 2


def test_mlmodel_without_optional_parts_reads_as_none():
    model = describe_mlmodel("flavors:\n  python_function: {loader_module: m}\n")
    assert model["signature"] is None and model["requirements"] is None and model["input_example_file"] is None


def test_sqlite_histories_keep_extremes_and_see_new_points(tmp_path):
    from tracking_core.batch import NewRun, WriteBatch
    from tracking_core.storage.sql_store import SqlStore
    from tracking_core.ui import queries

    store = SqlStore(f"sqlite:///{tmp_path}/s.db")
    experiment = store.get_or_create_experiment("e", str(tmp_path / "artifacts"))
    run = NewRun("r" * 32, experiment.experiment_id, "r", 0, str(tmp_path / "a"))
    values = [math.sin(i / 50) for i in range(5000)]
    values[1234] = -7.0
    store.write(WriteBatch(new_runs=[run], metrics=[(run.run_id, "m", v, i, i) for i, v in enumerate(values)]))
    points, total = queries.metric_histories(store, [run.run_id], ["m"], 100)[(run.run_id, "m")]
    assert total == 5000 and len(points) <= 202
    assert min(p.value for p in points) == -7.0 and max(p.value for p in points) == max(values)
    assert [p.step for p in points] == sorted(p.step for p in points) and points[-1].step == 4999
    assert queries.metric_histories(store, [run.run_id], ["m"], 100)[(run.run_id, "m")][0] == points  # cached
    store.write(WriteBatch(metrics=[(run.run_id, "m", 99.0, 5000, 5000)]))
    points, total = queries.metric_histories(store, [run.run_id], ["m"], 100)[(run.run_id, "m")]
    assert total == 5001 and max(p.value for p in points) == 99.0 and points[-1].step == 5000


def test_dataset_rows_read_sources_stored_by_mlflow_shape_and_as_before(tmp_path, monkeypatch):
    """The run page's dataset table: the library and the file/URL of inputs stored in MLflow's source
    shapes, and of inputs stored before them (the library as source type, ``{}`` as source)."""
    import numpy as np

    import autolog
    from tracking_core.client import fluent
    from tracking_core.lineage.datasets import describe_dataset
    from tracking_core.ui.web import dataset_rows

    monkeypatch.delenv("AUTOLOG_TRACKING_URI", raising=False)
    monkeypatch.setattr(fluent, "_tracking_uri", None)
    monkeypatch.setattr(fluent, "_experiment_name", None)
    autolog.set_tracking_uri(str(tmp_path / "store"))
    csv = tmp_path / "train.csv"
    csv.write_text("a\n1\n")
    old = {"name": "old", "digest": "d1", "source_type": "pandas", "source": "{}", "profile": '{"shape": [3, 2]}'}
    old_file = {**old, "name": "old_file", "source_type": "local", "source": '{"type": "local", "uri": "/d/x.csv"}'}
    with autolog.start_run() as run:
        autolog.log_input(np.zeros((3, 2)), context="training", name="memory")
        autolog.log_input(describe_dataset(np.ones(3), source=str(csv)), name="file")
        autolog.log_input(describe_dataset(np.ones(4), source="https://example.com/d.csv"), name="url")
        for dataset in (old, old_file):
            autolog.log_input({"dataset": dataset, "tags": []})
    rows = {row["name"]: row for row in dataset_rows(autolog.TrackingClient().get_run(run.info.run_id))}
    assert (rows["memory"]["source_type"], rows["memory"]["source"], rows["memory"]["shape"]) == ("numpy", "", "3 x 2")
    assert (rows["file"]["source_type"], rows["file"]["source"]) == ("numpy", str(csv))
    assert rows["url"]["source"] == "https://example.com/d.csv"
    assert (rows["old"]["source_type"], rows["old"]["source"], rows["old"]["shape"]) == ("pandas", "", "3 x 2")
    assert (rows["old_file"]["source_type"], rows["old_file"]["source"]) == ("local", "/d/x.csv")
