"""Interop with the real MLflow, both ways, in MLflow's own virtual environment (bench/.mlflow-venv).

- MLflow's client logs experiments, runs, params, metrics with steps, tags, batches and artifacts to
  ``autolog server`` and reads them back; ``mlflow.search_runs`` with a filter and an order returns
  what our ``TrackingClient.search_runs`` returns.
- Our client, with ``autolog.autolog()`` and real sklearn and xgboost trainings, logs to a real
  ``mlflow server``; MLflow's client reads back exactly what we logged, and ``load_model`` works there.

``make test`` builds the MLflow venv first and sets AUTOLOG_REQUIRE_MLFLOW=1 (a missing venv is then a
failure); run alone without it, these tests are skipped.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from server_support import server_env

MLFLOW_SIDE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "mlflow_side.py")
FILTER = "metrics.rmse < 0.5 and params.alpha = '0.1'"
ORDER = ["metrics.rmse DESC"]


def _mlflow(python: str, *args: str, cwd) -> dict:
    env = server_env()
    env.pop("PYTHONPATH", None)
    out = subprocess.run([python, MLFLOW_SIDE, *args], capture_output=True, text=True, timeout=300, cwd=cwd, env=env)
    assert out.returncode == 0, out.stderr[-4000:]
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_mlflow_client_logs_to_autolog_server_and_reads_back(server, mlflow_python, tmp_path):
    seen = _mlflow(mlflow_python, "log", server.url, cwd=tmp_path)
    assert len(seen["runs"]) == 5
    for index, run in enumerate(seen["runs"]):
        assert run["name"] == f"run-{index}" and run["status"] == "FINISHED"
        assert run["params"] == {
            "alpha": ["0.1", "0.1", "0.2", "0.1", "0.1"][index],
            "layers": "3",
            "optimizer": "adam",
            "batch_param": "yes",
        }
        assert run["metrics"]["rmse"] == [0.3, 0.7, 0.1, 0.45, 0.2][index]
        assert run["metrics"]["loss"] == 0.2 and run["metrics"]["batched"] == 49.0
        assert [point[0] for point in run["history"]["loss"]] == [0, 1, 2, 3, 4]
        assert [point[:2] for point in run["history"]["batched"]] == [[j, float(j)] for j in range(50)]
        assert {k: run["tags"][k] for k in ("team", "stage", "index", "batch_tag")} == {
            "team": "blue",
            "stage": "dev",
            "index": str(index),
            "batch_tag": "ok",
        }
        assert run["files"] == ["config.json", "data/data.csv", "notes/readme.txt"]
        assert run["contents"]["notes/readme.txt"] == f"notes of run {index}"
        assert json.loads(run["contents"]["config.json"]) == {"i": index}

    # the same search through our client gives the same runs in the same order
    import tracking_core

    ids = seen["run_ids"]
    assert seen["search"] == [ids[3], ids[0], ids[4]]
    ours = tracking_core.TrackingClient(server.url).search_runs(["interop"], filter_string=FILTER, order_by=ORDER)
    assert [run.info.run_id for run in ours] == seen["search"]
    # and what MLflow logged reads the same through our client
    mine = tracking_core.TrackingClient(server.url).get_run(ids[1])
    assert dict(mine.data.params) == seen["runs"][1]["params"]
    assert dict(mine.data.metrics) == seen["runs"][1]["metrics"]
    # a dataset input MLflow logged (runs/log-inputs) reads back the same on both sides
    assert [[name, context] for name, _digest, context in seen["runs"][0]["inputs"]] == [["tiny", "training"]]
    first = tracking_core.TrackingClient(server.url).get_run(ids[0])
    assert [[i.dataset.name, i.dataset.digest, i.context] for i in first.inputs.dataset_inputs] == seen["runs"][0][
        "inputs"
    ]
    assert all(not run["inputs"] for run in seen["runs"][1:])


OUR_SIDE = """
import json, os, sys
import numpy as np
import autolog
from autolog import TrackingClient
autolog.set_tracking_uri(sys.argv[1])
autolog.set_experiment("from-autolog")
autolog.autolog()
from sklearn.ensemble import RandomForestClassifier
import xgboost as xgb
rng = np.random.default_rng(0)
X = rng.normal(size=(200, 4)); y = (X[:, 0] + X[:, 1] > 0).astype(int)
forest = RandomForestClassifier(n_estimators=5, random_state=0).fit(X, y)
sk = autolog.last_active_run().info.run_id
dtrain = xgb.DMatrix(X, label=y)
booster = xgb.train({"objective": "binary:logistic", "nthread": 1}, dtrain, num_boost_round=5,
                    evals=[(dtrain, "train")], verbose_eval=False)
xg = autolog.last_active_run().info.run_id
with autolog.start_run(run_name="manual") as run:
    autolog.log_params({"alpha": 0.1, "note": "x" * 500})
    for step in range(20):
        autolog.log_metric("loss", 1 / (step + 1), step=step)
    autolog.log_metric("nan", float("nan"))
    autolog.set_tag("team", "red")
    autolog.log_text("hello", "notes/readme.txt")
manual = run.info.run_id
same = bool((autolog.load_model(f"runs:/{sk}/model").predict(X) == forest.predict(X)).all())
same_xg = bool(np.allclose(autolog.load_model(f"runs:/{xg}/model").predict(dtrain), booster.predict(dtrain)))
client = TrackingClient()
def files(run_id, path=None):
    out = []
    for item in client.list_artifacts(run_id, path):
        out += files(run_id, item.path) if item.is_dir else [item.path]
    return out
views = []
for run_id in (sk, xg, manual):
    r = client.get_run(run_id)
    views.append({"run_id": run_id, "name": r.info.run_name, "status": r.info.status,
                  "params": dict(r.data.params),
                  "metrics": {k: (None if v != v else v) for k, v in r.data.metrics.items()},
                  "tags": dict(r.data.tags), "files": sorted(files(run_id)),
                  "inputs": sorted([i.dataset.name, i.dataset.digest, i.context] for i in r.inputs.dataset_inputs),
                  "history": {k: [[m.step, None if m.value != m.value else m.value, m.timestamp]
                                  for m in client.get_metric_history(run_id, k)] for k in sorted(r.data.metrics)}})
print(json.dumps({"runs": views, "loaded_equal": same and same_xg}))
"""


def test_our_client_logs_autologged_training_to_mlflow_server(mlflow_python, mlflow_server, tmp_path):
    pytest.importorskip("sklearn")
    pytest.importorskip("xgboost")
    url = mlflow_server
    out = subprocess.run(
        [sys.executable, "-c", OUR_SIDE, url],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=tmp_path,
        env=server_env({"AUTOLOG_TESTING": "1"}),
    )
    assert out.returncode == 0, out.stderr[-4000:]
    ours = json.loads(out.stdout.strip().splitlines()[-1])
    assert ours["loaded_equal"]
    theirs = _mlflow(mlflow_python, "read", url, *[run["run_id"] for run in ours["runs"]], cwd=tmp_path)
    for mine, seen in zip(ours["runs"], theirs["runs"], strict=True):
        assert seen["name"] == mine["name"] and seen["status"] == mine["status"] == "FINISHED"
        assert seen["params"] == mine["params"] and mine["params"]
        assert {k: (None if v != v else v) for k, v in seen["metrics"].items()} == mine["metrics"] and mine["metrics"]
        assert {k: seen["tags"][k] for k in mine["tags"]} == mine["tags"]
        assert seen["files"] == mine["files"] and mine["files"]
        assert seen["inputs"] == mine["inputs"]  # our dataset inputs, as MLflow's client reads them
        assert {
            k: [[s, None if v != v else v, t] for s, v, t in points] for k, points in seen["history"].items()
        } == mine["history"]
    sk, xg, manual = theirs["runs"]
    assert sk["tags"]["autolog.autologging"] == "sklearn" and "model/MLmodel" in sk["files"]
    assert [[name, context] for name, _digest, context in sk["inputs"]] == [["X", "training"]]
    assert [[name, context] for name, _digest, context in xg["inputs"]] == [["dtrain", "training"]]
    assert xg["tags"]["autolog.autologging"] == "xgboost" and len(xg["history"]["train-logloss"]) == 5
    assert [p[0] for p in manual["history"]["loss"]] == list(range(20)) and manual["params"]["note"] == "x" * 500
    assert manual["contents"]["notes/readme.txt"] == "hello"
