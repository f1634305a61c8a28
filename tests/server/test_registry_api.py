"""The registry and logged-model endpoints of ``autolog server`` spoken with raw HTTP: MLflow's paths
under both prefixes, its JSON shapes and codes, and no request (however malformed) answered with a 500.
One real server process for the module.
"""

from __future__ import annotations

import json

import pytest
from server_support import api, request


def _ok(server, method, endpoint, payload=None):
    status, body = api(server.url, method, endpoint, payload)
    assert status == 200, (endpoint, status, body)
    return body


@pytest.fixture(scope="module")
def run(server):
    experiment_id = _ok(server, "POST", "experiments/create", {"name": "registry-api"})["experiment_id"]
    return _ok(server, "POST", "runs/create", {"experiment_id": experiment_id})["run"]["info"]


def test_both_prefixes_serve_the_registry(server, run):
    _ok(server, "POST", "registered-models/create", {"name": "both", "tags": [{"key": "k", "value": "v"}]})
    for prefix in ("/api/2.0/mlflow", "/ajax-api/2.0/mlflow"):
        status, body = api(server.url, "GET", f"{prefix}/registered-models/get", {"name": "both"})
        assert status == 200 and body["registered_model"]["tags"] == [{"key": "k", "value": "v"}]
    status, body = api(server.url, "GET", "/ajax-api/2.0/mlflow/registered-models/search", {"filter": "name='both'"})
    assert status == 200 and [m["name"] for m in body["registered_models"]] == ["both"]


def test_version_lifecycle_in_mlflow_shapes(server, run):
    _ok(server, "POST", "registered-models/create", {"name": "shapes"})
    source = f"runs:/{run['run_id']}/model"
    version = _ok(
        server, "POST", "model-versions/create", {"name": "shapes", "source": source, "run_id": run["run_id"]}
    )
    assert version["model_version"]["version"] == "1" and version["model_version"]["current_stage"] == "None"
    assert version["model_version"]["status"] == "READY" and version["model_version"]["source"] == source
    uri = _ok(server, "GET", "model-versions/get-download-uri", {"name": "shapes", "version": "1"})["artifact_uri"]
    assert uri == f"{run['artifact_uri']}/model"  # mlflow-artifacts:/..., served by the proxied artifact service
    _ok(server, "POST", "registered-models/alias", {"name": "shapes", "alias": "prod", "version": "1"})
    got = _ok(server, "GET", "registered-models/alias", {"name": "shapes", "alias": "prod"})["model_version"]
    assert got["aliases"] == ["prod"]
    model = _ok(server, "GET", "registered-models/get", {"name": "shapes"})["registered_model"]
    assert model["aliases"] == [{"alias": "prod", "version": "1"}]
    assert [v["version"] for v in model["latest_versions"]] == ["1"]
    _ok(server, "PATCH", "model-versions/update", {"name": "shapes", "version": "1", "description": "d"})
    _ok(server, "POST", "model-versions/set-tag", {"name": "shapes", "version": "1", "key": "a", "value": "b"})
    staged = _ok(
        server,
        "POST",
        "model-versions/transition-stage",
        {"name": "shapes", "version": "1", "stage": "staging", "archive_existing_versions": False},
    )
    assert staged["model_version"]["current_stage"] == "Staging"
    latest = _ok(server, "POST", "registered-models/get-latest-versions", {"name": "shapes", "stages": ["Staging"]})
    assert [(v["version"], v["description"], v["tags"]) for v in latest["model_versions"]] == [
        ("1", "d", [{"key": "a", "value": "b"}])
    ]
    _ok(server, "DELETE", "model-versions/delete-tag", {"name": "shapes", "version": "1", "key": "a"})
    _ok(server, "DELETE", "registered-models/alias", {"name": "shapes", "alias": "prod"})
    _ok(server, "DELETE", "model-versions/delete", {"name": "shapes", "version": "1"})
    status, body = api(server.url, "GET", "model-versions/get", {"name": "shapes", "version": "1"})
    assert status == 404 and body["error_code"] == "RESOURCE_DOES_NOT_EXIST"
    _ok(server, "DELETE", "registered-models/delete", {"name": "shapes"})
    status, body = api(server.url, "GET", "registered-models/get", {"name": "shapes"})
    assert status == 404


def test_logged_model_lifecycle_and_artifacts(server, run):
    created = _ok(
        server,
        "POST",
        "logged-models",
        {
            "experiment_id": run["experiment_id"],
            "name": "net",
            "source_run_id": run["run_id"],
            "params": [{"key": "lr", "value": "0.1"}],
            "tags": [{"key": "t", "value": "1"}],
        },
    )["model"]
    model_id = created["info"]["model_id"]
    assert model_id.startswith("m-") and created["info"]["status"] == "LOGGED_MODEL_PENDING"
    location = created["info"]["artifact_uri"]
    assert location == f"mlflow-artifacts:/{run['experiment_id']}/models/{model_id}/artifacts"
    path = location[len("mlflow-artifacts:") :]
    status, _h, _b = request(server.url, "PUT", f"/api/2.0/mlflow-artifacts/artifacts{path}/MLmodel", b"flavors: {}\n")
    assert status == 200
    listing = _ok(server, "GET", f"logged-models/{model_id}/artifacts/directories")
    assert [f["path"] for f in listing["files"]] == ["MLmodel"]
    _ok(
        server,
        "PATCH",
        f"logged-models/{model_id}/tags",
        {"tags": [{"key": "t", "value": "2"}, {"key": "u", "value": "3"}]},
    )
    _ok(server, "DELETE", f"logged-models/{model_id}/tags/u")
    _ok(server, "POST", f"logged-models/{model_id}/params", {"params": [{"key": "depth", "value": "4"}]})
    final = _ok(server, "PATCH", f"logged-models/{model_id}", {"model_id": model_id, "status": "LOGGED_MODEL_READY"})
    assert final["model"]["info"]["status"] == "LOGGED_MODEL_READY"
    got = _ok(server, "GET", f"logged-models/{model_id}")["model"]
    assert got["info"]["tags"] == [{"key": "t", "value": "2"}]
    assert sorted((p["key"], p["value"]) for p in got["data"]["params"]) == [("depth", "4"), ("lr", "0.1")]
    found = _ok(
        server,
        "POST",
        "logged-models/search",
        {
            "experiment_ids": [run["experiment_id"]],
            "filter": f"source_run_id = '{run['run_id']}' AND params.lr = '0.1'",
        },
    )
    assert [m["info"]["model_id"] for m in found["models"]] == [model_id]
    _ok(server, "POST", "runs/outputs", {"run_id": run["run_id"], "models": [{"model_id": model_id, "step": 3}]})
    outputs = _ok(server, "GET", "runs/get", {"run_id": run["run_id"]})["run"]["outputs"]
    assert outputs == {"model_outputs": [{"model_id": model_id, "step": 3}]}
    _ok(server, "POST", "registered-models/create", {"name": "from-logged"})
    version = _ok(
        server,
        "POST",
        "model-versions/create",
        {"name": "from-logged", "source": f"models:/{model_id}", "model_id": model_id},
    )
    assert version["model_version"]["model_id"] == model_id
    assert version["model_version"]["run_id"] == run["run_id"]  # the logged model's source run
    uri = _ok(server, "GET", "model-versions/get-download-uri", {"name": "from-logged", "version": "1"})
    assert uri["artifact_uri"] == location
    _ok(server, "DELETE", f"logged-models/{model_id}")
    status, body = api(server.url, "GET", f"logged-models/{model_id}")
    assert status == 404 and model_id in body["message"]


BAD = [
    ("POST", "registered-models/create", {}, "name"),
    ("POST", "registered-models/create", {"name": "x" * 300}, "name"),
    ("POST", "registered-models/create", {"name": 5}, "name"),
    ("POST", "registered-models/create", {"name": "a:b"}, "name"),
    ("GET", "registered-models/search", {"max_results": 1001}, "max_results"),
    ("GET", "registered-models/search", {"max_results": "many"}, "max_results"),
    ("GET", "registered-models/search", {"filter": "name = "}, "filter"),
    ("GET", "registered-models/search", {"filter": "params.a = 'b'"}, "params.a"),
    ("GET", "registered-models/search", {"order_by": "nonsense DESC"}, "nonsense"),
    ("GET", "registered-models/search", {"page_token": "garbage"}, "page token"),
    ("GET", "model-versions/search", {"filter": "metrics.x > 1"}, "metrics.x"),
    ("GET", "model-versions/search", {"max_results": 200001}, "max_results"),
    ("GET", "model-versions/get", {"name": "bad-inputs", "version": "abc"}, "version"),
    ("GET", "model-versions/get", {"name": "bad-inputs"}, "version"),
    ("POST", "model-versions/create", {"name": "bad-inputs"}, "source"),
    ("POST", "model-versions/create", {"name": "bad-inputs", "source": "runs:/x/../../etc"}, "source"),
    ("POST", "model-versions/create", {"name": "bad-inputs", "source": "mlflow-artifacts:/../x"}, ".."),
    ("POST", "model-versions/create", {"name": "bad-inputs", "source": "relative/path"}, "source"),
    (
        "POST",
        "model-versions/create",
        {"name": "bad-inputs", "source": "models:/m-00000000000000000000000000000000"},
        "m-0000",
    ),
    ("POST", "model-versions/create", {"name": "bad-inputs", "source": "models:/nope/1"}, "nope"),
    ("POST", "model-versions/transition-stage", {"name": "bad-inputs", "version": "1", "stage": "Gold"}, "stage"),
    ("POST", "registered-models/alias", {"name": "bad-inputs", "alias": "has space", "version": "1"}, "alias"),
    ("POST", "registered-models/alias", {"name": "bad-inputs", "alias": "latest", "version": "1"}, "latest"),
    ("POST", "registered-models/alias", {"name": "bad-inputs", "alias": "ok", "version": "x"}, "version"),
    ("GET", "registered-models/alias", {"name": "bad-inputs"}, "alias"),
    ("POST", "logged-models", {"experiment_id": "999999"}, "experiment_id"),
    ("POST", "logged-models", {"experiment_id": "abc"}, "experiment_id"),
    ("PATCH", "logged-models/m-00000000000000000000000000000000", {"status": "LOGGED_MODEL_READY"}, "m-0000"),
    ("POST", "logged-models/search", {"experiment_ids": ["x"]}, "experiment_ids"),
    ("POST", "logged-models/search", {"experiment_ids": ["1"], "filter": "name ="}, "filter"),
    ("POST", "runs/outputs", {"run_id": "0" * 32, "models": []}, "0000"),
]


@pytest.mark.parametrize(
    ("method", "endpoint", "payload", "named"), BAD, ids=[f"{b[1]}-{i}" for i, b in enumerate(BAD)]
)
def test_bad_input_is_a_4xx_naming_the_problem(server, run, method, endpoint, payload, named):
    api(server.url, "POST", "registered-models/create", {"name": "bad-inputs"})
    api(server.url, "POST", "model-versions/create", {"name": "bad-inputs", "source": f"runs:/{run['run_id']}/m"})
    status, body = api(server.url, method, endpoint, payload)
    assert 400 <= status < 500, (status, body)
    assert body["error_code"] in ("INVALID_PARAMETER_VALUE", "RESOURCE_DOES_NOT_EXIST", "BAD_REQUEST"), body
    assert named.lower() in body["message"].lower(), body


def test_malformed_bodies_are_refused_not_crashed(server):
    for endpoint, body in [
        ("registered-models/create", b"{"),
        ("registered-models/create", b"[1, 2]"),
        ("model-versions/create", json.dumps({"name": "x", "source": 5}).encode()),
        ("registered-models/set-tag", json.dumps({"name": "x", "key": ["a"], "value": 1}).encode()),
    ]:
        status, _headers, data = request(
            server.url, "POST", f"/api/2.0/mlflow/{endpoint}", body, {"Content-Type": "application/json"}
        )
        assert 400 <= status < 500, (endpoint, status, data)


GARBAGE = [True, -1, 2**70, "", "x" * 300, "\x00", "\ud800", [], {"a": {"b": []}}, "../../etc/passwd", "a/b", None]
REGISTRY_FIELDS = [
    "name", "new_name", "version", "alias", "source", "run_id", "model_id", "description", "key", "value", "tags",
    "stage", "stages", "archive_existing_versions", "filter", "order_by", "max_results", "page_token",
    "experiment_id", "experiment_ids", "status", "params", "models", "datasets", "artifact_directory_path",
]  # fmt: skip


def test_garbage_in_every_field_of_every_registry_endpoint_is_never_a_500(server, run):
    from tracking_core.server.registry_api import ROUTES

    _ok(server, "POST", "registered-models/create", {"name": "garbage"})
    _ok(server, "POST", "model-versions/create", {"name": "garbage", "source": f"runs:/{run['run_id']}/m"})
    logged = _ok(server, "POST", "logged-models", {"experiment_id": run["experiment_id"]})["model"]["info"]["model_id"]
    base = {
        "name": "garbage", "version": "1", "alias": "a", "source": f"runs:/{run['run_id']}/m", "run_id": run["run_id"],
        "key": "k", "value": "v", "stage": "Staging", "experiment_id": run["experiment_id"],
        "experiment_ids": [run["experiment_id"]], "model_id": logged, "status": "LOGGED_MODEL_READY",
    }  # fmt: skip
    for methods, path, _handler in ROUTES:
        path = path.replace("{model_id}", logged).replace("{tag_key:path}", "k")
        for field in REGISTRY_FIELDS:
            for value in GARBAGE:
                payload = {**base, field: value}
                if methods[0] == "GET":
                    query = {k: v for k, v in payload.items() if isinstance(v, str) and "\ud800" not in v}
                    status, body = api(server.url, "GET", path, query)
                else:
                    status, _h, data = request(
                        server.url,
                        methods[0],
                        f"/api/2.0/mlflow/{path}",
                        json.dumps(payload).encode(),
                        {"Content-Type": "application/json"},
                    )
                    body = data
                assert status < 500, (methods, path, field, value, status, body)
