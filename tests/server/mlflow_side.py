"""Run by the real MLflow (bench/.mlflow-venv), never imported by our tests: MLflow's own client
logging to and reading from a tracking server, printing what it saw as one JSON line.

    python mlflow_side.py log URL          log experiments, runs, batches and artifacts; print ids and reads
    python mlflow_side.py read URL RUN_ID...   print each run as MLflow's client reads it
"""

import json
import os
import sys
import tempfile

import mlflow
from mlflow.entities import Metric, Param, RunTag
from mlflow.tracking import MlflowClient


def run_view(client, run_id):
    run = client.get_run(run_id)
    keys = sorted(run.data.metrics)
    with tempfile.TemporaryDirectory() as tmp:
        files = []
        pending = [None]
        while pending:
            for item in client.list_artifacts(run_id, pending.pop()):
                if item.is_dir:
                    pending.append(item.path)
                else:
                    files.append(item.path)
        contents = {}
        for path in sorted(files):
            if path.endswith((".txt", ".json", ".csv", "MLmodel")):
                local = client.download_artifacts(run_id, path, tmp)
                with open(local) as fh:
                    contents[path] = fh.read()
    return {
        "run_id": run_id,
        "name": run.info.run_name,
        "status": run.info.status,
        "experiment_id": run.info.experiment_id,
        "params": dict(run.data.params),
        "metrics": {k: run.data.metrics[k] for k in keys},
        "tags": {k: v for k, v in run.data.tags.items()},
        "history": {
            k: [
                [m.step, m.value, m.timestamp]
                for m in sorted(client.get_metric_history(run_id, k), key=lambda m: (m.step, m.timestamp))
            ]
            for k in keys
        },
        "files": sorted(files),
        "contents": contents,
        "inputs": sorted(
            [i.dataset.name, i.dataset.digest, next((t.value for t in i.tags if t.key == "mlflow.data.context"), None)]
            for i in run.inputs.dataset_inputs
        ),
    }


def log(url):
    mlflow.set_tracking_uri(url)
    client = MlflowClient(url)
    experiment_id = mlflow.set_experiment("interop").experiment_id
    ids = []
    for i, (alpha, rmse) in enumerate([("0.1", 0.3), ("0.1", 0.7), ("0.2", 0.1), ("0.1", 0.45), ("0.1", 0.2)]):
        with mlflow.start_run(run_name=f"run-{i}") as run:
            mlflow.log_param("alpha", alpha)
            mlflow.log_params({"layers": 3, "optimizer": "adam"})
            for step in range(5):
                mlflow.log_metric("loss", 1.0 / (step + 1), step=step)
            mlflow.log_metric("rmse", rmse)
            mlflow.log_metrics({"acc": 0.5 + i / 10, "f1": 0.25})
            mlflow.set_tag("team", "blue")
            mlflow.set_tags({"stage": "dev", "index": str(i)})
            client.log_batch(
                run.info.run_id,
                metrics=[Metric("batched", float(j), 1000 + j, j) for j in range(50)],
                params=[Param("batch_param", "yes")],
                tags=[RunTag("batch_tag", "ok")],
            )
            if i == 0:
                import numpy as np

                mlflow.log_input(mlflow.data.from_numpy(np.arange(6.0).reshape(3, 2), name="tiny"), context="training")
            mlflow.log_text(f"notes of run {i}", "notes/readme.txt")
            mlflow.log_dict({"i": i}, "config.json")
            with tempfile.TemporaryDirectory() as tmp:
                path = os.path.join(tmp, "data.csv")
                with open(path, "w") as fh:
                    fh.write("x,y\n1,2\n")
                mlflow.log_artifact(path, "data")
            ids.append(run.info.run_id)
    found = mlflow.search_runs(
        experiment_names=["interop"],
        filter_string="metrics.rmse < 0.5 and params.alpha = '0.1'",
        order_by=["metrics.rmse DESC"],
    )
    print(
        json.dumps(
            {
                "experiment_id": experiment_id,
                "run_ids": ids,
                "search": list(found["run_id"]),
                "runs": [run_view(client, run_id) for run_id in ids],
            }
        )
    )


def read(url, run_ids):
    client = MlflowClient(url)
    print(json.dumps({"runs": [run_view(client, run_id) for run_id in run_ids]}))


if __name__ == "__main__":
    if sys.argv[1] == "log":
        log(sys.argv[2])
    else:
        read(sys.argv[2], sys.argv[3:])
