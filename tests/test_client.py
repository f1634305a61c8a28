"""TrackingClient and the explicit API: search, artifacts, delete, log_dict/log_text, experiments."""

from __future__ import annotations

import json
import os

import pytest
import yaml

import autolog
from autolog import RunNotFoundError


@pytest.fixture
def three_runs(autolog_store):
    ids = {}
    for name, acc, model in (("a", 0.7, "svm"), ("b", 0.9, "tree"), ("c", 0.8, "tree")):
        with autolog.start_run(run_name=name) as run:
            autolog.log_metric("acc", acc)
            autolog.log_param("model", model)
            autolog.set_tag("stage", "dev" if name != "b" else "prod")
        ids[name] = run.info.run_id
    return ids


def _names(runs) -> list[str]:
    return [run.info.run_name for run in runs]


def test_search_runs_filters_and_orders(three_runs, autolog_store):
    search = autolog_store.search_runs
    assert _names(search(order_by=["metrics.acc DESC"])) == ["b", "c", "a"]
    assert _names(search(filter_string="metrics.acc > 0.75", order_by=["metrics.acc"])) == ["c", "b"]
    assert _names(search(filter_string="params.model = 'tree' and tags.stage = 'dev'")) == ["c"]
    assert _names(search(filter_string="attributes.run_name LIKE 'b%'")) == ["b"]
    assert _names(search(order_by=["params.model ASC", "metrics.acc DESC"])) == ["a", "b", "c"]
    assert _names(search(order_by=["metrics.acc DESC"], max_results=2)) == ["b", "c"]
    assert len(search()) == 3


def test_a_malformed_filter_is_a_clear_error(three_runs, autolog_store):
    with pytest.raises(ValueError, match="acc >> 1"):
        autolog_store.search_runs(filter_string="metrics.acc >> 1")


def test_delete_run_hides_the_run(three_runs, autolog_store):
    autolog_store.delete_run(three_runs["a"])
    assert sorted(_names(autolog_store.search_runs())) == ["b", "c"]
    with pytest.raises(RunNotFoundError, match=three_runs["a"]):
        autolog_store.get_run(three_runs["a"])
    with pytest.raises(RunNotFoundError, match="0" * 32):
        autolog_store.delete_run("0" * 32)


def test_log_dict_and_log_text_are_listed_and_downloaded(autolog_store, tmp_path):
    with autolog.start_run() as run:
        autolog.log_dict({"b": 1, "a": [1, 2]}, "config/params.json")
        autolog.log_dict({"layers": 3, "name": "net"}, "config/model.yaml")
        autolog.log_text("hello\nworld\n", "notes.txt")
    run_id = run.info.run_id
    top = autolog_store.list_artifacts(run_id)
    assert [(f.path, f.is_dir) for f in top] == [("config", True), ("notes.txt", False)]
    assert top[1].file_size == len("hello\nworld\n")
    assert [f.path for f in autolog_store.list_artifacts(run_id, "config")] == [
        "config/model.yaml",
        "config/params.json",
    ]
    destination = tmp_path / "downloads"
    config_dir = autolog_store.download_artifacts(run_id, "config", str(destination))
    with open(os.path.join(config_dir, "params.json")) as fh:
        assert json.load(fh) == {"b": 1, "a": [1, 2]}
    with open(os.path.join(config_dir, "model.yaml")) as fh:
        assert yaml.safe_load(fh) == {"layers": 3, "name": "net"}
    notes = autolog_store.download_artifacts(run_id, "notes.txt", str(destination))
    with open(notes) as fh:
        assert fh.read() == "hello\nworld\n"
    assert str(destination) in notes


def test_log_artifact_and_log_artifacts_copy_files_under_the_run(autolog_store, tmp_path):
    source = tmp_path / "out"
    (source / "sub").mkdir(parents=True)
    (source / "a.txt").write_text("a")
    (source / "sub" / "b.txt").write_text("b")
    with autolog.start_run() as run:
        autolog.log_artifact(str(source / "a.txt"))
        autolog.log_artifacts(str(source), "everything")
    paths = {f.path for f in autolog_store.list_artifacts(run.info.run_id)}
    assert paths == {"a.txt", "everything"}
    nested = autolog_store.list_artifacts(run.info.run_id, "everything/sub")
    assert [f.path for f in nested] == ["everything/sub/b.txt"]


def test_set_experiment_groups_runs(autolog_store):
    experiment = autolog.set_experiment("ablation")
    with autolog.start_run(run_name="in-ablation") as run:
        pass
    assert run.info.experiment_id == experiment.experiment_id
    assert autolog_store.get_experiment_by_name("ablation").experiment_id == experiment.experiment_id
    assert _names(autolog_store.search_runs(experiment_names=["ablation"])) == ["in-ablation"]
    assert autolog_store.search_runs(experiment_names=["Default"]) == []
    assert autolog_store.search_runs(experiment_names=["no-such-experiment"]) == []


def test_start_run_while_a_run_is_active_needs_nested(autolog_store):
    with autolog.start_run() as outer:
        with pytest.raises(RuntimeError, match=outer.info.run_id):
            autolog.start_run()
        with autolog.start_run(nested=True) as inner:
            assert autolog.active_run() is inner
        assert autolog.active_run() is outer
    child = autolog_store.get_run(inner.info.run_id)
    assert child.data.tags["autolog.parentRunId"] == outer.info.run_id


def test_a_run_context_manager_records_failure(autolog_store):
    with pytest.raises(ZeroDivisionError):
        with autolog.start_run() as run:
            raise ZeroDivisionError("the user's training fails")
    assert autolog_store.get_run(run.info.run_id).info.status == "FAILED"
