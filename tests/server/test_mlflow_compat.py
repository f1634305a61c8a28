"""``autolog server`` as MLflow 3.17.2's own client and a real ``mlflow server`` see it (issue 20).

MLflow's client (bench/.mlflow-venv, driven by ``mlflow_compat_side.py``) reads latest metrics with
their step and timestamp, finds the Default experiment on a fresh server, deletes experiment tags,
and uses the UI's ``/ajax-api`` endpoints (search, dataset summaries, upload). Error codes are
compared with those a real ``mlflow server`` answers to the same requests. Long filters and order
lists are refused naming the limit; an Origin of another scheme is not this server's own.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from server_support import REPO_DIR, api, request, server_env, start_server

USERS_ADD = [sys.executable, "-m", "autolog", "server", "users", "add"]
COMPAT_SIDE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "mlflow_compat_side.py")


@pytest.fixture(scope="module")
def seen(server, mlflow_python, tmp_path_factory):
    """What MLflow's client saw: checks against a fresh server and against ``server``."""
    fresh = start_server("--backend-store-uri", str(tmp_path_factory.mktemp("fresh") / "store"))
    try:
        env = server_env({"MLFLOW_HTTP_REQUEST_MAX_RETRIES": "0"})
        env.pop("PYTHONPATH", None)
        out = subprocess.run(
            [mlflow_python, COMPAT_SIDE, fresh.url, server.url],
            capture_output=True,
            text=True,
            timeout=300,
            cwd=tmp_path_factory.mktemp("mlflow-side"),
            env=env,
        )
    finally:
        fresh.stop()
    assert out.returncode == 0, out.stderr[-4000:]
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_latest_metrics_carry_their_timestamp_and_step(seen):
    # the latest point is the one of the highest step, whatever its timestamp
    assert seen["latest_metrics"] == {"get_run": [["loss", 2.5, 100, 9]], "search_runs": [["loss", 2.5, 100, 9]]}


def test_a_fresh_server_lists_the_default_experiment(seen):
    assert seen["fresh"] == {"names": ["Default"], "default_id": "0"}


def test_experiment_tags_are_deleted_through_mlflow_and_our_client(seen, http_tracking):
    assert seen["experiment_tags"] == {"keep": "yes"}
    experiment_id = http_tracking.get_experiment_by_name("compat").experiment_id
    http_tracking.set_experiment_tag(experiment_id, "ours", "1")
    assert http_tracking.get_experiment_by_name("compat").tags == {"keep": "yes", "ours": "1"}
    http_tracking.delete_experiment_tag(experiment_id, "ours")
    assert http_tracking.get_experiment_by_name("compat").tags == {"keep": "yes"}


def test_the_ui_endpoints_answer_under_ajax_api(seen):
    found = seen["ajax"]
    assert "error" not in found, found
    assert "compat" in found["experiment_names"] and "Default" in found["experiment_names"]
    assert [name_context for _id, *name_context in found["dataset_summaries"]] == [["tiny", "training"]]
    assert found["uploaded"] == "uploaded through the UI"


def _users_file(tmp_path) -> str:
    users = tmp_path / "users.txt"
    out = subprocess.run(
        [*USERS_ADD, "alice", "--users-file", str(users), "--password-stdin"],
        input="correct horse\n",
        capture_output=True,
        text=True,
        cwd=REPO_DIR,
        env=server_env(),
    )
    assert out.returncode == 0, out.stderr
    return str(users)


def test_ajax_api_is_guarded_as_api_is(server, tmp_path):
    search = "/ajax-api/2.0/mlflow/experiments/search"
    body = json.dumps({"max_results": 5}).encode()
    cross_site = {"Origin": "http://evil.example", "Content-Type": "application/json"}
    assert request(server.url, "POST", search, body, cross_site)[0] == 403
    upload = "/ajax-api/2.0/mlflow/upload-artifact?run_uuid=x&path=a.txt"
    assert request(server.url, "POST", upload, b"data", {"Origin": "http://evil.example"})[0] == 403

    guarded = start_server("--backend-store-uri", str(tmp_path / "store"), "--users-file", _users_file(tmp_path))
    try:
        json_type = {"Content-Type": "application/json"}
        assert request(guarded.url, "POST", search, body, json_type)[0] == 401
        assert request(guarded.url, "POST", upload, b"data")[0] == 401
        import base64

        alice = {**json_type, "Authorization": "Basic " + base64.b64encode(b"alice:correct horse").decode()}
        assert request(guarded.url, "POST", search, body, alice)[0] == 200
    finally:
        guarded.stop()


def _codes(url: str) -> list[tuple[str, int, str | None]]:
    """The (request, status, error code) of requests MLflow's tests make, on the server at ``url``."""
    answers = []

    def call(name, method, endpoint, payload):
        status, body = api(url, method, endpoint, payload)
        answers.append((name, status, body.get("error_code") if isinstance(body, dict) else None))
        return body

    experiment_id = call("create experiment", "POST", "experiments/create", {"name": "codes"})["experiment_id"]
    run_id = call("create run", "POST", "runs/create", {"experiment_id": experiment_id, "start_time": 1})["run"][
        "info"
    ]["run_id"]
    call("delete run", "POST", "runs/delete", {"run_id": run_id})
    point = {"key": "m", "value": 1.0, "timestamp": 1, "step": 0}
    call("metric on deleted run", "POST", "runs/log-metric", {"run_id": run_id, **point})
    call("param on deleted run", "POST", "runs/log-parameter", {"run_id": run_id, "key": "p", "value": "1"})
    call("tag on deleted run", "POST", "runs/set-tag", {"run_id": run_id, "key": "t", "value": "1"})
    call("batch on deleted run", "POST", "runs/log-batch", {"run_id": run_id, "metrics": [point]})
    call("update deleted run", "POST", "runs/update", {"run_id": run_id, "status": "FINISHED"})
    call("experiment abc", "GET", "experiments/get", {"experiment_id": "abc"})
    call("search runs of abc", "POST", "runs/search", {"experiment_ids": ["abc"]})
    call("missing experiment", "GET", "experiments/get", {"experiment_id": "987654"})
    call("history of missing run", "GET", "metrics/get-history", {"run_id": "f" * 32, "metric_key": "m"})
    call("delete experiment", "POST", "experiments/delete", {"experiment_id": experiment_id})
    call("delete it again", "POST", "experiments/delete", {"experiment_id": experiment_id})
    call("run in deleted experiment", "POST", "runs/create", {"experiment_id": experiment_id})
    call(
        "tag deleted experiment",
        "POST",
        "experiments/set-experiment-tag",
        {"experiment_id": experiment_id, "key": "k", "value": "v"},
    )
    call("restore experiment", "POST", "experiments/restore", {"experiment_id": experiment_id})
    call("restore it again", "POST", "experiments/restore", {"experiment_id": experiment_id})
    call(
        "delete missing tag", "POST", "experiments/delete-experiment-tag", {"experiment_id": experiment_id, "key": "k"}
    )
    return answers


def test_status_and_error_codes_are_those_of_a_real_mlflow_server(server, mlflow_server, seen):
    assert _codes(server.url) == _codes(mlflow_server)
    # and as MLflow's client sees them
    assert seen["deleted_run_writes"] == dict.fromkeys(
        ("log_param", "log_metric", "set_tag"), "INVALID_PARAMETER_VALUE"
    )
    assert seen["history_of_missing_run"] == []


@pytest.mark.parametrize("clauses", [51, 64, 100, 1000])
def test_long_filters_are_refused_naming_the_limit(server, clauses):
    condition = " and ".join(f"metrics.m{i} > 0" for i in range(clauses))
    for endpoint, payload in (
        ("runs/search", {"experiment_ids": ["0"], "filter": condition}),
        ("experiments/search", {"filter": " and ".join(f"tags.t{i} = 'x'" for i in range(clauses))}),
    ):
        status, body = api(server.url, "POST", endpoint, payload)
        assert (status, body["error_code"]) == (400, "INVALID_PARAMETER_VALUE"), body
        assert "at most 50 clauses" in body["message"]


@pytest.mark.parametrize("keys", [11, 65, 200])
def test_long_order_lists_are_refused_naming_the_limit(server, keys):
    for endpoint, payload in (
        ("runs/search", {"experiment_ids": ["0"], "order_by": [f"metrics.m{i}" for i in range(keys)]}),
        ("experiments/search", {"order_by": [f"tags.t{i}" for i in range(keys)]}),
    ):
        status, body = api(server.url, "POST", endpoint, payload)
        assert (status, body["error_code"]) == (400, "INVALID_PARAMETER_VALUE"), body
        assert "at most 10 keys" in body["message"]


def test_the_longest_filter_and_order_list_allowed_are_answered(server):
    run_id = api(server.url, "POST", "runs/create", {"experiment_id": "0"})[1]["run"]["info"]["run_id"]
    metrics = [{"key": f"m{i}", "value": 1.0, "timestamp": 1, "step": 0} for i in range(50)]
    assert api(server.url, "POST", "runs/log-batch", {"run_id": run_id, "metrics": metrics})[0] == 200
    payload = {
        "experiment_ids": ["0"],
        "filter": " and ".join(f"metrics.m{i} > 0" for i in range(50)),
        "order_by": [f"metrics.m{i} DESC" for i in range(10)],
    }
    status, body = api(server.url, "POST", "runs/search", payload)
    assert status == 200, body
    assert [run["info"]["run_id"] for run in body["runs"]] == [run_id]


def test_an_origin_of_another_scheme_is_not_this_servers_own(server):
    body = json.dumps({"experiment_id": "0"}).encode()
    create = "/api/2.0/mlflow/runs/create"
    host = server.url.split("://", 1)[1]
    for origin in (f"https://{host}", f"ftp://{host}", f"HTTPS://{host.upper()}"):
        headers = {"Origin": origin, "Content-Type": "application/json"}
        assert request(server.url, "POST", create, body, headers)[0] == 403, origin
    for origin in (server.url, server.url.upper().replace("HTTP://", "http://")):
        headers = {"Origin": origin, "Content-Type": "application/json"}
        assert request(server.url, "POST", create, body, headers)[0] == 200, origin
