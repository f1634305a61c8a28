"""The model registry from our client on a local store (SQLite): ``TrackingClient``'s registry
methods (``MlflowClient``'s names), ``autolog.register_model``, the ``registered_model_name``
autolog option, ``models:/`` URIs in ``load_model`` and ``autolog models predict|serve``, and
``--watch-alias`` swapping models under load with no failed request.

Models are real scikit-learn models trained under autologging on small data.
"""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
import time
import warnings

import numpy as np
import pytest

pytest.importorskip("sklearn")

from registry_support import calls_while_moving, load_overhead_ms
from sklearn.datasets import load_iris
from sklearn.dummy import DummyClassifier
from sklearn.linear_model import LogisticRegression

import autolog
from tracking_core.client import fluent
from tracking_core.client.registry import resolve_version, version_files_uri
from tracking_core.uri import parse_models_uri

from models_support import ModelServer, subprocess_env

X, Y = load_iris(return_X_y=True)
X_SMALL = np.arange(40, dtype=float).reshape(20, 2)
Y_SMALL = np.array([0, 1] * 10)


@pytest.fixture
def sklearn_autolog(autolog_enable):
    """``autolog.autolog(**options)`` for the test, disabled after it."""
    return lambda **options: autolog_enable(None, **options)


def _constant_model(value: int) -> None:
    DummyClassifier(strategy="constant", constant=value).fit(X_SMALL, Y_SMALL)


# -- registered_model_name and register_model ----------------------------------------------------------
def test_registered_model_name_registers_each_autologged_model_as_a_new_version(sklearn_autolog, autolog_store):
    sklearn_autolog(registered_model_name="iris")
    first = LogisticRegression(max_iter=300).fit(X, Y)
    first_run = autolog.last_active_run()
    LogisticRegression(max_iter=300, C=0.01).fit(X, Y)
    second_run = autolog.last_active_run()

    versions = autolog_store.search_model_versions("name = 'iris'", order_by=["version_number ASC"])
    assert [v.version for v in versions] == ["1", "2"]
    assert [v.run_id for v in versions] == [first_run.info.run_id, second_run.info.run_id]
    assert versions[0].source == f"{first_run.info.artifact_uri}/model"
    assert autolog_store.get_registered_model("iris").name == "iris"
    loaded = autolog.load_model("models:/iris/1")
    assert (loaded.predict(X) == first.predict(X)).all()


def test_a_per_library_call_takes_registered_model_name_too(autolog_enable, autolog_store):
    autolog_enable("sklearn", registered_model_name="per-lib")
    LogisticRegression(max_iter=300).fit(X, Y)
    assert autolog_store.get_model_version("per-lib", 1).run_id == autolog.last_active_run().info.run_id


@pytest.mark.parametrize("value", ["a/b", "a:b", "", 3])
def test_a_bad_registered_model_name_is_refused_at_the_autolog_call_naming_the_option(value, autolog_store):
    with pytest.raises(autolog.InvalidOptionError, match="registered_model_name"):
        autolog.autolog(registered_model_name=value)


def test_a_registry_refusal_never_reaches_training(sklearn_autolog, autolog_store, monkeypatch):
    monkeypatch.delenv("AUTOLOG_TESTING")  # the user's setting: autolog's own errors are warnings
    sklearn_autolog(registered_model_name="n" * 300)  # over the store's 256-character limit
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        model = LogisticRegression(max_iter=300).fit(X, Y)
    assert model.predict(X[:1]).shape == (1,)
    run = autolog.last_active_run()
    assert run.info.status == "FINISHED"
    assert autolog.load_model(f"runs:/{run.info.run_id}/model").predict(X[:1]).shape == (1,)  # the model is saved
    messages = [str(w.message) for w in caught if issubclass(w.category, autolog.AutologWarning)]
    assert any("registering the model" in m and "256" in m for m in messages), messages
    assert autolog_store.search_registered_models() == []


def test_register_model_from_a_run_returns_the_version(sklearn_autolog, autolog_store):
    sklearn_autolog()
    LogisticRegression(max_iter=300).fit(X, Y)
    run_id = autolog.last_active_run().info.run_id

    version = autolog.register_model(f"runs:/{run_id}/model", "wine", tags={"team": "blue"})
    again = autolog.register_model(f"runs:/{run_id}/model", "wine")

    assert (version.name, version.version, version.run_id) == ("wine", "1", run_id)
    assert version.tags == {"team": "blue"}
    assert again.version == "2"
    assert autolog_store.get_model_version_download_uri("wine", 2) == version.source


def test_register_model_refuses_a_run_path_that_holds_no_model(sklearn_autolog, autolog_store):
    sklearn_autolog()
    LogisticRegression(max_iter=300).fit(X, Y)
    run_id = autolog.last_active_run().info.run_id
    with pytest.raises(ValueError, match="no model at 'nothing-here'"):
        autolog.register_model(f"runs:/{run_id}/nothing-here", "wine")
    with pytest.raises(autolog.RunNotFoundError, match="0" * 32):
        autolog.register_model(f"runs:/{'0' * 32}/model", "wine")
    assert autolog_store.search_registered_models() == []


# -- TrackingClient: models, versions, tags, aliases -------------------------------------------------
@pytest.fixture
def two_versions(sklearn_autolog, autolog_store):
    """Model ``const`` with version 1 answering 0 and version 2 answering 1."""
    sklearn_autolog(registered_model_name="const")
    _constant_model(0)
    _constant_model(1)
    return autolog_store


def test_models_versions_tags_and_aliases_round_trip(two_versions):
    client = two_versions
    client.update_registered_model("const", description="always the same answer")
    client.set_registered_model_tag("const", "team", "blue")
    client.set_model_version_tag("const", 2, "validated", True)
    client.update_model_version("const", "2", description="answers 1")
    client.set_registered_model_alias("const", "champion", 2)
    client.set_registered_model_alias("const", "challenger", "1")

    model = client.get_registered_model("const")
    assert model.description == "always the same answer"
    assert model.tags == {"team": "blue"}
    assert model.aliases == {"champion": "2", "challenger": "1"}
    version = client.get_model_version_by_alias("const", "champion")
    assert (version.version, version.description, version.tags) == ("2", "answers 1", {"validated": "True"})
    assert version.aliases == ("champion",)

    client.delete_registered_model_alias("const", "challenger")
    client.delete_model_version_tag("const", 2, "validated")
    client.delete_registered_model_tag("const", "team")
    model = client.get_registered_model("const")
    assert model.aliases == {"champion": "2"} and model.tags == {}
    assert client.get_model_version("const", 2).tags == {}


def test_search_latest_rename_stage_and_delete(two_versions):
    client = two_versions
    client.create_registered_model("other", tags={"kind": "empty"}, description="no versions")
    assert [m.name for m in client.search_registered_models(order_by=["name ASC"])] == ["const", "other"]
    assert [m.name for m in client.search_registered_models("name LIKE 'oth%'")] == ["other"]
    page = client.search_registered_models(max_results=1, order_by=["name ASC"])
    assert [m.name for m in page] == ["const"] and page.token
    assert [m.name for m in client.search_registered_models(max_results=1, page_token=page.token)] == ["other"]

    assert [v.version for v in client.get_latest_versions("const")] == ["2"]
    client.transition_model_version_stage("const", 1, "Production")
    assert {v.current_stage: v.version for v in client.get_latest_versions("const")} == {
        "None": "2",
        "Production": "1",
    }
    assert (autolog.load_model("models:/const/production").predict(X_SMALL[:1]) == [0]).all()

    client.rename_registered_model("const", "renamed")
    assert sorted(v.version for v in client.search_model_versions("name = 'renamed'")) == ["1", "2"]
    client.delete_model_version("renamed", 2)
    assert [v.version for v in client.search_model_versions("name = 'renamed'")] == ["1"]
    client.delete_registered_model("renamed")
    with pytest.raises(autolog.RegistryNotFoundError, match="renamed"):
        client.get_registered_model("renamed")


def test_creating_a_taken_name_is_registry_exists_error(two_versions):
    with pytest.raises(autolog.RegistryExistsError, match="const"):
        two_versions.create_registered_model("const")


# -- models:/ URIs -------------------------------------------------------------------------------------------
def test_load_model_follows_version_alias_and_latest(two_versions):
    client = two_versions
    client.set_registered_model_alias("const", "champion", 1)
    assert autolog.load_model("models:/const/1").predict(X_SMALL[:1]) == [0]
    assert autolog.load_model("models:/const/2").predict(X_SMALL[:1]) == [1]
    assert autolog.load_model("models:/const@champion").predict(X_SMALL[:1]) == [0]
    assert autolog.load_model("models:/const/latest", kind="predict").predict(X_SMALL[:1]).tolist() == [1]
    client.set_registered_model_alias("const", "champion", 2)  # the alias moved: the same URI, the new model
    assert autolog.load_model("models:/const@champion", kind="predict").predict(X_SMALL[:1]).tolist() == [1]


@pytest.mark.parametrize(
    ("uri", "error", "fragments"),
    [
        ("models:/nope/1", autolog.RegistryNotFoundError, ["no registered model named 'nope'"]),
        ("models:/const/9", autolog.RegistryNotFoundError, ["'const' has no version 9"]),
        ("models:/const@gone", autolog.RegistryNotFoundError, ["no alias 'gone'", "champion -> version 1"]),
        ("models:/const@2", autolog.RegistryNotFoundError, ["no alias '2'", "write models:/const/2"]),
        ("models:/const", ValueError, ["no version or alias", "models:/const/latest"]),
        ("models:/const/x1", ValueError, ["version 'x1'", "models:/const@x1"]),
        ("models:/const/0", ValueError, ["version '0'"]),
        ("models:/const@", ValueError, ["alias of model 'const'", "empty"]),
        ("models:/a/b/c", ValueError, ["'/'"]),
        ("models:/", ValueError, ["model name is missing"]),
        ("models://host/const/1", ValueError, ["no host"]),
        ("models:/const@champion/1", ValueError, ["both an alias", "and a version"]),
        ("models:/m-0123456789abcdef0123456789abcdef", autolog.RegistryNotFoundError, ["no logged model"]),
    ],
)
def test_a_bad_models_uri_is_an_error_naming_the_part(two_versions, uri, error, fragments):
    two_versions.set_registered_model_alias("const", "champion", 1)
    with pytest.raises(error) as caught:
        autolog.load_model(uri)
    for fragment in fragments:
        assert fragment in str(caught.value)


def test_latest_of_a_model_without_versions_says_so(two_versions):
    two_versions.create_registered_model("empty")
    with pytest.raises(autolog.RegistryNotFoundError, match="'empty' has no version"):
        autolog.load_model("models:/empty/latest")
    with pytest.raises(autolog.RegistryNotFoundError, match="'const' has no version in stage Archived"):
        autolog.load_model("models:/const/archived")


def test_bad_client_arguments_name_the_field(two_versions):
    with pytest.raises(ValueError, match="version"):
        two_versions.get_model_version("const", "two")
    with pytest.raises(ValueError, match="name"):
        two_versions.create_registered_model("")
    with pytest.raises(ValueError, match="alias"):
        two_versions.set_registered_model_alias("const", "v3", 1)  # looks like a version: reserved
    with pytest.raises(autolog.RegistryNotFoundError, match="3"):
        two_versions.set_registered_model_alias("const", "champion", 3)


def test_resolving_an_alias_adds_under_5_ms_to_load_model(two_versions):
    """The registry's part of ``load_model("models:/const@champion")``: one store call (median of 200)."""
    two_versions.set_registered_model_alias("const", "champion", 2)
    tracker = fluent._tracker()
    ref = parse_models_uri("models:/const@champion")
    timings = []
    for _ in range(200):
        start = time.perf_counter()
        version_files_uri(tracker.store, resolve_version(tracker.store, ref))
        timings.append(time.perf_counter() - start)
    resolve_ms = statistics.median(timings) * 1000
    source = version_files_uri(tracker.store, resolve_version(tracker.store, ref))

    by_alias, by_path, added = load_overhead_ms("models:/const@champion", source)
    print(
        f"\nlocal store: resolve {resolve_ms:.2f} ms; load_model {by_alias:.2f} ms by alias, "
        f"{by_path:.2f} ms by path, added {added:.2f} ms"
    )
    assert resolve_ms < 5
    assert added < 5


# -- autolog models predict | serve --------------------------------------------------------------------------------
def _cli(store: str, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "autolog", "models", *args, "--tracking-uri", store],
        env=subprocess_env(store),
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_models_predict_takes_models_uris_and_names_a_bad_one(two_versions, tmp_path):
    two_versions.set_registered_model_alias("const", "champion", 2)
    store = two_versions.tracking_uri
    data = tmp_path / "input.json"
    data.write_text(json.dumps({"inputs": X_SMALL[:2].tolist()}))
    for uri, expected in [
        ("models:/const@champion", [1, 1]),
        ("models:/const/1", [0, 0]),
        ("models:/const/latest", [1, 1]),
    ]:
        out = _cli(store, "predict", "-m", uri, "-i", str(data))
        assert out.returncode == 0, out.stderr
        assert json.loads(out.stdout) == {"predictions": expected}
    out = _cli(store, "predict", "-m", "models:/const@nope", "-i", str(data))
    assert out.returncode == 1 and "no alias 'nope'" in out.stderr and "Traceback" not in out.stderr
    out = _cli(store, "serve", "-m", "models:/const/1", "--watch-alias", "1")
    assert out.returncode == 1 and "--watch-alias follows an alias" in out.stderr


def test_serve_watch_alias_swaps_models_under_load_with_no_failed_request(two_versions):
    """Four threads call /invocations in a loop while the alias moves from version 1 to 2 and back:
    no request fails, the answers switch to the new model and stay there."""
    client = two_versions
    client.set_registered_model_alias("const", "champion", 1)
    server = ModelServer("models:/const@champion", client.tracking_uri, "--watch-alias", "0.2").wait_ready()
    try:
        seen = calls_while_moving(
            server.port,
            {"inputs": X_SMALL[:3].tolist()},
            [
                (lambda: client.set_registered_model_alias("const", "champion", 2), 1),
                (lambda: client.set_registered_model_alias("const", "champion", 1), 0),
            ],
        )
    finally:
        server.stop()
    assert seen.errors == []
    assert len(seen.answers) > 100
    assert all(version == str(answer + 1) for _, answer, version in seen.answers)  # the version that answered
    answers = seen.answers_after(0)
    # one switch per move: each connection's requests go one after the other, so once a connection is answered
    # by the new version it is never answered by the old one again (answers of different connections may finish
    # in any order around a swap, so the whole list is not checked this way)
    phases = [seen.phases(connection) for connection in seen.by_connection]
    assert all(p in ([0], [0, 1], [0, 1, 0], [1], [1, 0]) for p in phases), phases
    assert [0, 1, 0] in phases and answers[0] == 0 and answers[-1] == 0
    assert "moved from version 1 to 2" in server.log() and "moved from version 2 to 1" in server.log()
    print(f"\n{len(answers)} requests, 0 errors; switched {seen.switch_seconds} s after the moves")


FRAMEWORK_TRAININGS = {
    "xgboost": (
        "import xgboost as xgb\n"
        "model = xgb.train({'objective': 'binary:logistic', 'nthread': 1}, xgb.DMatrix(X, label=y), 3)\n"
        "expected = model.predict(xgb.DMatrix(X))"
    ),
    "lightgbm": (
        "import lightgbm as lgb\n"
        "model = lgb.train({'objective': 'binary', 'verbose': -1, 'num_threads': 1}, lgb.Dataset(X, label=y), 3)\n"
        "expected = model.predict(X)"
    ),
    "statsmodels": (
        "import statsmodels.api as sm\n"
        "model = sm.OLS(y.astype(float), sm.add_constant(X)).fit()\n"
        "expected = model.predict(sm.add_constant(X))"
    ),
    "tensorflow": (
        "import keras\n"
        "keras.utils.set_random_seed(0)\n"
        "model = keras.Sequential([keras.Input((X.shape[1],)), keras.layers.Dense(2, activation='softmax')])\n"
        "model.compile(optimizer='adam', loss='sparse_categorical_crossentropy')\n"
        "model.fit(X.astype('float32'), y, epochs=2, verbose=0)\n"
        "expected = model.predict(X.astype('float32'), verbose=0)"
    ),
    "lightning": (
        "import torch, lightning.pytorch as pl\n"
        "class Net(pl.LightningModule):\n"
        "    def __init__(self):\n"
        "        super().__init__()\n"
        "        self.layer = torch.nn.Linear(X.shape[1], 2)\n"
        "    def forward(self, x):\n"
        "        return self.layer(x)\n"
        "    def training_step(self, batch, _):\n"
        "        x, t = batch\n"
        "        return torch.nn.functional.cross_entropy(self(x), t)\n"
        "    def configure_optimizers(self):\n"
        "        return torch.optim.SGD(self.parameters(), lr=0.1)\n"
        "data = torch.utils.data.TensorDataset(torch.tensor(X, dtype=torch.float32), torch.tensor(y))\n"
        "model = Net()\n"
        "pl.Trainer(max_epochs=1, logger=False, enable_checkpointing=False, enable_progress_bar=False,\n"
        "           enable_model_summary=False).fit(model, torch.utils.data.DataLoader(data, batch_size=16))\n"
        "with torch.no_grad():\n"
        "    expected = model(torch.tensor(X, dtype=torch.float32)).numpy()"
    ),
}


@pytest.mark.parametrize("framework", sorted(FRAMEWORK_TRAININGS))
def test_every_integration_registers_the_model_it_saves(framework, autolog_enable, autolog_store):
    pytest.importorskip({"tensorflow": "keras", "lightning": "lightning.pytorch"}.get(framework, framework))
    autolog_enable(framework, registered_model_name=f"{framework}-model")
    scope = {"X": X[Y < 2], "y": Y[Y < 2]}
    exec(FRAMEWORK_TRAININGS[framework], scope)
    run_id = autolog.last_active_run().info.run_id
    version = autolog_store.get_model_version(f"{framework}-model", 1)
    assert version.run_id == run_id
    loaded = autolog.load_model(f"models:/{framework}-model/1")
    if framework == "statsmodels":
        import statsmodels.api as sm

        predictions = loaded.predict(sm.add_constant(scope["X"]))
    elif framework == "xgboost":
        import xgboost as xgb

        predictions = loaded.predict(xgb.DMatrix(scope["X"]))
    elif framework == "tensorflow":
        predictions = loaded.predict(scope["X"].astype("float32"), verbose=0)
    elif framework == "lightning":
        import torch

        net = scope["Net"]()  # a class defined in a script is not importable: its weights are loaded
        net.load_state_dict(loaded)
        with torch.no_grad():
            predictions = net(torch.tensor(scope["X"], dtype=torch.float32)).numpy()
    else:
        predictions = loaded.predict(scope["X"])
    np.testing.assert_allclose(predictions, scope["expected"], rtol=1e-5)


def test_autolog_run_registers_the_models_of_an_unchanged_script(tmp_path):
    script = tmp_path / "train.py"
    script.write_text(
        "from sklearn.datasets import load_iris\n"
        "from sklearn.linear_model import LogisticRegression\n"
        "X, y = load_iris(return_X_y=True)\n"
        "LogisticRegression(max_iter=300).fit(X, y)\n"
    )
    store = str(tmp_path / "store")
    command = [sys.executable, "-m", "autolog", "run", "--tracking-uri", store, "--registered-model-name", "wine"]
    out = subprocess.run(
        [*command, "--", sys.executable, str(script)],
        env=subprocess_env(str(tmp_path)),
        capture_output=True,
        text=True,
        timeout=300,
        cwd=tmp_path,
    )
    assert out.returncode == 0, out.stderr
    client = autolog.TrackingClient(store)
    version = client.get_model_version("wine", 1)
    assert client.get_run(version.run_id).data.tags["autolog.autologging"] == "sklearn"


def test_the_watcher_keeps_serving_when_the_alias_cannot_be_followed(capsys):
    """A registry that cannot be reached, an alias deleted, a version that does not load: the served
    model stays, one warning per distinct problem; the next good check swaps."""
    from tracking_core.models.serving import ModelWatcher, ServedModel

    old, new = object(), object()
    served = ServedModel(old, "1")  # type: ignore[arg-type]
    answers: list = [
        ConnectionError("server down"),
        ConnectionError("server down"),
        autolog.RegistryNotFoundError("alias gone"),
        "2",
        "2",
    ]

    def check() -> str:
        answer = answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return answer

    loads = [ValueError("corrupt model"), new]

    def load(version: str):
        result = loads.pop(0)
        if isinstance(result, Exception):
            raise result
        return result

    watcher = ModelWatcher(served, check, load, 1.0, label="models:/const@champion")
    assert [watcher.poll() for _ in range(5)] == [False, False, False, False, True]
    assert served.current == (new, "2")
    err = capsys.readouterr().err
    assert err.count("server down") == 1 and "alias gone" in err and "corrupt model" in err
    assert "still serving version 1" in err and "moved from version 1 to 2" in err
