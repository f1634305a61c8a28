"""Our client against a real ``mlflow server`` (3.17.2, SQLite, in its own venv): an autologged
scikit-learn model registered with ``registered_model_name``, an alias set with our
``TrackingClient``, the model loaded back with ``autolog.load_model("models:/NAME@ALIAS")``, served
from the alias, and the same version seen and loaded by MLflow's own client.
"""

from __future__ import annotations

import json
import subprocess
import textwrap
import uuid

import numpy as np
import pytest

pytest.importorskip("sklearn")

from registry_support import registry_round_trip
from server_support import server_env
from sklearn.datasets import load_iris
from sklearn.dummy import DummyClassifier
from sklearn.linear_model import LogisticRegression

import autolog
import tracking_core

from models_support import ModelServer

X, Y = load_iris(return_X_y=True)


@pytest.fixture
def on_mlflow(mlflow_server, autolog_enable):
    """Autologging on (sklearn), the fluent API pointed at the shared mlflow server, a fresh experiment."""
    tracking_core.set_tracking_uri(mlflow_server)
    tracking_core.set_experiment(f"registry-{uuid.uuid4().hex[:8]}")
    return autolog_enable


def _mlflow(python: str, url: str, code: str) -> dict:
    env = server_env({"MLFLOW_TRACKING_URI": url})
    env.pop("PYTHONPATH", None)
    out = subprocess.run([python, "-c", textwrap.dedent(code)], capture_output=True, text=True, timeout=300, env=env)
    assert out.returncode == 0, out.stderr[-4000:]
    return json.loads(out.stdout.strip().splitlines()[-1])


def test_an_autologged_model_registered_aliased_and_loaded_back_through_mlflow_server(
    on_mlflow, mlflow_server, mlflow_python
):
    name = f"iris-{uuid.uuid4().hex[:8]}"
    on_mlflow(None, registered_model_name=name)
    first = LogisticRegression(max_iter=300).fit(X, Y)
    first_run = autolog.last_active_run().info
    second = LogisticRegression(max_iter=300, C=0.001).fit(X, Y)
    assert (first.predict(X) != second.predict(X)).any()
    client = autolog.TrackingClient()

    versions = client.search_model_versions(f"name = '{name}'")
    assert sorted(v.version for v in versions) == ["1", "2"]
    version_1 = client.get_model_version(name, 1)
    assert version_1.run_id == first_run.run_id
    assert version_1.source == f"{first_run.artifact_uri}/model"  # mlflow-artifacts:/..., as MLflow registers it
    client.set_registered_model_alias(name, "champion", 1)
    client.set_model_version_tag(name, 1, "validated", "yes")
    assert client.get_registered_model(name).aliases == {"champion": "1"}

    assert (autolog.load_model(f"models:/{name}@champion").predict(X) == first.predict(X)).all()
    assert (autolog.load_model(f"models:/{name}/latest").predict(X) == second.predict(X)).all()
    predict = autolog.load_model(f"models:/{name}@champion", kind="predict")
    assert (predict.predict(X) == first.predict(X)).all()

    # MLflow's own client sees the version, its alias and tag, and loads the model we logged.
    seen = _mlflow(
        mlflow_python,
        mlflow_server,
        f"""
        import json, mlflow
        from sklearn.datasets import load_iris
        client = mlflow.MlflowClient()
        version = client.get_model_version_by_alias({name!r}, "champion")
        X, _ = load_iris(return_X_y=True)
        model = mlflow.pyfunc.load_model("models:/{name}@champion")
        print(json.dumps({{"version": version.version, "run_id": version.run_id, "tags": version.tags,
                           "predictions": model.predict(X).tolist()}}))
        """,
    )
    assert seen["version"] == "1" and seen["run_id"] == first_run.run_id and seen["tags"] == {"validated": "yes"}
    assert seen["predictions"] == first.predict(X).tolist()

    # Moving the alias moves what the same URI loads.
    client.set_registered_model_alias(name, "champion", 2)
    assert (autolog.load_model(f"models:/{name}@champion").predict(X) == second.predict(X)).all()


def test_unknown_model_version_and_alias_on_mlflow_server_name_the_part(on_mlflow):
    name = f"iris-{uuid.uuid4().hex[:8]}"
    on_mlflow(None, registered_model_name=name)
    LogisticRegression(max_iter=300).fit(X, Y)
    cases = [
        (f"models:/{name}@nope", f"registered model {name!r} has no alias 'nope'"),
        (f"models:/{name}/7", f"registered model {name!r} has no version 7"),
        (f"models:/{name}x/1", f"no registered model named '{name}x'"),
    ]
    for uri, message in cases:
        with pytest.raises(autolog.RegistryNotFoundError) as caught:
            autolog.load_model(uri)
        assert message in str(caught.value)
    with pytest.raises(ValueError, match="Names cannot contain '/'"):
        autolog.TrackingClient().create_registered_model("a/b")


def test_models_serve_from_an_alias_on_mlflow_server(on_mlflow, mlflow_server, tmp_path):
    name = f"iris-{uuid.uuid4().hex[:8]}"
    on_mlflow(None, registered_model_name=name)
    model = LogisticRegression(max_iter=300).fit(X, Y)
    autolog.TrackingClient().set_registered_model_alias(name, "champion", 1)
    # the last --tracking-uri wins: the model comes from the mlflow server, the log goes to tmp_path
    server = ModelServer(
        f"models:/{name}@champion", str(tmp_path), "--tracking-uri", mlflow_server, "--watch-alias", "5"
    )
    try:
        server.wait_ready()
        status, body = server.invoke({"inputs": X[:5].tolist()})
    finally:
        server.stop()
    assert status == 200, body
    assert body["predictions"] == model.predict(X[:5]).tolist()


def test_every_registry_method_against_mlflow_server(on_mlflow):
    """The same round trip as against ``autolog server`` (``registry_round_trip``): MLflow is the reference."""
    name = f"const-{uuid.uuid4().hex[:8]}"
    on_mlflow(None, registered_model_name=name)
    X_small, y_small = np.arange(40, dtype=float).reshape(20, 2), np.array([0, 1] * 10)
    for value in (0, 1):
        DummyClassifier(strategy="constant", constant=value).fit(X_small, y_small)
    registry_round_trip(autolog.TrackingClient(), name, X_small[:1])
