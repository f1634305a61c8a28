"""Attacks on a running ``autolog server``: each check of the security section performed for real.

DNS rebinding (foreign Host), cross-site requests (foreign Origin, text/plain "simple" POSTs),
CORS, artifact path traversal in every form on every endpoint that takes a path, credentials,
oversized and over-nested bodies, garbage input. The server must refuse with 4xx, touch nothing
outside its artifact root, lose no stored data, and never answer 500 with a traceback.
"""

from __future__ import annotations

import base64
import http.client
import json
import os
import subprocess
import sys
from urllib.parse import urlencode

import pytest
from server_support import REPO_DIR, api, request, server_env, start_server

from tracking_core.cli.server import exposure_warning


def _run_count(server) -> int:
    _status, body = api(server.url, "POST", "experiments/search", {"view_type": "ALL"})
    ids = [e["experiment_id"] for e in body.get("experiments", [])]
    _status, body = api(server.url, "POST", "runs/search", {"experiment_ids": ids, "run_view_type": "ALL"})
    return len(body.get("runs", []))


def _new_run(server) -> dict:
    status, body = api(server.url, "POST", "runs/create", {"experiment_id": "0"})
    assert status == 200, body
    return body["run"]


# -- binding ------------------------------------------------------------------------------------------
def test_binds_loopback_by_default_and_warns_when_exposed_without_users(server):
    assert server.url.startswith("http://127.0.0.1:")
    assert exposure_warning("127.0.0.1", None) is None and exposure_warning("::1", None) is None
    assert "without --users-file" in exposure_warning("0.0.0.0", None)
    assert exposure_warning("0.0.0.0", "users.txt") is None


# -- DNS rebinding, cross-site requests, CORS --------------------------------------------------------
def test_foreign_host_header_is_refused(server):
    for host in ("evil.example.com", f"evil.example.com:{server.port}", "127.0.0.1.evil.example"):
        status, _h, body = request(server.url, "GET", "/api/2.0/mlflow/experiments/search", headers={"Host": host})
        assert status == 403 and b"Host header" in body
    assert request(server.url, "GET", "/health", headers={"Host": f"localhost:{server.port}"})[0] == 200


def test_cross_site_text_plain_post_creates_no_run(server):
    before = _run_count(server)
    body = json.dumps({"experiment_id": "0"}).encode()
    for headers in (
        {"Origin": "http://evil.example", "Content-Type": "text/plain"},
        {"Origin": "http://evil.example", "Content-Type": "application/json"},
        {"Content-Type": "text/plain"},  # no Origin (old browsers, forms)
        {"Content-Type": "application/x-www-form-urlencoded"},
        {},
    ):  # no-cors fetch of a Blob: no type
        status, _h, answer = request(server.url, "POST", "/api/2.0/mlflow/runs/create", body, headers)
        assert status in (400, 403), (headers, status, answer)
    assert _run_count(server) == before
    same_origin = {"Origin": server.url, "Content-Type": "application/json"}
    assert request(server.url, "POST", "/api/2.0/mlflow/runs/create", body, same_origin)[0] == 200


def test_cross_site_artifact_upload_and_delete_are_refused(server):
    run = _new_run(server)
    root = run["info"]["artifact_uri"][len("mlflow-artifacts:/") :]
    path = f"/api/2.0/mlflow-artifacts/artifacts/{root}/f.txt"
    assert request(server.url, "PUT", path, b"mine")[0] == 200
    evil = {"Origin": "http://evil.example"}
    assert request(server.url, "PUT", path, b"theirs", evil)[0] == 403
    assert request(server.url, "DELETE", path, None, evil)[0] == 403
    assert request(server.url, "GET", path)[2] == b"mine"


def test_cors_only_for_allowed_origins(tmp_path):
    process = start_server(
        "--backend-store-uri", str(tmp_path / "store"), "--cors-allowed-origins", "http://good.example"
    )
    try:
        preflight = {"Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "content-type"}
        status, headers, _ = request(
            process.url, "OPTIONS", "/api/2.0/mlflow/runs/create", None, {"Origin": "http://good.example", **preflight}
        )
        assert status == 204 and headers["access-control-allow-origin"] == "http://good.example"
        status, headers, _ = request(
            process.url, "OPTIONS", "/api/2.0/mlflow/runs/create", None, {"Origin": "http://evil.example", **preflight}
        )
        assert status == 403 and "access-control-allow-origin" not in headers
        status, headers, _ = request(
            process.url, "GET", "/api/2.0/mlflow/experiments/search", None, {"Origin": "http://good.example"}
        )
        assert status == 200 and headers["access-control-allow-origin"] == "http://good.example"
        status, headers, _ = request(
            process.url, "GET", "/api/2.0/mlflow/experiments/search", None, {"Origin": "http://evil.example"}
        )
        assert "access-control-allow-origin" not in headers
        body = json.dumps({"experiment_id": "0"}).encode()
        status, headers, _ = request(
            process.url,
            "POST",
            "/api/2.0/mlflow/runs/create",
            body,
            {"Origin": "http://good.example", "Content-Type": "application/json"},
        )
        assert status == 200 and headers["access-control-allow-origin"] == "http://good.example"
    finally:
        process.stop()


# -- artifact path traversal ------------------------------------------------------------------------------
TRAVERSALS = [
    "../outside.txt",
    "a/../../outside.txt",
    "..",
    "%2e%2e/outside.txt",
    "..%2foutside.txt",
    "%2e%2e%2foutside.txt",
    "%252e%252e/outside.txt",
    "%252e%252e%252foutside.txt",
    "..%5coutside.txt",
    "a\\..\\..\\outside.txt",
    "%5c%5coutside.txt",
    "/etc/passwd",
    "%2fetc%2fpasswd",
    "C:%5cWindows",
    "a%00b.txt",
    "a/%00/../../outside.txt",
    ".autolog-mpu/x",
]


@pytest.fixture(scope="module")
def traversal_setup(server):
    destination = server.store_dir / "artifacts"
    destination.mkdir(parents=True, exist_ok=True)
    outside = server.store_dir / "outside.txt"
    outside.write_text("secret")
    elsewhere = server.store_dir.parent / "elsewhere"
    elsewhere.mkdir(exist_ok=True)
    (elsewhere / "loot.txt").write_text("LOOT-CONTENT")
    link = destination / "link"
    if not link.exists():
        os.symlink(elsewhere, link)
    return outside, elsewhere


def _refused(status: int, body: bytes) -> bool:
    return status == 400 and b"Traceback" not in body


@pytest.mark.parametrize("path", TRAVERSALS)
def test_traversal_refused_on_every_artifact_endpoint(server, traversal_setup, path):
    outside, elsewhere = traversal_setup
    base = "/api/2.0/mlflow-artifacts"
    json_headers = {"Content-Type": "application/json"}
    attempts = [
        ("GET", f"{base}/artifacts/{path}", None, {}),
        ("PUT", f"{base}/artifacts/{path}", b"pwned", {}),
        ("DELETE", f"{base}/artifacts/{path}", None, {}),
        ("GET", f"{base}/artifacts?path={path}", None, {}),
        ("POST", f"{base}/mpu/create/{path}", json.dumps({"path": path, "num_parts": 1}).encode(), json_headers),
        ("POST", f"{base}/mpu/abort/{path}", json.dumps({"path": path, "upload_id": "0" * 32}).encode(), json_headers),
        ("PUT", f"{base}/mpu/upload/{path}?upload_id={'0' * 32}&part_number=1", b"pwned", {}),
    ]
    for method, target, body, headers in attempts:
        status, _h, answer = request(server.url, method, target, body, headers)
        assert status in (400, 404) and b"Traceback" not in answer, (method, target, status, answer)
        if ".." in path or "%2e" in path.lower() or "/etc" in path or "%00" in path or "\\" in path:
            assert status == 400, (method, target, status, answer)
    run = _new_run(server)
    status, _h, answer = request(
        server.url, "GET", f"/api/2.0/mlflow/artifacts/list?run_id={run['info']['run_id']}&path={path}"
    )
    assert status in (400, 404) and b"Traceback" not in answer
    assert outside.read_text() == "secret"
    assert not (server.store_dir / "pwned").exists()
    assert sorted(os.listdir(elsewhere)) == ["loot.txt"]


def test_symlink_out_of_the_root_is_refused(server, traversal_setup):
    _outside, elsewhere = traversal_setup
    base = "/api/2.0/mlflow-artifacts/artifacts"
    status, _h, body = request(server.url, "GET", f"{base}/link/loot.txt")
    assert _refused(status, body) and b"LOOT-CONTENT" not in body
    status, _h, body = request(server.url, "PUT", f"{base}/link/new.txt", b"x")
    assert _refused(status, body)
    status, _h, body = request(server.url, "DELETE", f"{base}/link/loot.txt")
    assert _refused(status, body)
    status, _h, body = request(server.url, "GET", f"{base}?path=link")
    assert _refused(status, body)
    assert sorted(os.listdir(elsewhere)) == ["loot.txt"]


def test_experiment_artifact_location_outside_the_destination_is_refused(server):
    for location in ("/etc", "file:///etc", "s3://someone-elses-bucket/x", "mlflow-artifacts:/../../etc"):
        status, body = api(
            server.url, "POST", "experiments/create", {"name": f"loc-{location}", "artifact_location": location}
        )
        assert status == 400, (location, body)
    status, body = api(
        server.url, "POST", "experiments/create", {"name": "loc-ok", "artifact_location": "mlflow-artifacts:/team/x"}
    )
    assert status == 200


# -- credentials ------------------------------------------------------------------------------------------
def _basic(user: str, password: str) -> dict:
    return {"Authorization": "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()}


def test_users_file_requires_valid_basic_credentials(tmp_path):
    users = tmp_path / "users.txt"
    cli = [sys.executable, "-m", "autolog", "server", "users", "add"]
    for name, password in (("alice", "correct horse"), ("bob", "battery staple")):
        out = subprocess.run(
            [*cli, name, "--users-file", str(users), "--password-stdin"],
            input=password + "\n",
            capture_output=True,
            text=True,
            cwd=REPO_DIR,
            env=server_env(),
        )
        assert out.returncode == 0, out.stderr
    assert "correct horse" not in users.read_text() and "scrypt" in users.read_text()
    assert oct(users.stat().st_mode & 0o777) == "0o600"
    token_out = subprocess.run(
        [*cli, "ci", "--users-file", str(users), "--token"],
        capture_output=True,
        text=True,
        cwd=REPO_DIR,
        env=server_env(),
    )
    token = token_out.stdout.strip().splitlines()[-1]
    assert token not in users.read_text()

    process = start_server("--backend-store-uri", str(tmp_path / "store"), "--users-file", str(users))
    try:
        path = "/api/2.0/mlflow/experiments/search"
        answers = set()
        for headers in (
            {},
            _basic("alice", "wrong"),
            _basic("mallory", "correct horse"),
            _basic("alice", ""),
            {"Authorization": "Basic !!!notbase64"},
            {"Authorization": "Bearer nope"},
        ):
            status, got, body = request(process.url, "GET", path, headers=headers)
            assert status == 401 and got["www-authenticate"].startswith("Basic")
            answers.add(body)
        assert len(answers) == 1  # the same answer whatever was wrong
        assert request(process.url, "GET", path, headers=_basic("alice", "correct horse"))[0] == 200
        assert request(process.url, "GET", path, headers=_basic("bob", "battery staple"))[0] == 200
        assert request(process.url, "GET", path, headers={"Authorization": f"Bearer {token}"})[0] == 200
        assert request(process.url, "GET", "/health")[0] == 200
        assert request(process.url, "PUT", "/api/2.0/mlflow-artifacts/artifacts/x.txt", b"x")[0] == 401

        script = (
            "import tracking_core as t, sys; t.set_tracking_uri(sys.argv[1]);\n"
            "with t.start_run() as r: t.log_metric('m', 1.0); t.log_text('hi', 'a.txt')\n"
            "print(t.TrackingClient().get_run(r.info.run_id).data.metrics['m'])"
        )
        ok = subprocess.run(
            [sys.executable, "-c", script, process.url],
            capture_output=True,
            text=True,
            timeout=120,
            cwd=REPO_DIR,
            env=server_env({"AUTOLOG_TRACKING_USERNAME": "alice", "AUTOLOG_TRACKING_PASSWORD": "correct horse"}),
        )
        assert ok.returncode == 0 and ok.stdout.strip() == "1.0", ok.stderr[-2000:]
        with_token = subprocess.run(
            [sys.executable, "-c", script, process.url],
            capture_output=True,
            text=True,
            timeout=120,
            cwd=REPO_DIR,
            env=server_env({"AUTOLOG_TRACKING_TOKEN": token}),
        )
        assert with_token.returncode == 0, with_token.stderr[-2000:]
        refused = subprocess.run(
            [sys.executable, "-c", script, process.url],
            capture_output=True,
            text=True,
            timeout=120,
            cwd=REPO_DIR,
            env=server_env(
                {
                    "AUTOLOG_TRACKING_USERNAME": "alice",
                    "AUTOLOG_TRACKING_PASSWORD": "nope",
                    "AUTOLOG_HTTP_REQUEST_MAX_RETRIES": "0",
                }
            ),
        )
        assert refused.returncode != 0 and "refused us (401" in refused.stderr
    finally:
        process.stop()


# -- bodies, nesting, garbage -------------------------------------------------------------------------------
def test_oversized_and_overnested_bodies_get_400_and_stored_data_survives(server):
    run = _new_run(server)
    run_id = run["info"]["run_id"]
    assert (
        api(server.url, "POST", "runs/log-metric", {"run_id": run_id, "key": "kept", "value": 1, "timestamp": 1})[0]
        == 200
    )
    headers = {"Content-Type": "application/json"}
    huge = json.dumps({"run_id": run_id, "padding": "x" * 3_000_000}).encode()
    for endpoint in ("runs/log-batch", "runs/create", "experiments/create"):
        status, _h, body = request(server.url, "POST", f"/api/2.0/mlflow/{endpoint}", huge, headers)
        assert status == 400 and b"limit" in body
    for depth in (40, 100_000):
        nested = ("[" * depth + "]" * depth).encode()
        body = b'{"run_id": "' + run_id.encode() + b'", "metrics": ' + nested + b"}"
        status, _h, answer = request(server.url, "POST", "/api/2.0/mlflow/runs/log-batch", body, headers)
        assert status == 400 and b"nested" in answer, answer[:200]
    for garbage in (b"\xff\xfe\x00", b"{" * 10, b'{"run_id": "' + b"\\ud800" + b'"}', b"null", b"1e999999"):
        status, _h, answer = request(server.url, "POST", "/api/2.0/mlflow/runs/log-batch", garbage, headers)
        assert status == 400 and b"Traceback" not in answer, (garbage, answer)
    status, body = api(server.url, "GET", "metrics/get-history", {"run_id": run_id, "metric_key": "kept"})
    assert [m["value"] for m in body["metrics"]] == [1]
    assert request(server.url, "GET", "/health")[0] == 200


GARBAGE_VALUES = [True, -1, 2**70, "", "x" * 300, "\x00", [], {"a": {"b": []}}, "../../etc/passwd"]


FIELDS = {
    "experiments/create": ["name", "artifact_location", "tags"],
    "experiments/get": ["experiment_id"],
    "experiments/get-by-name": ["experiment_name"],
    "experiments/search": ["max_results", "filter", "order_by", "view_type", "page_token"],
    "experiments/update": ["experiment_id", "new_name"],
    "experiments/delete": ["experiment_id"],
    "experiments/restore": ["experiment_id"],
    "experiments/set-experiment-tag": ["experiment_id", "key", "value"],
    "experiments/delete-experiment-tag": ["experiment_id", "key"],
    "runs/create": ["experiment_id", "run_name", "start_time", "tags", "user_id"],
    "runs/get": ["run_id"],
    "runs/update": ["run_id", "status", "end_time", "run_name"],
    "runs/delete": ["run_id"],
    "runs/restore": ["run_id"],
    "runs/search": ["experiment_ids", "filter", "order_by", "max_results", "page_token", "run_view_type"],
    "runs/log-batch": ["run_id", "metrics", "params", "tags"],
    "runs/log-inputs": ["run_id", "datasets"],
    "runs/log-metric": ["key", "value", "timestamp", "step"],
    "runs/log-parameter": ["key", "value"],
    "runs/set-tag": ["key", "value"],
    "runs/delete-tag": ["key"],
    "metrics/get-history": ["run_id", "metric_key", "max_results", "page_token"],
    "artifacts/list": ["run_id", "path", "page_token"],
}


def test_garbage_in_every_field_of_every_endpoint_is_never_a_500(server):
    from tracking_core.server.tracking_api import ROUTES

    assert set(FIELDS) == {endpoint for _m, endpoint, _h in ROUTES}
    run = _new_run(server)
    connection = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
    try:
        for methods, endpoint, _handler in ROUTES:
            for field in FIELDS[endpoint]:
                for value in GARBAGE_VALUES:
                    payload = {
                        "run_id": run["info"]["run_id"],
                        "metric_key": "m",
                        "key": "k",
                        "value": "v",
                        field: value,
                    }
                    if methods[0] == "GET":
                        query = urlencode({k: v for k, v in payload.items() if isinstance(v, str)})
                        connection.request("GET", f"/api/2.0/mlflow/{endpoint}?{query}")
                    else:
                        connection.request(
                            "POST",
                            f"/api/2.0/mlflow/{endpoint}",
                            json.dumps(payload),
                            {"Content-Type": "application/json"},
                        )
                    response = connection.getresponse()
                    body = response.read()
                    assert response.status < 500, (endpoint, field, value, response.status, body)
                    assert b"Traceback" not in body
    finally:
        connection.close()
