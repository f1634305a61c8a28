"""The generic predict of every flavor: models of each framework, logged by autologging in a fresh
process, give the native model's predictions through ``load_model(uri, kind="predict")`` (for a
DataFrame, an array and records) and over HTTP from ``autolog models serve`` (every input format)."""

from __future__ import annotations

import importlib.util
import os
import textwrap

import numpy as np
import pandas as pd
import pytest

pytest.importorskip("starlette")
pytest.importorskip("uvicorn")

import autolog
from tracking_core import TrackingClient

from models_support import payloads, start_servers, train

FEATURES = ["f0", "f1", "f2", "f3"]


def data(n: int = 200, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    X = rng.normal(size=(n, 4))
    return X, (X[:, 0] + X[:, 1] - X[:, 2] > 0).astype(int)


# name: (modules it needs, training code, how the native model predicts, served over HTTP)
MODELS = {
    "xgboost_booster": (
        "xgboost",
        """
        import xgboost as xgb
        xgb.train({"objective": "binary:logistic", "nthread": 1}, xgb.DMatrix(X, label=y), num_boost_round=5)
    """,
        lambda model, X: model.predict(__import__("xgboost").DMatrix(X)),
        True,
    ),
    "xgboost_classifier": (
        "xgboost",
        """
        import xgboost as xgb
        xgb.XGBClassifier(n_estimators=5, n_jobs=1).fit(frame, y)
    """,
        lambda model, X: model.predict(pd.DataFrame(X, columns=FEATURES)),
        False,
    ),
    "lightgbm_regressor": (
        "lightgbm",
        """
        import lightgbm as lgb
        lgb.LGBMRegressor(n_estimators=5, verbose=-1, n_jobs=1).fit(frame, X[:, 0] * 2.0)
    """,
        lambda model, X: model.predict(pd.DataFrame(X, columns=FEATURES)),
        True,
    ),
    "lightgbm_booster": (
        "lightgbm",
        """
        import lightgbm as lgb
        lgb.train({"objective": "binary", "verbose": -1, "num_threads": 1}, lgb.Dataset(X, label=y), num_boost_round=5)
    """,
        lambda model, X: model.predict(X),
        False,
    ),
    "keras": (
        "keras",
        """
        import keras
        keras.utils.set_random_seed(0)
        model = keras.Sequential([keras.Input((4,)), keras.layers.Dense(3, activation="softmax")])
        model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
        model.fit(X.astype("float32"), y, epochs=1, batch_size=64, verbose=0)
    """,
        lambda model, X: model.predict(X.astype("float32"), verbose=0),
        True,
    ),
    "lightning": (
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
        lambda model, X: model(__import__("torch").tensor(X, dtype=__import__("torch").float32)).detach().numpy(),
        True,
    ),
    "statsmodels_formula": (
        "statsmodels",
        """
        import statsmodels.formula.api as smf
        smf.ols("target ~ f0 + f1 + np.exp(f2)", frame.assign(target=y.astype(float))).fit()
    """,
        lambda model, X: np.asarray(model.predict(pd.DataFrame(X, columns=FEATURES))),
        True,
    ),
    "statsmodels_array": (
        "statsmodels",
        """
        import statsmodels.api as sm
        sm.OLS(X[:, 0] * 2.0 - X[:, 3] + 1.0, X).fit()
    """,
        lambda model, X: model.predict(X),
        False,
    ),
    "catboost": (
        "catboost",
        """
        from catboost import CatBoostClassifier
        CatBoostClassifier(iterations=5, verbose=False, thread_count=1, train_dir=os.getcwd()).fit(frame, y)
    """,
        lambda model, X: model.predict(pd.DataFrame(X, columns=FEATURES)),
        True,
    ),
}
AVAILABLE = {name: spec for name, spec in MODELS.items() if importlib.util.find_spec(spec[0]) is not None}

TRAIN_HEAD = f"""
    import numpy as np, pandas as pd
    rng = np.random.default_rng(0)
    X = rng.normal(size=(200, 4))
    y = (X[:, 0] + X[:, 1] - X[:, 2] > 0).astype(int)
    frame = pd.DataFrame(X, columns={FEATURES!r})
    run_ids = {{}}
"""


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    return str(tmp_path_factory.mktemp("flavors"))


@pytest.fixture(scope="module")
def run_ids(store):
    parts = [textwrap.dedent(TRAIN_HEAD)]
    for name, (_, code, _, _) in AVAILABLE.items():
        parts += [textwrap.dedent(code), f"run_ids[{name!r}] = autolog.last_active_run().info.run_id\n"]
    return train(store, "".join(parts) + "print(json.dumps(run_ids))\n")


@pytest.fixture(scope="module")
def model_dirs(store, run_ids):
    client = TrackingClient(store)
    return {name: client.download_artifacts(run_id, "model") for name, run_id in run_ids.items()}


@pytest.fixture(scope="module")
def servers(store, run_ids):
    started = start_servers(
        {name: (f"runs:/{run_ids[name]}/model", store) for name, spec in AVAILABLE.items() if spec[3]}
    )
    yield started
    for server in started.values():
        server.stop()


def native_predictions(name: str, model_dir: str, X: np.ndarray) -> np.ndarray:
    return np.asarray(MODELS[name][2](autolog.load_model(model_dir), X))


def assert_same(ours, theirs):
    ours, theirs = np.asarray(ours), np.asarray(theirs)
    assert ours.shape == theirs.shape
    if theirs.dtype.kind == "f":
        np.testing.assert_allclose(ours, theirs, rtol=1e-6, atol=1e-7)
    else:
        np.testing.assert_array_equal(ours, theirs)


@pytest.mark.parametrize("name", list(MODELS))
def test_the_mlmodel_declares_the_predict_module_of_the_flavor(name, model_dirs):
    if name not in AVAILABLE:
        pytest.skip(f"{MODELS[name][0]} is not installed")
    from tracking_core.models import read_mlmodel

    flavors = read_mlmodel(model_dirs[name])["flavors"]
    section = flavors["python_function"]
    assert section["flavor"] in flavors and section["predict_module"].endswith(".predict")


@pytest.mark.parametrize("name", list(MODELS))
@pytest.mark.parametrize("given", ["dataframe", "ndarray", "records"])
def test_generic_predict_equals_the_native_model(name, given, model_dirs):
    if name not in AVAILABLE:
        pytest.skip(f"{MODELS[name][0]} is not installed")
    X, _ = data(30, seed=5)
    model = autolog.load_model(model_dirs[name], kind="predict")
    frame = pd.DataFrame(X, columns=FEATURES)
    argument = {"dataframe": frame, "ndarray": X, "records": frame.to_dict(orient="records")}[given]
    predictions = model.predict(argument)
    assert isinstance(predictions, (np.ndarray, pd.DataFrame))
    assert_same(predictions, native_predictions(name, model_dirs[name], X))


@pytest.mark.parametrize("name", [name for name, spec in MODELS.items() if spec[3]])
@pytest.mark.parametrize("fmt", ["dataframe_split", "dataframe_records", "instances", "inputs", "inputs_array", "csv"])
def test_served_predictions_equal_the_native_model(name, fmt, servers, model_dirs):
    if name not in AVAILABLE:
        pytest.skip(f"{MODELS[name][0]} is not installed")
    X, _ = data(20, seed=9)
    body, content_type = payloads(pd.DataFrame(X, columns=FEATURES))[fmt]
    status, answer = servers[name].invoke(body, content_type)
    assert status == 200, answer
    assert_same(answer["predictions"], native_predictions(name, model_dirs[name], X))


@pytest.mark.parametrize("name", [name for name, spec in MODELS.items() if spec[3]])
def test_a_served_model_answers_a_wrong_input_with_400(name, servers):
    if name not in AVAILABLE:
        pytest.skip(f"{MODELS[name][0]} is not installed")
    status, answer = servers[name].invoke({"inputs": [[1.0, 2.0]]})
    assert status == 400 and answer["error_code"] == "BAD_REQUEST", answer
    assert "Traceback" not in answer["message"]


def test_a_lightning_module_logged_as_a_state_dict_only_says_why_it_cannot_predict(tmp_path):
    pytest.importorskip("lightning")
    import torch
    from autolog_lightning.flavor import FLAVOR

    from tracking_core import ModelLoadError
    from tracking_core.models import save_model

    class Local(__import__("lightning.pytorch").pytorch.LightningModule):  # not importable by name
        def __init__(self):
            super().__init__()
            self.layer = torch.nn.Linear(2, 1)

    save_model(Local(), str(tmp_path / "model"), FLAVOR)
    with pytest.raises(ModelLoadError, match="state dict"):
        autolog.load_model(str(tmp_path / "model"), kind="predict")
    assert os.path.exists(tmp_path / "model" / "state_dict.pt")
