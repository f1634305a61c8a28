"""The MLflow REST API 2.0 subset of ``autolog server``, spoken with raw HTTP against a real server process."""

from __future__ import annotations

import json
import signal
import time

import pytest
from server_support import api, request, start_server


def _experiment(server, name: str) -> str:
    status, body = api(server.url, "POST", "experiments/create", {"name": name})
    assert status == 200, body
    return body["experiment_id"]


def _run(server, experiment_id: str, **fields) -> dict:
    status, body = api(server.url, "POST", "runs/create", {"experiment_id": experiment_id, **fields})
    assert status == 200, body
    return body["run"]


def test_server_prints_its_url_and_stops_cleanly_on_sigterm_and_sigint(tmp_path):
    for sig in (signal.SIGTERM, signal.SIGINT):
        started = time.monotonic()
        process = start_server("--backend-store-uri", str(tmp_path / f"store{sig}"))
        answered_after = time.monotonic() - started
        assert process.url.startswith("http://127.0.0.1:")
        assert process.stop(sig) == 0
        assert "stopped" in "".join(process.output)
        assert answered_after < 10


def test_experiments_lifecycle(server):
    experiment_id = _experiment(server, "lifecycle")
    status, body = api(server.url, "GET", "experiments/get", {"experiment_id": experiment_id})
    assert status == 200 and body["experiment"]["name"] == "lifecycle"
    assert body["experiment"]["lifecycle_stage"] == "active"
    assert body["experiment"]["artifact_location"] == f"mlflow-artifacts:/{experiment_id}"

    status, body = api(server.url, "POST", "experiments/create", {"name": "lifecycle"})
    assert status == 400 and body["error_code"] == "RESOURCE_ALREADY_EXISTS"

    assert (
        api(server.url, "POST", "experiments/update", {"experiment_id": experiment_id, "new_name": "renamed"})[0] == 200
    )
    status, body = api(server.url, "GET", "experiments/get-by-name", {"experiment_name": "renamed"})
    assert status == 200 and body["experiment"]["experiment_id"] == experiment_id
    assert (
        api(
            server.url,
            "POST",
            "experiments/set-experiment-tag",
            {"experiment_id": experiment_id, "key": "team", "value": "a"},
        )[0]
        == 200
    )

    assert api(server.url, "POST", "experiments/delete", {"experiment_id": experiment_id})[0] == 200
    status, body = api(server.url, "POST", "experiments/search", {"max_results": 100})
    assert "renamed" not in [e["name"] for e in body.get("experiments", [])]
    status, body = api(server.url, "POST", "experiments/search", {"view_type": "DELETED_ONLY"})
    assert [e["name"] for e in body["experiments"]] == ["renamed"]
    assert body["experiments"][0]["tags"] == [{"key": "team", "value": "a"}]
    status, body = api(server.url, "POST", "runs/create", {"experiment_id": experiment_id})
    assert status == 400 and body["error_code"] == "INVALID_PARAMETER_VALUE"  # as MLflow
    assert api(server.url, "POST", "experiments/restore", {"experiment_id": experiment_id})[0] == 200
    status, body = api(server.url, "GET", "experiments/search", {"filter": "name = 'renamed'"})
    assert [e["name"] for e in body["experiments"]] == ["renamed"]


def test_missing_things_are_404_resource_does_not_exist(server):
    for endpoint, payload in [
        ("experiments/get", {"experiment_id": "987654"}),
        ("experiments/get-by-name", {"experiment_name": "nope"}),
        ("runs/get", {"run_id": "0" * 32}),
    ]:
        status, body = api(server.url, "GET", endpoint, payload)
        assert status == 404, (endpoint, body)
        assert body["error_code"] == "RESOURCE_DOES_NOT_EXIST" and body["message"]
    # as MLflow: an id that is no integer is a bad parameter; an unknown run's history has no points
    status, body = api(server.url, "GET", "experiments/get", {"experiment_id": "not-a-number"})
    assert (status, body["error_code"]) == (400, "INVALID_PARAMETER_VALUE")
    assert api(server.url, "GET", "metrics/get-history", {"run_id": "0" * 32, "metric_key": "m"}) == (
        200,
        {"metrics": []},
    )


def test_run_lifecycle_and_logging_endpoints(server):
    experiment_id = _experiment(server, "runs")
    run = _run(
        server, experiment_id, run_name="first", start_time=1000, user_id="ann", tags=[{"key": "k", "value": "v"}]
    )
    run_id = run["info"]["run_id"]
    assert run["info"]["run_name"] == "first" and run["info"]["status"] == "RUNNING"
    assert run["info"]["start_time"] == 1000 and run["info"]["user_id"] == "ann"
    assert run["info"]["artifact_uri"] == f"mlflow-artifacts:/{experiment_id}/{run_id}/artifacts"

    assert (
        api(
            server.url,
            "POST",
            "runs/log-metric",
            {"run_id": run_id, "key": "m", "value": 0.5, "timestamp": 5, "step": 1},
        )[0]
        == 200
    )
    assert (
        api(
            server.url,
            "POST",
            "runs/log-metric",
            {"run_id": run_id, "key": "m", "value": "NaN", "timestamp": "6", "step": "2"},
        )[0]
        == 200
    )
    assert api(server.url, "POST", "runs/log-parameter", {"run_id": run_id, "key": "p", "value": "1"})[0] == 200
    status, body = api(server.url, "POST", "runs/log-parameter", {"run_id": run_id, "key": "p", "value": "2"})
    assert status == 400 and body["error_code"] == "INVALID_PARAMETER_VALUE" and "'p'" in body["message"]
    assert api(server.url, "POST", "runs/set-tag", {"run_id": run_id, "key": "t", "value": "x"})[0] == 200
    assert api(server.url, "POST", "runs/delete-tag", {"run_id": run_id, "key": "k"})[0] == 200
    status, body = api(server.url, "POST", "runs/update", {"run_id": run_id, "status": "FINISHED", "end_time": 2000})
    assert status == 200 and body["run_info"]["status"] == "FINISHED" and body["run_info"]["end_time"] == 2000

    status, body = api(server.url, "GET", "runs/get", {"run_id": run_id})
    data = body["run"]["data"]
    assert {p["key"]: p["value"] for p in data["params"]} == {"p": "1"}
    tags = {t["key"]: t["value"] for t in data["tags"]}
    assert tags["t"] == "x" and "k" not in tags
    assert {m["key"]: m["value"] for m in data["metrics"]} == {"m": "NaN"}

    status, body = api(server.url, "GET", "metrics/get-history", {"run_id": run_id, "metric_key": "m"})
    assert [(m["value"], m["timestamp"], m["step"]) for m in body["metrics"]] == [(0.5, 5, 1), ("NaN", 6, 2)]

    assert api(server.url, "POST", "runs/delete", {"run_id": run_id})[0] == 200
    status, body = api(server.url, "GET", "runs/get", {"run_id": run_id})
    assert status == 200 and body["run"]["info"]["lifecycle_stage"] == "deleted"
    status, body = api(
        server.url, "POST", "runs/log-metric", {"run_id": run_id, "key": "m", "value": 1, "timestamp": 1}
    )
    assert status == 400 and body["error_code"] == "INVALID_PARAMETER_VALUE"  # as MLflow
    assert api(server.url, "POST", "runs/restore", {"run_id": run_id})[0] == 200
    status, body = api(server.url, "GET", "runs/get", {"run_id": run_id})
    assert body["run"]["info"]["lifecycle_stage"] == "active"


def test_mlflow_default_experiment_id_zero_is_the_default_experiment(server):
    run = _run(server, "0")
    _status, body = api(server.url, "GET", "experiments/get", {"experiment_id": run["info"]["experiment_id"]})
    assert body["experiment"]["name"] == "Default"


def test_log_batch_writes_everything_and_enforces_mlflow_limits(server):
    run_id = _run(server, _experiment(server, "batch"))["info"]["run_id"]
    metrics = [{"key": f"m{i % 3}", "value": i, "timestamp": 100 + i, "step": i} for i in range(1000)]
    params = [{"key": f"p{i}", "value": str(i)} for i in range(100)]
    status, body = api(
        server.url, "POST", "runs/log-batch", {"run_id": run_id, "metrics": metrics[:900], "params": params}
    )
    assert status == 200, body
    status, body = api(server.url, "GET", "runs/get", {"run_id": run_id})
    assert len(body["run"]["data"]["params"]) == 100

    cases = [
        ({"metrics": [*metrics, metrics[0]]}, "at most 1000 metrics"),
        ({"params": [*params, {"key": "extra", "value": "x"}]}, "at most 100 params"),
        ({"tags": [{"key": f"t{i}", "value": "x"} for i in range(101)]}, "at most 100 tags"),
        ({"metrics": metrics[:950], "params": params[:60]}, "1000 metrics, params and tags in total"),
        ({"metrics": [{"key": "m", "value": "abc", "timestamp": 1}]}, "must be a number"),
        ({"metrics": [{"key": "../m", "value": 1, "timestamp": 1}]}, "not allowed"),
    ]
    for fields, message in cases:
        status, body = api(server.url, "POST", "runs/log-batch", {"run_id": run_id, **fields})
        assert status == 400 and body["error_code"] == "INVALID_PARAMETER_VALUE", body
        assert message in body["message"], (message, body)
    status, body = api(
        server.url,
        "POST",
        "runs/log-batch",
        {
            "run_id": run_id,
            "tags": [{"key": f"t{i}", "value": "y" * 7999} for i in range(100)],
            "params": [{"key": f"q{i}", "value": "z" * 5999} for i in range(100)],
        },
    )
    assert status == 400 and "1000000" in body["message"]
    # nothing of the refused batches was written
    status, body = api(server.url, "GET", "metrics/get-history", {"run_id": run_id, "metric_key": "m0"})
    assert len(body["metrics"]) == 300


def test_get_history_pages_with_max_results_and_page_token(server):
    run_id = _run(server, _experiment(server, "history"))["info"]["run_id"]
    points = [{"key": "loss", "value": i / 10, "timestamp": 1000 + i, "step": i} for i in range(250)]
    assert api(server.url, "POST", "runs/log-batch", {"run_id": run_id, "metrics": points})[0] == 200
    seen, token, pages = [], None, 0
    while True:
        query = {"run_id": run_id, "metric_key": "loss", "max_results": 100}
        if token:
            query["page_token"] = token
        status, body = api(server.url, "GET", "metrics/get-history", query)
        assert status == 200
        seen += [m["step"] for m in body["metrics"]]
        pages += 1
        token = body.get("next_page_token")
        if not token:
            break
    assert seen == list(range(250)) and pages == 3


@pytest.mark.parametrize("key", ["loss", "rate: top-5 acc/val"])
def test_get_history_of_a_long_series_reads_back_every_point_exactly(server, key):
    """Over a thousand points (written in blocks), any key, NaN and infinities among finite values."""
    run_id = _run(server, _experiment(server, f"long {key}"))["info"]["run_id"]
    values = [i * 0.1 + 1e-7 for i in range(2345)]
    for first in range(0, len(values), 1000):
        block = range(first, min(first + 1000, len(values)))
        points = [{"key": key, "value": values[i], "timestamp": 5000 + i, "step": i} for i in block]
        assert api(server.url, "POST", "runs/log-batch", {"run_id": run_id, "metrics": points})[0] == 200
    status, body = api(server.url, "GET", "metrics/get-history", {"run_id": run_id, "metric_key": key})
    assert status == 200, body
    assert [(m["key"], m["value"], m["timestamp"], m["step"]) for m in body["metrics"]] == [
        (key, value, 5000 + i, i) for i, value in enumerate(values)
    ]
    odd = [{"key": "odd", "value": v, "timestamp": 1, "step": i} for i, v in enumerate([1.5, "NaN", "Infinity", 2])]
    assert api(server.url, "POST", "runs/log-batch", {"run_id": run_id, "metrics": odd})[0] == 200
    status, body = api(server.url, "GET", "metrics/get-history", {"run_id": run_id, "metric_key": "odd"})
    assert [m["value"] for m in body["metrics"]] == [1.5, "NaN", "Infinity", 2.0]


def test_search_runs_filters_orders_and_pages(server):
    experiment_id = _experiment(server, "search")
    for i in range(5):
        run_id = _run(server, experiment_id, run_name=f"r{i}")["info"]["run_id"]
        api(
            server.url,
            "POST",
            "runs/log-batch",
            {
                "run_id": run_id,
                "metrics": [{"key": "rmse", "value": i * 0.1, "timestamp": 1, "step": 0}],
                "params": [{"key": "alpha", "value": str(i % 2)}],
            },
        )
    status, body = api(
        server.url,
        "POST",
        "runs/search",
        {
            "experiment_ids": [experiment_id],
            "filter": "metrics.rmse < 0.35 and params.alpha = '1'",
            "order_by": ["metrics.rmse DESC"],
        },
    )
    assert status == 200, body
    assert [r["info"]["run_name"] for r in body["runs"]] == ["r3", "r1"]
    status, body = api(
        server.url,
        "POST",
        "runs/search",
        {"experiment_ids": [experiment_id], "max_results": 2, "order_by": ["attributes.run_name"]},
    )
    assert [r["info"]["run_name"] for r in body["runs"]] == ["r0", "r1"] and body["next_page_token"]
    status, body = api(
        server.url, "POST", "runs/search", {"experiment_ids": [experiment_id], "filter": "metrics.rmse <"}
    )
    assert status == 400 and body["error_code"] == "INVALID_PARAMETER_VALUE"


def test_proxied_artifacts_upload_download_list_delete(server):
    experiment_id = _experiment(server, "artifacts")
    run = _run(server, experiment_id)
    root = run["info"]["artifact_uri"][len("mlflow-artifacts:/") :]
    base = f"/api/2.0/mlflow-artifacts/artifacts/{root}"
    payload = bytes(range(256)) * 1000
    assert request(server.url, "PUT", f"{base}/dir/data.bin", payload)[0] == 200
    assert request(server.url, "PUT", f"{base}/notes%20v1.txt", b"hi")[0] == 200
    status, headers, body = request(server.url, "GET", f"{base}/dir/data.bin")
    assert status == 200 and body == payload
    assert headers["content-type"] == "application/octet-stream" and headers["x-content-type-options"] == "nosniff"
    status, body = api(server.url, "GET", "/api/2.0/mlflow-artifacts/artifacts", {"path": root})
    assert sorted((f["path"], f["is_dir"]) for f in body["files"]) == [("dir", True), ("notes v1.txt", False)]
    status, body = api(server.url, "GET", "artifacts/list", {"run_id": run["info"]["run_id"], "path": "dir"})
    assert body["files"] == [{"path": "dir/data.bin", "is_dir": False, "file_size": len(payload)}]
    assert body["root_uri"] == run["info"]["artifact_uri"]
    assert request(server.url, "DELETE", f"{base}/dir/data.bin")[0] == 200
    assert request(server.url, "GET", f"{base}/dir/data.bin")[0] == 404
    status, _headers, body = request(server.url, "DELETE", f"{base}/dir/data.bin")
    assert status == 404 and json.loads(body)["error_code"] == "RESOURCE_DOES_NOT_EXIST"


def test_errors_are_json_in_mlflow_format(server):
    status, _h, body = request(server.url, "GET", "/api/2.0/mlflow/runs/nope")
    assert status == 404 and json.loads(body)["error_code"] == "ENDPOINT_NOT_FOUND"
    status, _h, body = request(
        server.url, "POST", "/api/2.0/mlflow/runs/create", b"{not json", {"Content-Type": "application/json"}
    )
    assert status == 400 and "malformed JSON" in json.loads(body)["message"]
    status, _h, body = request(
        server.url, "POST", "/api/2.0/mlflow/runs/create", b"[1, 2]", {"Content-Type": "application/json"}
    )
    assert status == 400 and "JSON object" in json.loads(body)["message"]
    status, body = api(server.url, "POST", "runs/log-metric", {"run_id": "x", "key": "m"})
    assert status == 400 and "Missing value for required parameter 'value'" in body["message"]


@pytest.mark.parametrize(
    "endpoint, payload",
    [
        ("experiments/create", {"name": 5}),
        ("experiments/create", {"name": ["x"]}),
        ("experiments/create", {"name": "x\x00y"}),
        ("experiments/create", {"name": "x", "tags": "notalist"}),
        ("experiments/create", {"name": "x", "tags": [["k", "v"]]}),
        ("runs/create", {"experiment_id": {"a": 1}}),
        ("runs/create", {"experiment_id": True}),
        ("runs/create", {"experiment_id": "0", "start_time": "yesterday"}),
        ("runs/search", {"experiment_ids": [{"a": 1}]}),
        ("runs/search", {"experiment_ids": ["0"], "max_results": -1}),
        ("runs/search", {"experiment_ids": ["0"], "order_by": [1]}),
        ("experiments/search", {"max_results": "many"}),
        ("experiments/search", {"view_type": "SOME"}),
        ("runs/log-batch", {"run_id": 7}),
        ("runs/log-batch", {"run_id": "x", "metrics": {"key": "m"}}),
        ("runs/update", {"run_id": "x" * 300}),
    ],
)
def test_wrong_types_are_400_never_500(server, endpoint, payload):
    status, body = api(server.url, "POST", endpoint, payload)
    assert 400 <= status < 500, (endpoint, payload, status, body)
    assert body["error_code"] and body["message"] and "Traceback" not in body["message"]


def test_autolog_ui_serves_the_pages_of_the_local_store(tmp_path):
    import importlib.util

    if importlib.util.find_spec("tracking_core.ui") is None:
        pytest.skip("the UI package is not there")
    process = start_server(command="ui", cwd=str(tmp_path))
    try:
        assert process.url.startswith("http://127.0.0.1:")
        assert str(tmp_path / "autologruns") in "".join(process.output)
        status, headers, _body = request(process.url, "GET", "/")
        assert status == 200 and headers["content-type"].startswith("text/html")
        assert api(process.url, "POST", "experiments/search", {})[0] == 200
    finally:
        process.stop()


def test_without_the_server_extra_the_command_names_it(tmp_path):
    import subprocess
    import sys

    from server_support import server_env

    blocked = (
        "import sys; sys.modules['uvicorn'] = None; sys.modules['starlette'] = None\n"
        "from autolog.cli import main; sys.exit(main(['server', '--port', '0']))"
    )
    out = subprocess.run(
        [sys.executable, "-c", blocked], capture_output=True, text=True, cwd=tmp_path, env=server_env(), timeout=60
    )
    assert out.returncode == 2 and "pip install 'autolog[server]'" in out.stderr


def test_artifacts_only_server_with_explicit_allowed_hosts(tmp_path):
    process = start_server(
        "--artifacts-only",
        "--artifacts-destination",
        str(tmp_path / "bucket"),
        "--allowed-hosts",
        "tracking.example.com,127.0.0.1",
    )
    try:
        assert "artifact server" in "".join(process.output)
        status, _h, body = request(
            process.url, "POST", "/api/2.0/mlflow/runs/create", b"{}", {"Content-Type": "application/json"}
        )
        assert status == 404 and json.loads(body)["error_code"] == "ENDPOINT_NOT_FOUND"
        assert (
            request(
                process.url,
                "PUT",
                "/api/2.0/mlflow-artifacts/artifacts/a/b.txt",
                b"data",
                {"Host": "tracking.example.com"},
            )[0]
            == 200
        )
        assert (tmp_path / "bucket" / "a" / "b.txt").read_bytes() == b"data"
        assert request(process.url, "GET", "/api/2.0/mlflow-artifacts/artifacts/a/b.txt")[2] == b"data"
        assert request(process.url, "GET", "/health", headers={"Host": "localhost"})[0] == 403
    finally:
        process.stop()
