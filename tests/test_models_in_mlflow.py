"""Our models in the real MLflow: ``mlflow.pyfunc.load_model`` and ``mlflow models serve``.

Models of every framework MLflow also has are trained under our autologging in one fresh process
(into a local store, and one scikit-learn model through our client into a real ``mlflow server``),
each predicting a fixed input through our own ``load_model(uri, kind="predict")``. Then one
process of MLflow 3.17.2 (bench/.mlflow-venv) loads them all with ``mlflow.pyfunc.load_model``
(model directories, and the ``runs:/`` URI on its server) and with its own flavor's
``load_model``: the same predictions, through MLflow's own loader modules, without importing
autolog. A Lightning module (saved as a state dict, which MLflow's pytorch flavor cannot read)
loads through autolog's loader where autolog is installed next to MLflow. Last,
``mlflow models serve --env-manager local`` and ``autolog models serve`` answer the same request,
records under ``inputs``, with the same predictions.

Skipped without the MLflow venv (``make test`` builds it) unless AUTOLOG_REQUIRE_MLFLOW=1.
"""

from __future__ import annotations

import importlib.util
import json
import os
import signal
import subprocess
import textwrap
import time

import numpy as np
import pandas as pd
import pytest

from models_support import REPO_DIR, TESTS_DIR, ModelServer, free_port, train

MLFLOW_VENV = os.path.join(REPO_DIR, "bench", ".mlflow-venv")
MLFLOW_PYTHON = os.path.join(MLFLOW_VENV, "bin", "python")
MLFLOW_SIDE = os.path.join(TESTS_DIR, "mlflow_models_side.py")
FEATURES = ["f0", "f1", "f2", "f3"]
START_TIMEOUT = 120.0

# name: (module it needs, training code, input kind, MLflow flavor module, its native class, loader module)
MODELS = {
    "sklearn": (
        "sklearn",
        "from sklearn.linear_model import LogisticRegression\nLogisticRegression().fit(frame, y)",
        "frame",
        "sklearn",
        "LogisticRegression",
        "mlflow.sklearn",
    ),
    "xgboost_classifier": (
        "xgboost",
        "import xgboost as xgb\nxgb.XGBClassifier(n_estimators=5, n_jobs=1).fit(frame, y)",
        "frame",
        "xgboost",
        "XGBClassifier",
        "mlflow.xgboost",
    ),
    "xgboost_booster": (
        "xgboost",
        'import xgboost as xgb\nxgb.train({"objective": "binary:logistic", "nthread": 1}, xgb.DMatrix(X, label=y), 5)',
        "float32",
        "xgboost",
        "Booster",
        "mlflow.xgboost",
    ),
    "lightgbm_classifier": (
        "lightgbm",
        "import lightgbm as lgb\nlgb.LGBMClassifier(n_estimators=5, verbose=-1, n_jobs=1).fit(frame, y)",
        "frame",
        "lightgbm",
        "LGBMClassifier",
        "mlflow.lightgbm",
    ),
    "lightgbm_booster": (
        "lightgbm",
        'import lightgbm as lgb\nlgb.train({"objective": "binary", "verbose": -1, "num_threads": 1}, '
        "lgb.Dataset(X, label=y), 5)",
        "float64",
        "lightgbm",
        "Booster",
        "mlflow.lightgbm",
    ),
    "keras": (  # trained on a TensorFlow tensor: its signature must be one MLflow reads
        "keras",
        """
        import keras, tensorflow as tf
        keras.utils.set_random_seed(0)
        net = keras.Sequential([keras.Input((4,)), keras.layers.Dense(3, activation="softmax")])
        net.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
        net.fit(tf.constant(X, dtype=tf.float32), y, epochs=1, batch_size=64, verbose=0)
        """,
        "float32",
        "keras",
        "Sequential",
        "mlflow.keras",
    ),
    "statsmodels_formula": (
        "statsmodels",
        "import statsmodels.formula.api as smf\n"
        'smf.ols("target ~ f0 + f1 + np.exp(f2)", frame.assign(target=y * 1.0)).fit()',
        "frame",
        "statsmodels",
        "RegressionResultsWrapper",
        "mlflow.statsmodels",
    ),
    "statsmodels_array": (
        "statsmodels",
        "import statsmodels.api as sm\nsm.OLS(X[:, 0] * 2.0 - X[:, 3] + 1.0, X).fit()",
        "float64",
        "statsmodels",
        "RegressionResultsWrapper",
        "mlflow.statsmodels",
    ),
    "lightning": (  # a state dict and how to rebuild the module: MLflow loads it through autolog
        "lightning",
        """
        import torch, lightning.pytorch as pl
        from models_lightning import TinyRegressor
        torch.manual_seed(0)
        dataset = torch.utils.data.TensorDataset(torch.tensor(X, dtype=torch.float32),
                                                 torch.tensor(y, dtype=torch.float32).unsqueeze(1))
        pl.Trainer(max_epochs=1, logger=False, enable_progress_bar=False, enable_checkpointing=False,
                   enable_model_summary=False, default_root_dir=os.getcwd()).fit(
            TinyRegressor(), torch.utils.data.DataLoader(dataset, batch_size=64))
        """,
        "float32",
        None,
        None,
        "tracking_core.models.mlflow_pyfunc",
    ),
}
AVAILABLE = {name: spec for name, spec in MODELS.items() if importlib.util.find_spec(spec[0]) is not None}
ON_MLFLOW_SERVER = "sklearn_on_mlflow_server"

TRAIN = """
    import time
    import numpy as np, pandas as pd
    from tracking_core import TrackingClient
    rng = np.random.default_rng(0)
    X = rng.normal(size=(200, 4))
    y = (X[:, 0] + X[:, 1] - X[:, 2] > 0).astype(int)
    frame = pd.DataFrame(X, columns=FEATURES)
    Xp = np.random.default_rng(5).normal(size=(8, 4))
    inputs = {"frame": pd.DataFrame(Xp, columns=FEATURES), "float32": Xp.astype("float32"), "float64": Xp}
    out = {}

    def wait_for(url, deadline):  # the MLflow server starts while the models above train
        import urllib.request
        while True:
            try:
                with urllib.request.urlopen(url + "/health", timeout=5) as response:
                    if response.status == 200:
                        return
            except OSError:
                if time.monotonic() > deadline:
                    raise
            time.sleep(0.2)

    def record(name, kind, local=True):
        run_id = autolog.last_active_run().info.run_id
        predict = autolog.load_model(f"runs:/{run_id}/model", kind="predict")
        model_dir = None
        if local:
            model_dir = TrackingClient().download_artifacts(run_id, "model", os.path.join(os.getcwd(), name))
        out[name] = {"run_id": run_id, "model_dir": model_dir,
                     "predictions": np.asarray(predict.predict(inputs[kind])).tolist()}
"""


def mlflow_venv_or_skip() -> None:
    if not os.path.exists(os.path.join(MLFLOW_VENV, ".ready")):
        message = "MLflow's venv is missing: make test builds it (bench/.mlflow-venv)"
        if os.environ.get("AUTOLOG_REQUIRE_MLFLOW") == "1":
            pytest.fail(message)
        pytest.skip(message)


def mlflow_env(directory: str, with_autolog: bool = False) -> dict[str, str]:
    """MLflow's environment: no autolog on its path unless asked, its ``uvicorn`` on PATH, pickles allowed."""
    env = dict(os.environ)
    env.pop("PYTHONPATH", None)
    env.pop("AUTOLOG_TESTING", None)
    if with_autolog:  # autolog and the Lightning plugin installed next to MLflow
        env["PYTHONPATH"] = os.pathsep.join([REPO_DIR, os.path.join(REPO_DIR, "plugins", "lightning"), TESTS_DIR])
    shims = os.path.join(directory, "mlflow-bin")
    os.makedirs(shims, exist_ok=True)
    uvicorn = os.path.join(shims, "uvicorn")  # MLflow's serve runs `uvicorn`: the one its own python runs
    with open(uvicorn, "w") as fh:
        fh.write(f'#!/bin/sh\nexec "{MLFLOW_PYTHON}" -m uvicorn "$@"\n')
    os.chmod(uvicorn, 0o755)
    env["PATH"] = os.pathsep.join([shims, os.path.dirname(MLFLOW_PYTHON), env.get("PATH", "")])
    env.update(
        {
            "MLFLOW_ALLOW_PICKLE_DESERIALIZATION": "true",  # MLflow's own gate for pickled models
            "TF_CPP_MIN_LOG_LEVEL": "3",
            "KERAS_BACKEND": "tensorflow",
            "OMP_NUM_THREADS": "1",
        }
    )
    return env


class MlflowProcess:
    """An MLflow server process (``mlflow server`` or ``mlflow models serve``) in its own session."""

    def __init__(self, args: list[str], directory: str, log_name: str):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = os.path.join(directory, log_name)
        with open(self.log_path, "w") as log:
            self.process = subprocess.Popen(
                [MLFLOW_PYTHON, "-m", "mlflow", *args, "--host", "127.0.0.1", "--port", str(self.port)],
                cwd=directory,
                env=mlflow_env(directory),
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    def wait_ready(self, path: str) -> MlflowProcess:
        import urllib.request

        deadline = time.monotonic() + START_TIMEOUT
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise AssertionError(f"MLflow exited ({self.process.returncode}): {self.log()}")
            try:
                with urllib.request.urlopen(self.url + path, timeout=5) as response:
                    if response.status == 200:
                        return self
            except OSError:
                pass
            time.sleep(0.2)
        raise AssertionError(f"MLflow did not answer {path} in {START_TIMEOUT}s: {self.log()}")

    def invoke(self, payload: dict) -> tuple[int, dict]:
        import urllib.error
        import urllib.request

        request = urllib.request.Request(
            self.url + "/invocations", json.dumps(payload).encode(), {"Content-Type": "application/json"}
        )
        try:
            with urllib.request.urlopen(request, timeout=60) as response:
                return response.status, json.loads(response.read())
        except urllib.error.HTTPError as exc:
            return exc.code, json.loads(exc.read())

    def log(self) -> str:
        with open(self.log_path) as fh:
            return fh.read()[-4000:]

    def stop(self) -> None:
        # MLflow runs uvicorn as its child: stop the session this process leads, by its id.
        for sig in (signal.SIGTERM, signal.SIGKILL):
            try:
                os.killpg(self.process.pid, sig)
                self.process.wait(3)
                return
            except ProcessLookupError:
                return
            except subprocess.TimeoutExpired:
                continue


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    mlflow_venv_or_skip()
    if "sklearn" not in AVAILABLE:
        pytest.skip("scikit-learn is not installed")
    return str(tmp_path_factory.mktemp("in-mlflow"))


@pytest.fixture(scope="module")
def mlflow_server(store):
    server = MlflowProcess(
        [
            "server",
            "--backend-store-uri",
            f"sqlite:///{store}/mlflow.db",
            "--artifacts-destination",
            os.path.join(store, "mlartifacts"),
            "--workers",
            "1",
        ],
        store,
        "mlflow-server.log",
    )
    try:
        yield server  # not waited for: it starts while the models train (see TRAIN's wait_for)
    finally:
        server.stop()


@pytest.fixture(scope="module")
def trained(store, mlflow_server):
    """{name: {"run_id", "model_dir", "predictions"}}: every available model, and one on the MLflow server."""
    parts = [textwrap.dedent(TRAIN).replace("FEATURES", repr(FEATURES))]
    for name, spec in AVAILABLE.items():
        parts += [textwrap.dedent(spec[1]).strip() + "\n", f"record({name!r}, {spec[2]!r})\n"]
    parts += [
        f"wait_for({mlflow_server.url!r}, time.monotonic() + {START_TIMEOUT})\n",
        f"autolog.set_tracking_uri({mlflow_server.url!r})\n",
        "from sklearn.linear_model import LogisticRegression\nLogisticRegression().fit(frame, y)\n",
        f"record({ON_MLFLOW_SERVER!r}, 'frame', local=False)\n",
        "print(json.dumps(out))\n",
    ]
    return train(store, "".join(parts))


@pytest.fixture(scope="module")
def seen_by_mlflow(store, trained, mlflow_server):
    """What one MLflow process saw of every model (see mlflow_models_side.py)."""
    Xp = np.random.default_rng(5).normal(size=(8, 4))
    models = []
    for name, spec in AVAILABLE.items():
        kind = spec[2]
        models.append(
            {
                "name": name,
                "uri": trained[name]["model_dir"],
                "flavor": spec[3],
                "needs_autolog": spec[3] is None,
                "input": {"kind": "frame" if kind == "frame" else "array", "dtype": kind, "columns": FEATURES},
            }
        )
    models.append(
        {
            "name": ON_MLFLOW_SERVER,
            "uri": f"runs:/{trained[ON_MLFLOW_SERVER]['run_id']}/model",
            "flavor": "sklearn",
            "input": {"kind": "frame", "columns": FEATURES},
        }
    )
    for model in models:
        model["input"]["data"] = Xp.tolist()
    spec_path = os.path.join(store, "mlflow-spec.json")
    with open(spec_path, "w") as fh:
        json.dump({"tracking_uri": mlflow_server.url, "models": models}, fh)
    result = subprocess.run(
        [MLFLOW_PYTHON, MLFLOW_SIDE, spec_path],
        capture_output=True,
        text=True,
        timeout=600,
        cwd=store,
        env=mlflow_env(store, with_autolog=True),
    )
    assert result.returncode == 0, result.stderr[-4000:]
    return json.loads(result.stdout.strip().splitlines()[-1])


def assert_same(theirs, ours):
    theirs, ours = np.asarray(theirs), np.asarray(ours)
    assert theirs.shape == ours.shape
    if ours.dtype.kind == "f":
        np.testing.assert_allclose(theirs, ours, rtol=1e-6, atol=1e-7)
    else:
        np.testing.assert_array_equal(theirs, ours)


def seen(seen_by_mlflow, name):
    found = seen_by_mlflow["models"][name]
    assert "error" not in found, found.get("traceback", found.get("error"))
    return found


@pytest.mark.parametrize("name", list(MODELS))
def test_mlflow_pyfunc_loads_our_model_and_predicts_as_our_loader(name, trained, seen_by_mlflow):
    if name not in AVAILABLE:
        pytest.skip(f"{MODELS[name][0]} is not installed")
    found = seen(seen_by_mlflow, name)
    assert found["loader_module"] == MODELS[name][5]
    assert_same(found["predictions"], trained[name]["predictions"])
    assert found["native_class"] == MODELS[name][4]  # and mlflow.<flavor>.load_model gives the native model


@pytest.mark.parametrize("name", [name for name, spec in MODELS.items() if spec[0] != "lightning"])
def test_mlflow_reads_the_signature_we_wrote(name, seen_by_mlflow):
    if name not in AVAILABLE:
        pytest.skip(f"{MODELS[name][0]} is not installed")
    schema = seen(seen_by_mlflow, name)["input_schema"]
    assert schema, "MLflow found no input schema"
    if MODELS[name][2] == "frame":
        assert [column["name"] for column in schema] == FEATURES
    else:
        assert schema[0]["type"] == "tensor" and schema[0]["tensor-spec"]["shape"] == [-1, 4]


def test_mlflow_loads_models_of_its_flavors_without_autolog(seen_by_mlflow):
    own_flavors = [name for name, spec in AVAILABLE.items() if spec[3]]
    assert own_flavors and all("error" not in seen_by_mlflow["models"][name] for name in own_flavors)
    assert seen_by_mlflow["autolog_imported_by_mlflow_flavors"] == []


def test_a_model_our_client_logged_to_an_mlflow_server_loads_from_its_runs_uri(trained, seen_by_mlflow):
    found = seen(seen_by_mlflow, ON_MLFLOW_SERVER)
    assert found["loader_module"] == "mlflow.sklearn" and found["native_class"] == "LogisticRegression"
    assert_same(found["predictions"], trained[ON_MLFLOW_SERVER]["predictions"])


def test_mlflow_models_serve_and_ours_answer_records_under_inputs_alike(store, trained):
    model_dir = trained["sklearn"]["model_dir"]
    theirs = MlflowProcess(
        ["models", "serve", "-m", model_dir, "--env-manager", "local", "--workers", "1"], store, "mlflow-serve.log"
    )
    ours = ModelServer(model_dir, store)
    try:
        theirs.wait_ready("/ping")
        ours.wait_ready()
        Xp = np.random.default_rng(5).normal(size=(8, 4))
        records = pd.DataFrame(Xp, columns=FEATURES).to_dict(orient="records")
        for payload in ({"inputs": records}, {"dataframe_records": records}):
            their_status, their_answer = theirs.invoke(payload)
            our_status, our_answer = ours.invoke(payload)
            assert their_status == 200, their_answer
            assert our_status == 200, our_answer
            assert our_answer == their_answer
            assert our_answer["predictions"] == trained["sklearn"]["predictions"]
    finally:
        theirs.stop()
        ours.stop()
