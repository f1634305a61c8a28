"""What MLflow's own client makes of our runs' lineage on a real ``mlflow server``: system tags and
dataset sources.

A script under git, with ``autolog.autolog()``, trains real sklearn and xgboost models (on a numpy
array, on a DataFrame read from a CSV file, on a DMatrix) and logs by hand a nested run with
datasets from ``https://`` and ``s3://``, all to one ``mlflow server`` (started once for the module).
MLflow's client (bench/.mlflow-venv) then reads them:

- its Source, User and Version columns and nesting: ``mlflow.user``, ``mlflow.source.name``,
  ``mlflow.source.type``, ``mlflow.source.git.commit``, ``mlflow.autologging``, ``mlflow.parentRunId``;
- ``mlflow.data.get_source`` on every dataset input (and on its dataset) gives MLflow's source
  classes: ``code`` for data made in memory, ``local`` for the CSV, ``http`` and ``s3`` for URIs.

Skipped without MLflow's venv unless AUTOLOG_REQUIRE_MLFLOW=1 (``make test``), as test_interop_mlflow.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from server_support import server_env

HERE = os.path.dirname(os.path.abspath(__file__))
LINEAGE_SIDE = os.path.join(HERE, "mlflow_lineage_side.py")

TRAIN = """
import json, os, sys
import numpy as np
import pandas as pd
import autolog
from tracking_core.lineage.datasets import describe_dataset

autolog.set_tracking_uri(sys.argv[1])
autolog.set_experiment("lineage")
autolog.autolog(log_models=False)
from sklearn.ensemble import RandomForestClassifier
from sklearn.linear_model import LogisticRegression
import xgboost as xgb

rng = np.random.default_rng(0)
X = rng.normal(size=(120, 3)); y = (X[:, 0] > 0).astype(int)
LogisticRegression().fit(X, y)
in_memory = autolog.last_active_run().info.run_id
pd.DataFrame(X, columns=["a", "b", "c"]).to_csv("train.csv", index=False)
frame = pd.read_csv("train.csv")
frame.attrs["autolog.source"] = "train.csv"  # what a wrapped reader records
RandomForestClassifier(n_estimators=3, random_state=0).fit(frame, y)
from_file = autolog.last_active_run().info.run_id
dtrain = xgb.DMatrix(X, label=y)
xgb.train({"objective": "binary:logistic", "nthread": 1}, dtrain, num_boost_round=2)
boosted = autolog.last_active_run().info.run_id
with autolog.start_run(run_name="parent") as parent:
    with autolog.start_run(run_name="child", nested=True) as child:
        web = describe_dataset(X, source="https://example.com/data/train.csv")
        autolog.log_input(web, context="training", name="web")
        autolog.log_input(describe_dataset(X, source="s3://bucket/data/eval.parquet"), context="eval", name="bucket")
ids = {"in_memory": in_memory, "from_file": from_file, "boosted": boosted,
       "parent": parent.info.run_id, "child": child.info.run_id}
tags = {name: dict(autolog.TrackingClient().get_run(run_id).data.tags) for name, run_id in ids.items()}
print(json.dumps({"ids": ids, "tags": tags, "csv": os.path.abspath("train.csv")}))
"""


def _git(directory, *args: str) -> str:
    env = {**os.environ, "GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@t", "GIT_COMMITTER_NAME": "t"}
    env["GIT_COMMITTER_EMAIL"] = "t@t"
    out = subprocess.run(["git", *args], cwd=directory, env=env, capture_output=True, text=True, check=True)
    return out.stdout.strip()


@pytest.fixture(scope="module")
def seen(mlflow_python, mlflow_server, tmp_path_factory):
    """Our runs logged to one real ``mlflow server``, and what MLflow's client reads of them."""
    pytest.importorskip("sklearn")
    pytest.importorskip("xgboost")
    pytest.importorskip("pandas")
    directory = tmp_path_factory.mktemp("mlflow-lineage")
    project = directory / "project"
    project.mkdir()
    script = project / "train.py"
    script.write_text(TRAIN)
    _git(project, "init", "-q")
    _git(project, "add", "train.py")
    _git(project, "commit", "-q", "-m", "train")
    commit = _git(project, "rev-parse", "HEAD")
    url = mlflow_server
    ours = subprocess.run(
        [sys.executable, str(script), url],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=project,
        env=server_env({"AUTOLOG_TESTING": "1"}),
    )
    assert ours.returncode == 0, ours.stderr[-4000:]
    logged = json.loads(ours.stdout.strip().splitlines()[-1])
    env = server_env()
    env.pop("PYTHONPATH", None)
    theirs = subprocess.run(
        [mlflow_python, LINEAGE_SIDE, url, *logged["ids"].values()],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=directory,
        env=env,
    )
    assert theirs.returncode == 0, theirs.stderr[-4000:]
    runs = json.loads(theirs.stdout.strip().splitlines()[-1])["runs"]
    by_name = {name: runs[index] for index, name in enumerate(logged["ids"])}
    return {"runs": by_name, "ours": logged, "script": str(script), "commit": commit}


def test_mlflow_client_sees_mlflow_source_user_version_and_autologging_tags(seen):
    runs, ours = seen["runs"], seen["ours"]
    for name, run in runs.items():
        tags = run["tags"]
        assert tags.get("mlflow.source.name") == seen["script"], name
        assert tags.get("mlflow.source.type") == "LOCAL", name
        assert tags.get("mlflow.source.git.commit") == seen["commit"], name
        assert tags.get("mlflow.user") == ours["tags"][name]["autolog.user"] and tags["mlflow.user"], name
        assert run["user_id"] == tags["mlflow.user"], name
    assert runs["in_memory"]["tags"]["mlflow.autologging"] == "sklearn"
    assert runs["from_file"]["tags"]["mlflow.autologging"] == "sklearn"
    assert runs["boosted"]["tags"]["mlflow.autologging"] == "xgboost"
    assert "mlflow.autologging" not in runs["parent"]["tags"]  # a run of the user's own
    assert runs["child"]["tags"]["mlflow.parentRunId"] == ours["ids"]["parent"]


def test_mlflow_get_source_reads_every_dataset_input_we_logged(seen):
    runs = seen["runs"]
    for name, run in runs.items():
        for source in run["sources"]:
            assert "error" not in source, (name, source)
            assert source["same_from_dataset"], (name, source)
    [memory] = runs["in_memory"]["sources"]
    assert (memory["class"], memory["type"]) == ("CodeDatasetSource", "code")
    assert memory["dict"]["tags"]["mlflow.source.name"] == seen["script"]
    [boosted] = runs["boosted"]["sources"]
    assert (boosted["name"], boosted["type"]) == ("dtrain", "code")
    [csv] = runs["from_file"]["sources"]
    assert (csv["type"], csv["dict"]) == ("local", {"uri": seen["ours"]["csv"]})
    by_name = {source["name"]: source for source in runs["child"]["sources"]}
    assert (by_name["web"]["class"], by_name["web"]["dict"]) == (
        "HTTPDatasetSource",
        {"url": "https://example.com/data/train.csv"},
    )
    assert (by_name["bucket"]["type"], by_name["bucket"]["dict"]) == ("s3", {"uri": "s3://bucket/data/eval.parquet"})


def test_inputs_stored_before_mlflow_source_types_are_served_in_mlflow_shapes(server, mlflow_python, tmp_path):
    """A store written by an earlier autolog holds ``source_type`` "pandas"/"numpy" and source ``{}``
    or ``{"type": "local", ...}``: the server answers them in MLflow's shapes, so ``get_source`` reads them."""
    from tracking_core import TrackingClient
    from tracking_core.batch import InputToLog, WriteBatch
    from tracking_core.storage.sql_store import get_store
    from tracking_core.uri import resolve

    client = TrackingClient(server.url)
    run_id = client.create_run(run_name="old inputs").info.run_id
    client.set_terminated(run_id)
    old = [
        InputToLog(run_id, "X", "d1", "numpy", "{}", None, None, (("mlflow.data.context", "training"),)),
        InputToLog(run_id, "table", "d2", "pandas", json.dumps({"type": "local", "uri": "/data/t.csv"}), None, None),
    ]
    get_store(resolve(str(server.store_dir)).database_url).write(WriteBatch(inputs=old))
    env = server_env()
    env.pop("PYTHONPATH", None)
    out = subprocess.run(
        [mlflow_python, LINEAGE_SIDE, server.url, run_id], capture_output=True, text=True, timeout=300, env=env
    )
    assert out.returncode == 0, out.stderr[-3000:]
    sources = {view["name"]: view for view in json.loads(out.stdout.strip().splitlines()[-1])["runs"][0]["sources"]}
    assert sources["X"]["type"] == "code" and "error" not in sources["X"]
    assert sources["table"]["type"] == "local" and sources["table"]["dict"] == {"uri": "/data/t.csv"}


def test_our_rest_client_reads_the_latest_metrics_step_and_timestamp(server):
    from tracking_core import TrackingClient

    client = TrackingClient(server.url)
    run_id = client.create_run(run_name="latest").info.run_id
    client.log_metric(run_id, "loss", 0.5, step=7, timestamp=1_700_000_000_123)
    client.log_metric(run_id, "loss", 0.9, step=2, timestamp=1_700_000_000_999)
    latest = client.get_run(run_id).data.metrics
    assert latest == {"loss": 0.5}
    assert latest.latest("loss") == ("loss", 0.5, 1_700_000_000_123, 7)


def test_a_source_type_of_another_client_is_answered_as_it_was_logged(server):
    from server_support import api

    from tracking_core import TrackingClient

    run_id = TrackingClient(server.url).create_run(run_name="their inputs").info.run_id
    dataset = {"name": "d", "digest": "x1", "source_type": "delta_table", "source": '{"path": "/t"}'}
    assert api(server.url, "POST", "runs/log-inputs", {"run_id": run_id, "datasets": [{"dataset": dataset}]})[0] == 200
    _status, body = api(server.url, "GET", "runs/get", {"run_id": run_id})
    served = body["run"]["inputs"]["dataset_inputs"][0]["dataset"]
    assert (served["source_type"], served["source"]) == ("delta_table", '{"path": "/t"}')
