"""Saving models: a failed save leaves nothing behind; what stdlib pickle cannot carry to another
process (classes from ``__main__``, lambdas) is saved with cloudpickle and loads there."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
import threading
import warnings

import pytest
import yaml

import autolog
from autolog.flavors import PickleFlavor

from core_support import REPO_DIR


class HoldsALock:
    def __init__(self):
        self.lock = threading.Lock()


def _artifact_names(client, run_id):
    return sorted(f.path for f in client.list_artifacts(run_id))


def test_a_model_that_cannot_be_pickled_leaves_no_model_directory(autolog_store):
    with autolog.start_run() as run:
        autolog.log_text("kept", "notes.txt")
        with pytest.raises(TypeError, match="lock"):
            autolog.log_model(HoldsALock(), PickleFlavor())
        # The same path takes a good model afterwards: nothing half-written is in the way.
        autolog.log_model({"weights": [1, 2]}, PickleFlavor())
    assert _artifact_names(autolog_store, run.info.run_id) == ["model", "notes.txt"]
    model_dir = autolog_store.download_artifacts(run.info.run_id, "model")
    assert sorted(os.listdir(model_dir)) == ["MLmodel", "model.pkl", "requirements.txt"]
    assert autolog.load_model(f"runs:/{run.info.run_id}/model") == {"weights": [1, 2]}


def test_an_autologged_estimator_that_cannot_be_pickled_keeps_its_run_without_a_model(autolog_store, monkeypatch):
    pytest.importorskip("sklearn")
    monkeypatch.delenv("AUTOLOG_TESTING")
    from sklearn.linear_model import LinearRegression

    class WithLock(LinearRegression):
        def fit(self, X, y):
            self.lock_ = threading.Lock()
            return super().fit(X, y)

    autolog.autolog()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        WithLock().fit([[0.0], [1.0], [2.0]], [0.0, 1.0, 2.0])
    autolog.autolog(disable=True)
    run = autolog.last_active_run()
    assert run.info.status == "FINISHED" and run.data.params["fit_intercept"] == "True"
    assert "model" not in _artifact_names(autolog_store, run.info.run_id)
    saving = [str(w.message) for w in caught if "saving the model" in str(w.message)]
    assert len(saving) == 1 and "lock" in saving[0]


def test_a_lambda_inside_a_model_is_saved_with_cloudpickle_and_loads(autolog_store):
    model = {"transform": lambda x: x * 3}
    with autolog.start_run() as run:
        autolog.log_model(model, PickleFlavor())
    model_dir = autolog_store.download_artifacts(run.info.run_id, "model")
    with open(os.path.join(model_dir, "MLmodel")) as fh:
        conf = yaml.safe_load(fh)["flavors"]["python_pickle"]
    assert conf["serialization_format"] == "cloudpickle" and "extra_requirements" not in conf
    with open(os.path.join(model_dir, "requirements.txt")) as fh:
        assert any(line.startswith("cloudpickle") for line in fh)
    assert autolog.load_model(f"runs:/{run.info.run_id}/model")["transform"](2) == 6


def test_plain_models_keep_stdlib_pickle(autolog_store):
    with autolog.start_run() as run:
        autolog.log_model({"a": 1}, PickleFlavor())
    with open(os.path.join(autolog_store.download_artifacts(run.info.run_id, "model"), "MLmodel")) as fh:
        assert yaml.safe_load(fh)["flavors"]["python_pickle"]["serialization_format"] == "pickle"


NOTEBOOK_ESTIMATOR = """
    import sys, numpy as np
    import autolog
    autolog.set_tracking_uri(sys.argv[1])
    autolog.autolog()
    from sklearn.base import BaseEstimator, RegressorMixin

    class MeanRegressor(RegressorMixin, BaseEstimator):   # defined in __main__, as in a notebook
        def __init__(self, shift=0.0):
            self.shift = shift
        def fit(self, X, y):
            self.mean_ = float(np.mean(y)) + self.shift
            return self
        def predict(self, X):
            return np.full(len(X), self.mean_)

    X = np.arange(20.0).reshape(10, 2); y = np.arange(10.0)
    MeanRegressor(shift=1.5).fit(X, y)
    print(autolog.last_active_run().info.run_id)
"""

LOAD_ELSEWHERE = """
    import sys, autolog
    autolog.set_tracking_uri(sys.argv[1])
    model = autolog.load_model(f"runs:/{sys.argv[2]}/model")
    print(type(model).__name__, model.predict([[0, 0], [1, 1]]).tolist())
"""


def test_an_estimator_class_defined_in_main_loads_in_another_process(tmp_path):
    store = str(tmp_path / "runs")
    env = {**os.environ, "AUTOLOG_TESTING": "1"}
    fitted = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(NOTEBOOK_ESTIMATOR), store],
        capture_output=True,
        text=True,
        cwd=REPO_DIR,
        env=env,
        timeout=120,
    )
    assert fitted.returncode == 0, fitted.stderr[-2000:]
    run_id = fitted.stdout.split()[-1]
    loaded = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(LOAD_ELSEWHERE), store, run_id],
        capture_output=True,
        text=True,
        cwd=REPO_DIR,
        env=env,
        timeout=120,
    )
    assert loaded.returncode == 0, loaded.stderr[-2000:]
    assert loaded.stdout.split(None, 1) == ["MeanRegressor", "[6.0, 6.0]\n"]
