"""What every store accepts, as MLflow accepts it (issue 20, items 2 and 6), with a real ``mlflow server``
as the reference.

- A param value over 6,000 characters or a tag over 8,000 is cut to that length, and the rest of the
  batch holding it is stored: through our server, through MLflow's, and by our client into a local
  store, an autolog server and an MLflow server alike (a warning names the key).
- Requests MLflow refuses (a metric without a timestamp, keys with characters it forbids or that are
  not normalised paths, a negative timestamp) are refused by our server with the same status and
  error code, and keys MLflow refuses are refused by our client when they are logged.
"""

from __future__ import annotations

import json
import logging
import random
import subprocess

from server_support import api, server_env

import tracking_core
from tracking_core import InvalidKeyError, TrackingClient


def _new_run(url: str, experiment: str) -> str:
    status, body = api(url, "POST", "experiments/create", {"name": experiment})
    assert status == 200, body
    status, body = api(url, "POST", "runs/create", {"experiment_id": body["experiment_id"], "start_time": 1})
    assert status == 200, body
    return body["run"]["info"]["run_id"]


def _stored(url: str, run_id: str) -> dict:
    status, body = api(url, "GET", "runs/get", {"run_id": run_id})
    assert status == 200, body
    data = body["run"]["data"]
    return {
        "params": {p["key"]: p["value"] for p in data.get("params", [])},
        "tags": {t["key"]: t["value"] for t in data.get("tags", []) if not t["key"].startswith("mlflow.")},
        "metrics": {m["key"]: m["value"] for m in data.get("metrics", [])},
    }


LONG_BATCH = {
    "params": [
        {"key": "long", "value": "p" * 6001},
        {"key": "longer", "value": "q" * 20_000},
        {"key": "alpha", "value": "0.5"},
    ],
    "tags": [{"key": "notes", "value": "t" * 8001}, {"key": "team", "value": "blue"}],
    "metrics": [{"key": "loss", "value": 0.25, "timestamp": 1000, "step": 3}],
}


def test_long_values_are_cut_as_mlflow_cuts_them_and_the_rest_of_the_batch_is_kept(server, mlflow_server):
    seen = {}
    for name, url in (("autolog", server.url), ("mlflow", mlflow_server)):
        run_id = _new_run(url, "long-values")
        status, body = api(url, "POST", "runs/log-batch", {"run_id": run_id, **LONG_BATCH})
        assert status == 200, (name, body)
        seen[name] = _stored(url, run_id)
    ours = seen["autolog"]
    assert ours["params"] == {"long": "p" * 6000, "longer": "q" * 6000, "alpha": "0.5"}
    assert ours["tags"] == {"notes": "t" * 8000, "team": "blue"}
    assert ours["metrics"] == {"loss": 0.25}
    assert ours == seen["mlflow"]


def test_single_long_param_and_tag_requests_are_cut_too(server, mlflow_server):
    seen = {}
    for name, url in (("autolog", server.url), ("mlflow", mlflow_server)):
        run_id = _new_run(url, "long-single")
        assert api(url, "POST", "runs/log-parameter", {"run_id": run_id, "key": "p", "value": "v" * 7000})[0] == 200
        assert api(url, "POST", "runs/set-tag", {"run_id": run_id, "key": "t", "value": "w" * 9000})[0] == 200
        seen[name] = _stored(url, run_id)
    assert seen["autolog"] == seen["mlflow"] == {"params": {"p": "v" * 6000}, "tags": {"t": "w" * 8000}, "metrics": {}}


def test_our_client_cuts_long_values_the_same_in_every_store(server, mlflow_server, tmp_path, caplog):
    caplog.set_level(logging.WARNING, logger="tracking_core")
    long_param, long_tag = "a" * 6001, "b" * 9000
    for uri in (f"sqlite:///{tmp_path}/runs.db", server.url, mlflow_server):
        client = TrackingClient(uri)
        run = client.create_run(run_name="long")
        client.log_param(run.info.run_id, "long_param", long_param)
        client.set_tag(run.info.run_id, "long_tag", long_tag)
        client.log_param(run.info.run_id, "short", "kept")
        client.set_terminated(run.info.run_id)
        data = client.get_run(run.info.run_id).data
        assert data.params == {"long_param": "a" * 6000, "short": "kept"}, uri
        assert data.tags["long_tag"] == "b" * 8000, uri
    warnings = [r.getMessage() for r in caplog.records if "truncated" in r.getMessage()]
    assert any("long_param" in w and "6001" in w for w in warnings), warnings
    assert any("long_tag" in w and "9000" in w for w in warnings), warnings


def test_the_fluent_api_keeps_a_run_whose_param_is_too_long(tmp_path, monkeypatch):
    monkeypatch.setenv("AUTOLOG_TRACKING_URI", f"sqlite:///{tmp_path}/runs.db")
    with tracking_core.start_run() as run:
        tracking_core.log_params({"long": "x" * 10_000, "alpha": 0.1})
        tracking_core.log_metric("loss", 0.5)
    data = TrackingClient(f"sqlite:///{tmp_path}/runs.db").get_run(run.info.run_id).data
    assert data.params == {"long": "x" * 6000, "alpha": "0.1"} and data.metrics == {"loss": 0.5}


# Requests MLflow refuses; each must get the same status and error code from our server.
REFUSED = [
    ("log-metric without timestamp", "runs/log-metric", {"key": "m", "value": 1.0, "step": 0}),
    ("log-metric, negative timestamp", "runs/log-metric", {"key": "m", "value": 1.0, "timestamp": -5}),
    ("log-batch metric without timestamp", "runs/log-batch", {"metrics": [{"key": "m", "value": 1.0}]}),
    ("metric key a!b", "runs/log-metric", {"key": "a!b", "value": 1.0, "timestamp": 1}),
    ("param key with @", "runs/log-parameter", {"key": "ndcg@5", "value": "1"}),
    ("tag key with (", "runs/set-tag", {"key": "f(x)", "value": "1"}),
    ("batch param key a//b", "runs/log-batch", {"params": [{"key": "a//b", "value": "1"}]}),
    ("batch tag key ending in /", "runs/log-batch", {"tags": [{"key": "a/", "value": "1"}]}),
    ("metric key ./m", "runs/log-metric", {"key": "./m", "value": 1.0, "timestamp": 1}),
]


def test_what_mlflow_refuses_our_server_refuses_with_the_same_answer(server, mlflow_server):
    answers: dict[str, list] = {}
    for name, url in (("autolog", server.url), ("mlflow", mlflow_server)):
        run_id = _new_run(url, "refused")
        for _label, endpoint, payload in REFUSED:
            status, body = api(url, "POST", endpoint, {"run_id": run_id, **payload})
            answers.setdefault(name, []).append((status, body.get("error_code")))
        # and nothing of the refused requests was stored
        assert _stored(url, run_id) == {"params": {}, "tags": {}, "metrics": {}}, name
    labels = [label for label, _, _ in REFUSED]
    assert dict(zip(labels, answers["autolog"], strict=True)) == dict(zip(labels, answers["mlflow"], strict=True))
    assert all(answer == (400, "INVALID_PARAMETER_VALUE") for answer in answers["autolog"])


def test_keys_mlflow_allows_are_stored_by_both(server, mlflow_server):
    keys = ["a b", "x:y", "dir/sub/leaf", "größe", "v1.2-rc_3", "é/ü"]
    for url in (server.url, mlflow_server):
        run_id = _new_run(url, "allowed")
        batch = {
            "metrics": [{"key": k, "value": 1.0, "timestamp": 1} for k in keys],
            "params": [{"key": k, "value": "1"} for k in keys],
        }
        status, body = api(url, "POST", "runs/log-batch", {"run_id": run_id, **batch})
        assert status == 200, (url, body)
        stored = _stored(url, run_id)
        assert sorted(stored["metrics"]) == sorted(stored["params"]) == sorted(keys)


MLFLOW_KEY_CHECK = """
import json, sys
from mlflow.utils.validation import path_not_unique, validate_param_and_metric_name
keys = json.load(sys.stdin)
print(json.dumps([bool(validate_param_and_metric_name(k)) and not path_not_unique(k) for k in keys]))
"""


def test_our_client_accepts_exactly_the_keys_mlflow_accepts(mlflow_python, tmp_path):
    rng = random.Random(20)
    alphabet = "ab_-. :/!@#()[]=%,+é\t" + "/" * 4 + "." * 4
    keys = ["".join(rng.choice(alphabet) for _ in range(rng.randint(1, 8))) for _ in range(2000)]
    keys += ["..", ".", "/a", "a/", "a//b", "a/./b", "a/../b", "..a", "a..b", "a b", "train-ndcg@2", "x\ny"]
    out = subprocess.run(
        [mlflow_python, "-c", MLFLOW_KEY_CHECK],
        input=json.dumps(keys),
        capture_output=True,
        text=True,
        timeout=120,
        cwd=tmp_path,
        env={k: v for k, v in server_env().items() if k != "PYTHONPATH"},
    )
    assert out.returncode == 0, out.stderr[-3000:]
    mlflow_accepts = json.loads(out.stdout.strip().splitlines()[-1])
    client = TrackingClient(f"sqlite:///{tmp_path}/runs.db")
    run_id = client.create_run(run_name="keys").info.run_id
    disagreements = []
    for key, accepted_by_mlflow in zip(keys, mlflow_accepts, strict=True):
        try:
            client.log_metric(run_id, key, 1.0)
            accepted = True
        except InvalidKeyError:
            accepted = False
        if accepted != accepted_by_mlflow:
            disagreements.append((key, accepted, accepted_by_mlflow))
    assert not disagreements, disagreements[:20]
    assert sum(mlflow_accepts) > 100 and len(keys) - sum(mlflow_accepts) > 100  # both kinds were tried
