"""Our client over http: the fluent API, ``TrackingClient``, artifacts, models and autologging
through a real ``autolog server``; batches cut to MLflow's limits; data kept while the server is down."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap

import pytest
from server_support import REPO_DIR, api, server_env, start_server

import tracking_core
from tracking_core.rest import rest_artifacts


def test_fluent_api_round_trip_over_http(http_tracking, server, tmp_path):
    tracking_core.set_experiment("fluent-http")
    with tracking_core.start_run(run_name="roundtrip", tags={"team": "a"}) as run:
        tracking_core.log_params({"alpha": 0.1, "layers": 3})
        for step in range(10):
            tracking_core.log_metric("loss", 1 / (step + 1), step=step)
        tracking_core.log_metrics({"acc": 0.9, "nan": float("nan"), "inf": float("inf")})
        tracking_core.set_tag("stage", "dev")
        tracking_core.log_text("hello", "notes/hello.txt")
        tracking_core.log_dict({"k": [1, 2]}, "config.json")
        (tmp_path / "a.csv").write_text("x,y\n1,2\n")
        tracking_core.log_artifact(str(tmp_path / "a.csv"), "data")
    found = tracking_core.last_active_run()
    assert found.info.run_id == run.info.run_id and found.info.status == "FINISHED"
    assert found.info.artifact_uri.startswith("mlflow-artifacts:/")
    assert dict(found.data.params) == {"alpha": "0.1", "layers": "3"}
    assert found.data.metrics["loss"] == pytest.approx(0.1) and found.data.metrics["nan"] != found.data.metrics["nan"]
    assert found.data.metrics["inf"] == float("inf")
    assert found.data.tags["team"] == "a" and found.data.tags["stage"] == "dev"
    client = http_tracking
    assert [m.step for m in client.get_metric_history(run.info.run_id, "loss")] == list(range(10))
    assert [f.path for f in client.list_artifacts(run.info.run_id)] == ["config.json", "data", "notes"]
    local = client.download_artifacts(run.info.run_id, "notes", str(tmp_path / "dl"))
    assert open(os.path.join(local, "hello.txt")).read() == "hello"
    # the server wrote the files where its store keeps artifacts
    experiment = client.get_experiment_by_name("fluent-http")
    on_disk = server.store_dir / "artifacts" / experiment.experiment_id / run.info.run_id / "artifacts"
    assert (on_disk / "data" / "a.csv").read_text() == "x,y\n1,2\n"
    runs = client.search_runs(["fluent-http"], filter_string="params.alpha = '0.1'", order_by=["metrics.acc DESC"])
    assert [r.info.run_id for r in runs] == [run.info.run_id]
    client.delete_run(run.info.run_id)
    with pytest.raises(tracking_core.RunNotFoundError):
        client.get_run(run.info.run_id)


def test_param_conflict_is_refused_at_the_call(http_tracking):
    with tracking_core.start_run():
        tracking_core.log_param("p", 1)
        with pytest.raises(tracking_core.ParamConflictError):
            tracking_core.log_param("p", 2)


def test_large_batches_are_cut_to_the_api_limits(http_tracking):
    with tracking_core.start_run() as run:
        tracking_core.log_params({f"p{i}": "v" * 5000 for i in range(250)})  # > 100 params and > 1 MB
        tracking_core.set_tags({f"t{i}": "w" * 7000 for i in range(150)})
        for step in range(4500):
            tracking_core.log_metric("m", float(step), step=step)
        tracking_core.flush()
    read = http_tracking.get_run(run.info.run_id)
    assert len(read.data.params) == 250 and sum(k.startswith("t") for k in read.data.tags) >= 150
    history = http_tracking.get_metric_history(run.info.run_id, "m")
    assert [m.step for m in history] == list(range(4500))


def test_large_artifacts_go_up_in_parts(http_tracking, tmp_path, monkeypatch):
    monkeypatch.setattr(rest_artifacts, "MULTIPART_THRESHOLD_BYTES", 1000)
    monkeypatch.setattr(rest_artifacts, "MULTIPART_CHUNK_BYTES", 4096)
    payload = os.urandom(4096 * 5 + 17)
    (tmp_path / "big.bin").write_bytes(payload)
    with tracking_core.start_run() as run:
        tracking_core.log_artifact(str(tmp_path / "big.bin"), "blobs")
    local = http_tracking.download_artifacts(run.info.run_id, "blobs/big.bin", str(tmp_path / "dl"))
    assert open(local, "rb").read() == payload
    # no leftover parts are visible
    assert [f.path for f in http_tracking.list_artifacts(run.info.run_id)] == ["blobs"]


def test_data_stays_queued_while_the_server_is_down_and_arrives_once(tmp_path, monkeypatch):
    monkeypatch.setenv("AUTOLOG_TESTING", "1")
    store = tmp_path / "store"
    first = start_server("--backend-store-uri", str(store))
    port = first.port
    script = textwrap.dedent(f"""
        import json, os, signal, sys, time
        import tracking_core
        tracking_core.set_tracking_uri({first.url!r})
        with tracking_core.start_run() as run:
            tracking_core.log_param("p", 1)
            tracking_core.flush()
            print(json.dumps({{"run_id": run.info.run_id}}), flush=True)
            sys.stdin.readline()                      # the server is stopped now
            for step in range(3000):
                tracking_core.log_metric("m", step, step=step)
            try:
                tracking_core.flush()
                print(json.dumps({{"flushed_while_down": True}}), flush=True)
            except Exception as exc:  # the store is unavailable: the data stays queued
                print(json.dumps({{"flushed_while_down": False, "error": str(exc)[:400]}}), flush=True)
            sys.stdin.readline()                      # the server is back
        print(json.dumps({{"ended": True}}), flush=True)
    """)
    child = subprocess.Popen(
        [sys.executable, "-c", script],
        cwd=REPO_DIR,
        text=True,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=server_env({"AUTOLOG_HTTP_REQUEST_MAX_RETRIES": "1"}),
    )
    second = None
    try:
        run_id = json.loads(child.stdout.readline())["run_id"]
        assert first.stop() == 0
        child.stdin.write("\n")
        child.stdin.flush()
        line = child.stdout.readline()
        assert line, child.communicate(timeout=30)[1][-3000:]
        down = json.loads(line)
        assert down["flushed_while_down"] is False and "unreachable" in down["error"]
        second = start_server("--backend-store-uri", str(store), "--port", str(port))
        assert second.url == first.url
        child.stdin.write("\n")
        child.stdin.flush()
        _out, err = child.communicate(timeout=60)
        assert child.returncode == 0, err
        status, body = api(second.url, "GET", "metrics/get-history", {"run_id": run_id, "metric_key": "m"})
        assert status == 200 and [m["step"] for m in body["metrics"]] == list(range(3000))
        _status, body = api(second.url, "GET", "runs/get", {"run_id": run_id})
        assert body["run"]["info"]["status"] == "FINISHED"
    finally:
        if child.poll() is None:
            child.kill()
        if second is not None:
            second.stop()


AUTOLOG_SCRIPT = """
import json, sys
import numpy as np
import autolog
autolog.set_tracking_uri(sys.argv[1])
autolog.autolog()
from sklearn.linear_model import LogisticRegression
import xgboost as xgb
rng = np.random.default_rng(0)
X = rng.normal(size=(200, 4)); y = (X[:, 0] + X[:, 1] > 0).astype(int)
model = LogisticRegression().fit(X, y)
sk = autolog.last_active_run()
booster = xgb.train({"objective": "binary:logistic", "nthread": 1}, xgb.DMatrix(X, label=y), num_boost_round=4,
                    evals=[(xgb.DMatrix(X, label=y), "train")], verbose_eval=False)
xg = autolog.last_active_run()
loaded_sk = autolog.load_model(f"runs:/{sk.info.run_id}/model")
loaded_xg = autolog.load_model(f"runs:/{xg.info.run_id}/model")
client = autolog.TrackingClient()
def summary(run):
    return {"params": sorted(run.data.params), "metrics": sorted(run.data.metrics),
            "tags": sorted(k for k in run.data.tags if not k.startswith(("mlflow.", "autolog.source", "autolog.user"))),
            "status": run.info.status, "artifacts": [f.path for f in client.list_artifacts(run.info.run_id)],
            "history": len(client.get_metric_history(xg.info.run_id, "train-logloss"))}
print(json.dumps({
    "sklearn": summary(sk), "xgboost": summary(xg),
    "sk_same": bool((loaded_sk.predict(X) == model.predict(X)).all()),
    "xg_same": bool(np.allclose(loaded_xg.predict(xgb.DMatrix(X)), booster.predict(xgb.DMatrix(X)))),
}))
"""


def _autolog_run(uri: str, cwd) -> dict:
    out = subprocess.run(
        [sys.executable, "-c", AUTOLOG_SCRIPT, uri],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=300,
        env=server_env({"AUTOLOG_TESTING": "1"}),
    )
    assert out.returncode == 0, out.stderr[-3000:]
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_autologging_sklearn_and_xgboost_works_unchanged_over_http(server, tmp_path):
    pytest.importorskip("sklearn")
    pytest.importorskip("xgboost")
    over_http = _autolog_run(server.url, tmp_path)
    local = _autolog_run(str(tmp_path / "local-store"), tmp_path)
    assert over_http["sk_same"] and over_http["xg_same"]
    assert over_http["sklearn"] == local["sklearn"]
    assert over_http["xgboost"] == local["xgboost"]
    assert "model" in over_http["sklearn"]["artifacts"] and over_http["xgboost"]["history"] == 4


class _FlakyProxy:
    """A real HTTP proxy on loopback in front of the server that answers the first log-batch requests
    with 503 and 429 (as an overloaded server or load balancer does), then forwards everything."""

    def __init__(self, target_port: int, failures: list[int]):
        import http.client
        import threading
        from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

        self.failures = list(failures)
        self.seen_failures: list[int] = []
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args):
                pass

            def _forward(self):
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else None
                if self.path.endswith("runs/log-batch") and proxy.failures:
                    status = proxy.failures.pop(0)
                    proxy.seen_failures.append(status)
                    payload = b'{"error_code": "TEMPORARILY_UNAVAILABLE", "message": "busy"}'
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(payload)))
                    if status == 429:
                        self.send_header("Retry-After", "0")
                    self.end_headers()
                    self.wfile.write(payload)
                    return
                upstream = http.client.HTTPConnection("127.0.0.1", target_port, timeout=30)
                headers = {k: v for k, v in self.headers.items() if k.lower() not in ("host", "connection")}
                upstream.request(self.command, self.path, body=body, headers=headers)
                response = upstream.getresponse()
                data = response.read()
                self.send_response(response.status)
                for key, value in response.getheaders():
                    if key.lower() not in ("content-length", "connection", "transfer-encoding", "date", "server"):
                        self.send_header(key, value)
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)
                upstream.close()

            do_GET = do_POST = do_PUT = do_DELETE = _forward

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self):
        self.server.shutdown()
        self.server.server_close()


def test_429_and_5xx_are_retried_with_backoff_and_nothing_is_lost_or_doubled(server, monkeypatch):
    monkeypatch.setenv("AUTOLOG_TESTING", "1")
    proxy = _FlakyProxy(server.port, [503, 429, 502, 500])
    try:
        client = tracking_core.TrackingClient(proxy.url)
        run = client.create_run(run_name="flaky")
        for step in range(2500):
            client.log_metric(run.info.run_id, "m", step, step=step)
        client.set_terminated(run.info.run_id)
        assert proxy.seen_failures == [503, 429, 502, 500]
    finally:
        proxy.close()
    _status, body = api(server.url, "GET", "metrics/get-history", {"run_id": run.info.run_id, "metric_key": "m"})
    assert [m["step"] for m in body["metrics"]] == list(range(2500))


def test_several_worker_processes_serve_one_store(tmp_path):
    process = start_server("--backend-store-uri", str(tmp_path / "store"), "--workers", "2")
    try:
        status, body = api(process.url, "POST", "experiments/create", {"name": "workers"})
        assert status == 200
        experiment_id = body["experiment_id"]
        ids = [
            api(process.url, "POST", "runs/create", {"experiment_id": experiment_id})[1]["run"]["info"]["run_id"]
            for _ in range(20)
        ]
        _status, body = api(process.url, "POST", "runs/search", {"experiment_ids": [experiment_id]})
        assert sorted(r["info"]["run_id"] for r in body["runs"]) == sorted(ids)
    finally:
        assert process.stop() == 0


def test_dataset_inputs_go_through_runs_log_inputs_and_search(http_tracking):
    import numpy as np

    tracking_core.set_experiment("inputs-http")
    X = np.arange(40.0).reshape(20, 2)
    with tracking_core.start_run() as run:
        tracking_core.log_input(X, context="training", name="X")
    found = http_tracking.get_run(run.info.run_id)
    (only,) = found.inputs.dataset_inputs
    from tracking_core.lineage.datasets import dataset_digest

    digest = dataset_digest(X)
    assert (only.dataset.name, only.context, only.dataset.digest) == ("X", "training", digest)
    assert json.loads(only.dataset.schema)  # the schema travels as JSON text, as in MLflow
    runs = http_tracking.search_runs(["inputs-http"], filter_string=f"datasets.digest = '{digest}'")
    assert [r.info.run_id for r in runs] == [run.info.run_id]


def test_log_inputs_refuses_a_malformed_dataset_naming_it(server):
    status, created = api(server.url, "POST", "runs/create", {"experiment_id": "0"})
    run_id = created["run"]["info"]["run_id"]
    status, body = api(
        server.url, "POST", "runs/log-inputs", {"run_id": run_id, "datasets": [{"dataset": {"name": "d"}}]}
    )
    assert status == 400 and "datasets[0]" in body["message"]
    assert body["error_code"] == "INVALID_PARAMETER_VALUE"
