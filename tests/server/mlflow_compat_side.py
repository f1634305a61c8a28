"""Run by the real MLflow (bench/.mlflow-venv), never imported by our tests: MLflow's own client and
REST helpers against a tracking server, each check's outcome printed in one JSON line.

    python mlflow_compat_side.py FRESH_URL URL

FRESH_URL is a server nothing has used yet (what a new user sees first); URL any server. A check
that raises records ``{"error": ..., "error_code": ...}`` instead of its result, so one missing
feature does not hide the others.
"""

import json
import sys
import traceback

import mlflow
from mlflow.protos.service_pb2 import SearchDatasets, SearchExperiments
from mlflow.tracking import MlflowClient
from mlflow.utils.rest_utils import MlflowHostCreds, call_endpoint, http_request, verify_rest_response

AJAX = "/ajax-api/2.0/mlflow"


def outcome(check):
    try:
        return check()
    except Exception as exc:
        return {
            "error": f"{type(exc).__name__}: {exc}"[:500],
            "error_code": getattr(exc, "error_code", None),
            "trace": traceback.format_exc()[-1500:],
        }


def fresh(url):
    client = MlflowClient(url)
    return {
        "names": [e.name for e in client.search_experiments()],
        "default_id": client.get_experiment_by_name("Default").experiment_id,
    }


def latest_metrics(client, experiment_id):
    run_id = client.create_run(experiment_id).info.run_id
    client.log_metric(run_id, "loss", 1.5, timestamp=123, step=7)
    client.log_metric(run_id, "loss", 2.5, timestamp=100, step=9)

    def points(run):
        return sorted([m.key, m.value, m.timestamp, m.step] for m in run.data._metric_objs)

    return {
        "get_run": points(client.get_run(run_id)),
        "search_runs": next(points(run) for run in client.search_runs([experiment_id]) if run.info.run_id == run_id),
    }


def experiment_tags(client, experiment_id):
    client.set_experiment_tag(experiment_id, "team", "blue")
    client.set_experiment_tag(experiment_id, "keep", "yes")
    client.delete_experiment_tag(experiment_id, "team")
    return dict(client.get_experiment(experiment_id).tags)


def ajax(url, experiment_id, tmp_dir):
    creds = MlflowHostCreds(url)
    found = call_endpoint(
        creds, f"{AJAX}/experiments/search", "POST", json.dumps({"max_results": 100}), SearchExperiments.Response()
    )
    with mlflow.start_run(experiment_id=experiment_id) as run:
        import numpy as np

        mlflow.log_input(mlflow.data.from_numpy(np.arange(4.0), name="tiny"), context="training")
        mlflow.log_input(mlflow.data.from_numpy(np.arange(4.0), name="tiny"), context="training")
    datasets = call_endpoint(
        creds,
        f"{AJAX}/experiments/search-datasets",
        "POST",
        json.dumps({"experiment_ids": [experiment_id]}),
        SearchDatasets.Response(),
    )
    response = http_request(
        creds,
        f"{AJAX}/upload-artifact",
        "POST",
        params={"run_uuid": run.info.run_id, "path": "uploads/notes.txt"},
        data=b"uploaded through the UI",
        max_retries=0,
    )
    verify_rest_response(response, "upload-artifact")
    local = MlflowClient(url).download_artifacts(run.info.run_id, "uploads/notes.txt", tmp_dir)
    with open(local) as fh:
        uploaded = fh.read()
    return {
        "experiment_names": [e.name for e in found.experiments],
        "dataset_summaries": [[d.experiment_id, d.name, d.context] for d in datasets.dataset_summaries],
        "uploaded": uploaded,
    }


def deleted_run_writes(client, experiment_id):
    run_id = client.create_run(experiment_id).info.run_id
    client.delete_run(run_id)
    codes = {}
    for name, write in (
        ("log_param", lambda: client.log_param(run_id, "p", "1")),
        ("log_metric", lambda: client.log_metric(run_id, "m", 1.0)),
        ("set_tag", lambda: client.set_tag(run_id, "t", "1")),
    ):
        codes[name] = outcome(write).get("error_code")
    return codes


def main(fresh_url, url):
    import tempfile

    mlflow.set_tracking_uri(url)
    client = MlflowClient(url)
    experiment_id = client.create_experiment("compat")
    with tempfile.TemporaryDirectory() as tmp:
        result = {
            "fresh": outcome(lambda: fresh(fresh_url)),
            "latest_metrics": outcome(lambda: latest_metrics(client, experiment_id)),
            "experiment_tags": outcome(lambda: experiment_tags(client, experiment_id)),
            "ajax": outcome(lambda: ajax(url, experiment_id, tmp)),
            "deleted_run_writes": outcome(lambda: deleted_run_writes(client, experiment_id)),
            "history_of_missing_run": outcome(lambda: client.get_metric_history("0" * 32, "loss")),
        }
    print(json.dumps(result, default=str))


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
