"""MLflow's UI endpoints and legacy download of ``autolog server``, and the wording of its refusals as
MLflow's clients and tests read them (what MLflow's tests/tracking/test_rest_tracking.py found), against
a real server process."""

from __future__ import annotations

import json

import pytest
from server_support import api, request

AJAX = "/ajax-api/2.0/mlflow"
BULK = f"{AJAX}/metrics/get-history-bulk"
INTERVAL = f"{AJAX}/metrics/get-history-bulk-interval"


def _experiment(server, name: str) -> str:
    status, body = api(server.url, "POST", "experiments/create", {"name": name})
    assert status == 200, body
    return body["experiment_id"]


def _run_id(server, experiment_id: str) -> str:
    status, body = api(server.url, "POST", "runs/create", {"experiment_id": experiment_id})
    assert status == 200, body
    return body["run"]["info"]["run_id"]


def _log(server, run_id: str, points: list[dict]) -> None:
    status, body = api(server.url, "POST", "runs/log-batch", {"run_id": run_id, "metrics": points})
    assert status == 200, body


def _refused(status: int, body, *parts: str, code: str = "INVALID_PARAMETER_VALUE") -> str:
    assert status == 400 and body["error_code"] == code, body
    for part in parts:
        assert part in body["message"], (part, body)
    return body["message"]


# -- wording ----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "endpoint, payload, expected, ours",
    [
        ("experiments/create", {"name": 123}, "Invalid value 123 for parameter 'name' supplied", "string"),
        ("experiments/create", {"name": "e", "artifact_location": 9.0}, "Invalid value 9.0 for parameter", "string"),
        ("experiments/create", {"name": "e", "tags": "5"}, "Invalid value \"5\" for parameter 'tags' supplied", "list"),
        (
            "experiments/create",
            {"name": "e", "artifact_location": "elsewhere", "tags": "5"},
            "Invalid value \"5\" for parameter 'tags' supplied",
            "list",
        ),
        ("experiments/create", {}, "Missing value for required parameter 'name'.", "API docs"),
        ("runs/log-metric", {"run_id": 31, "key": "m", "value": 1, "timestamp": 5}, "Invalid value 31 for", "string"),
        ("runs/log-parameter", {"run_id": "R", "key": 31, "value": "v"}, "Invalid value 31 for parameter 'key'", ""),
        ("runs/set-tag", {"run_id": "R", "key": "k", "value": 41}, "Invalid value 41 for parameter 'value'", ""),
        ("runs/log-metric", {"run_id": "R", "key": "m", "value": 1, "timestamp": 5, "step": "foo"}, '"foo"', "integer"),
        ("runs/log-metric", {"run_id": "R", "key": "m", "value": 1}, "required parameter 'timestamp'", "since 1970"),
        ("runs/log-batch", {"run_id": "R", "metrics": "foo"}, "Invalid value \"foo\" for parameter 'metrics'", ""),
        ("runs/log-batch", {"run_id": "R", "params": "foo"}, "Invalid value \"foo\" for parameter 'params'", ""),
        ("runs/log-batch", {"run_id": "R", "tags": "foo"}, "Invalid value \"foo\" for parameter 'tags'", ""),
        (
            "runs/log-batch",
            {"run_id": "R", "metrics": [{"key": "mae", "value": 2.5}]},
            "Missing value for required parameter 'metrics[0].timestamp'",
            "",
        ),
        (
            "runs/search",
            {"experiment_ids": ["0"], "max_results": 123456789},
            "Invalid value 123456789 for parameter 'max_results' supplied",
            "50000",
        ),
    ],
)
def test_refusals_use_mlflows_wording_then_say_why(server, endpoint, payload, expected, ours):
    if payload.get("run_id") == "R":
        payload = {**payload, "run_id": _run_id(server, "0")}
    status, body = api(server.url, "POST", endpoint, payload)
    _refused(status, body, expected, ours)


def test_deleting_a_missing_run_tag_is_mlflows_no_tag_with_name(server):
    run_id = _run_id(server, "0")
    status, body = api(server.url, "POST", "runs/delete-tag", {"run_id": run_id, "key": "fakeTag"})
    assert status == 404 and body["error_code"] == "RESOURCE_DOES_NOT_EXIST"
    assert body["message"].startswith("No tag with name: fakeTag")


def test_artifact_paths_leaving_the_root_are_exactly_invalid_path_everywhere(server):
    run_id = _run_id(server, "0")
    refusals = [
        api(server.url, "GET", "artifacts/list", {"run_id": run_id, "path": "../path"}),
        api(server.url, "GET", "/get-artifact", {"run_id": run_id, "path": "../path"}),
        api(server.url, "GET", "/model-versions/get-artifact", {"name": "model", "version": 1, "path": "../path"}),
        api(server.url, "GET", "/get-artifact", {"run_uuid": run_id, "path": "/etc/passwd"}),
        api(server.url, "GET", "/api/2.0/mlflow-artifacts/artifacts", {"path": "a/../../b"}),
    ]
    status, _headers, raw = request(
        server.url, "POST", f"{AJAX}/upload-artifact?run_uuid={run_id}&path=../test.txt", b"data"
    )
    refusals.append((status, json.loads(raw)))
    for status, body in refusals:
        assert status == 400 and body == {"error_code": "INVALID_PARAMETER_VALUE", "message": "Invalid path"}
    # other refusals MLflow does not make keep saying why, after MLflow's words
    status, body = api(server.url, "GET", "artifacts/list", {"run_id": run_id, "path": "a%2e%2e/b"})
    assert _refused(status, body).startswith("Invalid path: ") and "percent-encoded" in body["message"]


# -- get-history-bulk -----------------------------------------------------------------------------
def test_get_history_bulk_orders_by_run_then_time_step_value_and_caps_max_results(server):
    experiment_id = _experiment(server, "bulk")
    run_ids = sorted(_run_id(server, experiment_id) for _ in range(3))
    history = [
        {"key": "a", "timestamp": 2, "step": 3, "value": 12.0},
        {"key": "a", "timestamp": 1, "step": 3, "value": 12.0},
        {"key": "a", "timestamp": 1, "step": 2, "value": 10.0},
        {"key": "a", "timestamp": 1, "step": 3, "value": 11.0},
    ]
    _log(server, run_ids[2], history)
    _log(server, run_ids[0], [{**p, "value": p["value"] + 1} for p in history])
    _log(server, run_ids[1], [{"key": "b", "timestamp": 1, "step": 0, "value": 1.0}])
    in_order = sorted(history, key=lambda p: (p["timestamp"], p["step"], p["value"]))

    status, body = api(server.url, "GET", BULK, {"run_id": list(reversed(run_ids)), "metric_key": "a"})
    assert status == 200, body
    assert body["metrics"] == [{**p, "value": p["value"] + 1, "run_id": run_ids[0]} for p in in_order] + [
        {**p, "run_id": run_ids[2]} for p in in_order
    ]
    status, body = api(server.url, "GET", BULK, {"run_id": run_ids, "metric_key": "a", "max_results": 5})
    assert [(m["run_id"], m["step"]) for m in body["metrics"]] == [
        (run_ids[0], 2),
        *[(run_ids[0], 3)] * 3,
        (run_ids[2], 2),
    ]
    status, body = api(server.url, "GET", BULK, {"run_id": run_ids[1], "metric_key": "a"})
    assert status == 200 and body == {"metrics": []}
    status, body = api(server.url, "GET", BULK, {"run_id": "no-such-run", "metric_key": "a"})
    assert status == 200 and body == {"metrics": []}

    _log(server, run_ids[1], [{"key": "odd", "timestamp": 1, "step": i, "value": v} for i, v in enumerate(["NaN", 1])])
    status, body = api(server.url, "GET", BULK, {"run_id": run_ids[1], "metric_key": "odd"})
    assert [m["value"] for m in body["metrics"]] == ["NaN", 1.0]


def test_get_history_bulk_refusals_are_mlflows(server):
    cases = [
        ({"metric_key": "key"}, "GetMetricHistoryBulk request must specify at least one run_id"),
        ({"run_id": [f"id_{i}" for i in range(101)], "metric_key": "k"}, "cannot specify more than 100 run_ids"),
        ({"run_id": ["123"]}, "GetMetricHistoryBulk request must specify a metric_key"),
        ({"run_id": ["123"], "metric_key": "k", "max_results": 0}, "Invalid value 0 for parameter 'max_results'"),
        ({"run_id": ["123"], "metric_key": "k", "max_results": "x"}, "Invalid value \"x\" for parameter 'max_results'"),
    ]
    for query, message in cases:
        _refused(*api(server.url, "GET", BULK, query), message)
    assert api(server.url, "POST", BULK, {"run_id": ["123"], "metric_key": "k"})[0] == 405


# -- get-history-bulk-interval -----------------------------------------------------------------------
def test_get_history_bulk_interval_samples_each_run_as_mlflow_3_17_does(server):
    experiment_id = _experiment(server, "interval")
    first, second = _run_id(server, experiment_id), _run_id(server, experiment_id)
    _log(server, first, [{"key": "a", "timestamp": 1, "step": i, "value": 10.0 + i} for i in range(10)])
    _log(server, second, [{"key": "a", "timestamp": 1, "step": i, "value": float(i)} for i in range(20)])

    def steps(query) -> list[tuple[str, int]]:
        status, body = api(server.url, "GET", INTERVAL, {"metric_key": "a", **query})
        assert status == 200, body
        return [(m["run_id"], m["step"]) for m in body["metrics"]]

    # NTILE(5) over 10 points: the first of each bucket, the last point in place of the last bucket's
    assert steps({"run_ids": [first], "max_results": 5}) == [(first, s) for s in (0, 2, 4, 6, 9)]
    assert steps({"run_ids": [first], "start_step": 0, "end_step": 4, "max_results": 5}) == [
        (first, s) for s in range(5)
    ]
    assert steps({"run_ids": [second, first], "max_results": 5}) == [(second, s) for s in (0, 4, 8, 12, 19)] + [
        (first, s) for s in (0, 2, 4, 6, 9)
    ]
    assert steps({"run_ids": [first], "max_results": 1}) == [(first, 9)]
    assert steps({"run_ids": [first, "no-such-run"]}) == [(first, s) for s in range(10)]  # default 2500 per run
    status, body = api(server.url, "GET", INTERVAL, {"run_ids": first, "metric_key": "a", "max_results": 2})
    assert status == 200 and body["metrics"] == [
        {"key": "a", "value": 10.0, "timestamp": 1, "step": 0, "run_id": first},
        {"key": "a", "value": 19.0, "timestamp": 1, "step": 9, "run_id": first},
    ]


def test_get_history_bulk_interval_refusals_are_mlflows(server):
    cases = [
        ({"metric_key": "key"}, "Missing value for required parameter 'run_ids'."),
        ({"run_ids": [f"id_{i}" for i in range(101)], "metric_key": "k"}, "must specify at most 100 run_ids."),
        ({"run_ids": ["123"], "metric_key": "k", "max_results": 0}, "max_results must be between 1 and 2500"),
        ({"run_ids": ["123"], "metric_key": "k", "max_results": 2501}, "max_results must be between 1 and 2500"),
        ({"run_ids": ["123"], "metric_key": ""}, "Missing value for required parameter 'metric_key'"),
        ({"run_ids": ["123"], "max_results": 5}, "Missing value for required parameter 'metric_key'"),
        ({"run_ids": ["1"], "metric_key": "k", "start_step": 1, "end_step": 0}, "end_step must be greater than"),
        ({"run_ids": ["1"], "metric_key": "k", "start_step": 1}, "If either start step or end step are specified"),
        ({"run_ids": ["1"], "metric_key": "k", "start_step": "x", "end_step": 2}, 'Invalid value "x" for parameter'),
    ]
    for query, message in cases:
        _refused(*api(server.url, "GET", INTERVAL, query), message)


# -- legacy download: GET /get-artifact ---------------------------------------------------------
def test_get_artifact_reads_a_run_file_uploaded_through_the_ui(server):
    run_id = _run_id(server, _experiment(server, "get-artifact"))
    status, _headers, _body = request(
        server.url, "POST", f"{AJAX}/upload-artifact?run_uuid={run_id}&path=dir/test.txt", b"hello world"
    )
    assert status == 200
    for field in ("run_uuid", "run_id"):
        status, headers, body = request(server.url, "GET", f"/get-artifact?{field}={run_id}&path=dir/test.txt")
        assert status == 200 and body == b"hello world"
        assert headers["x-content-type-options"] == "nosniff"
    # a double slash is merged by a redirect, as MLflow's server does
    status, headers, _body = request(server.url, "GET", f"//get-artifact?run_id={run_id}&path=dir/test.txt")
    assert status == 308 and headers["location"] == f"/get-artifact?run_id={run_id}&path=dir/test.txt"

    status, body = api(server.url, "GET", "/get-artifact", {"run_id": run_id, "path": "dir/missing.txt"})
    assert status == 404 and body["error_code"] == "RESOURCE_DOES_NOT_EXIST"
    status, body = api(server.url, "GET", "/get-artifact", {"run_id": run_id, "path": "dir"})
    assert status == 404 and body["error_code"] == "RESOURCE_DOES_NOT_EXIST"
    status, body = api(server.url, "GET", "/get-artifact", {"run_id": "0" * 32, "path": "dir/test.txt"})
    assert status == 404 and body["error_code"] == "RESOURCE_DOES_NOT_EXIST"
    _refused(*api(server.url, "GET", "/get-artifact", {"path": "dir/test.txt"}), "required parameter 'run_id'")
    _refused(*api(server.url, "GET", "/get-artifact", {"run_id": run_id}), "required parameter 'path'")


def test_bulk_answers_are_those_of_a_real_mlflow_server(server, mlflow_server):
    """The same points logged to both servers: get-history-bulk and get-history-bulk-interval answer alike
    (ties of timestamp and step, several values at a step, a step range, sampling of long histories)."""
    points = [{"key": "a", "timestamp": 1 + i % 3, "step": i // 2, "value": float((i * 7) % 11)} for i in range(57)]
    points += [{"key": "a", "timestamp": 1, "step": 3, "value": v} for v in (5.5, 1.5, 9.5)]  # (MLflow drops repeats)
    queries = [
        (BULK, {"metric_key": "a"}),
        (BULK, {"metric_key": "a", "max_results": 7}),
        (INTERVAL, {"metric_key": "a"}),
        (INTERVAL, {"metric_key": "a", "max_results": 1}),
        (INTERVAL, {"metric_key": "a", "max_results": 9}),
        (INTERVAL, {"metric_key": "a", "max_results": 4, "start_step": 2, "end_step": 11}),
    ]
    answers = []
    for url in (server.url, mlflow_server):
        status, body = api(url, "POST", "experiments/create", {"name": "ui-endpoints-bulk-compare"})
        assert status == 200, body
        experiment_id, run_ids = body["experiment_id"], []
        for shift in (0.0, 100.0):
            status, body = api(url, "POST", "runs/create", {"experiment_id": experiment_id})
            run_ids.append(body["run"]["info"]["run_id"])
            shifted = [{**p, "value": p["value"] + shift} for p in points]
            assert api(url, "POST", "runs/log-batch", {"run_id": run_ids[-1], "metrics": shifted})[0] == 200
        seen = []
        for endpoint, query in queries:
            field = "run_id" if endpoint == BULK else "run_ids"
            status, body = api(url, "GET", endpoint, {field: run_ids, **query})
            assert status == 200, (endpoint, query, body)
            # get-history-bulk goes by run id, which differs between the servers: runs are named by their
            # rank among the ids there, their values without their shift
            rank = sorted(run_ids).index if endpoint == BULK else run_ids.index
            seen.append(
                [
                    (rank(m["run_id"]), m["step"], m["timestamp"], m["value"] - 100 * run_ids.index(m["run_id"]))
                    for m in body["metrics"]
                ]
            )
        answers.append(seen)
    ours, mlflows = answers
    for query, our, their in zip(queries, ours, mlflows, strict=True):
        assert our == their, query
