"""Dataset inputs recorded by real trainings (one fresh process each, plugins from their entry points):
names, contexts, schemas and digests of what each framework's training call was given."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from importlib import util

import pytest

PRELUDE = """
import json, os, sys
import autolog
autolog.autolog(log_models=False)
import numpy as np
rng = np.random.default_rng(0)
X = rng.normal(size=(200, 5))
y = (X[:, 0] + X[:, 1] > 0).astype(int)
def inputs(run):
    return [{"name": i.dataset.name, "digest": i.dataset.digest, "context": i.context,
             "source_type": i.dataset.source_type, "schema": json.loads(i.dataset.schema),
             "profile": json.loads(i.dataset.profile)} for i in run.inputs.dataset_inputs]
"""


def run_script(tmp_path, body: str, store: str = "store") -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AUTOLOG_", "PYTEST_"))}
    env.update(
        AUTOLOG_TRACKING_URI=str(tmp_path / store),
        TF_CPP_MIN_LOG_LEVEL="3",
        AUTOLOG_TESTING="1",
        CUDA_VISIBLE_DEVICES="",
    )
    code = PRELUDE + textwrap.dedent(body) + "\nprint(json.dumps(out))\n"
    result = subprocess.run(
        [sys.executable, "-c", code], env=env, cwd=tmp_path, capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 0, result.stderr[-4000:]
    return json.loads(result.stdout.strip().splitlines()[-1])


def needs(*modules: str) -> None:
    for module in modules:
        if util.find_spec(module) is None:
            pytest.skip(f"{module} is not installed")


def test_sklearn_fit_records_X_with_y_as_one_training_dataset_same_digest_across_processes(tmp_path):
    needs("sklearn", "autolog_sklearn")
    body = """
        from sklearn.linear_model import LogisticRegression
        LogisticRegression().fit(X, y)
        first = autolog.last_active_run()
        X2 = X.copy(); X2[0, 0] += 1.0   # the first row is always in the sample
        LogisticRegression().fit(X2, y)
        changed = autolog.last_active_run()
        client = autolog.TrackingClient()
        digest = first.inputs.dataset_inputs[0].dataset.digest
        found = [r.info.run_id for r in client.search_runs(filter_string=f"datasets.digest = '{digest}'")]
        out = {"first": inputs(first), "changed": inputs(changed), "found": found, "run_id": first.info.run_id}
    """
    one = run_script(tmp_path, body)
    other = run_script(tmp_path, body, store="other")
    [dataset] = one["first"]
    assert (dataset["name"], dataset["context"], dataset["source_type"]) == ("X", "training", "numpy")
    assert dataset["profile"]["shape"] == [200, 5] and dataset["profile"]["targets"]["shape"] == [200]
    assert "mlflow_tensorspec" in dataset["schema"]
    assert other["first"][0]["digest"] == dataset["digest"]  # same data, another process
    assert one["changed"][0]["digest"] != dataset["digest"]  # one value changed
    assert one["found"] == [one["run_id"]]  # search by digest finds that run only


def test_xgboost_train_records_dtrain_as_training_and_evals_as_eval(tmp_path):
    needs("xgboost", "autolog_xgboost")
    out = run_script(
        tmp_path,
        """
        import xgboost as xgb
        dtrain = xgb.DMatrix(X[:150], label=y[:150])
        dval = xgb.DMatrix(X[150:], label=y[150:])
        xgb.train({"objective": "binary:logistic", "nthread": 1}, dtrain, num_boost_round=2,
                  evals=[(dtrain, "train"), (dval, "eval")], verbose_eval=False)
        out = inputs(autolog.last_active_run())
    """,
    )
    by_name = {d["name"]: d for d in out}
    assert set(by_name) == {"dtrain", "evals[eval]"}  # dtrain given again in evals: recorded once
    assert by_name["dtrain"]["context"] == "training" and by_name["dtrain"]["profile"]["shape"] == [150, 5]
    assert by_name["evals[eval]"]["context"] == "eval" and by_name["evals[eval]"]["profile"]["shape"] == [50, 5]
    assert all(d["source_type"] == "xgboost" for d in out)


def test_keras_fit_records_x_and_validation_data(tmp_path):
    needs("keras", "autolog_tensorflow")
    out = run_script(
        tmp_path,
        """
        import keras
        model = keras.Sequential([keras.Input((5,)), keras.layers.Dense(1, activation="sigmoid")])
        model.compile(optimizer="sgd", loss="binary_crossentropy")
        Xf, yf = X.astype("float32"), y.astype("float32")
        model.fit(Xf[:150], yf[:150], validation_data=(Xf[150:], yf[150:]), epochs=1, verbose=0)
        out = inputs(autolog.last_active_run())
    """,
    )
    by_name = {d["name"]: d for d in out}
    assert set(by_name) == {"x", "validation_data"}
    assert by_name["x"]["context"] == "training" and by_name["x"]["profile"]["targets"]["shape"] == [150]
    assert by_name["validation_data"]["context"] == "eval"
    assert by_name["validation_data"]["profile"]["shape"] == [50, 5]


def test_statsmodels_fit_records_exog_with_endog(tmp_path):
    needs("statsmodels", "autolog_statsmodels")
    out = run_script(
        tmp_path,
        """
        import pandas as pd
        import statsmodels.api as sm
        frame = pd.DataFrame(X, columns=[f"f{i}" for i in range(5)])
        target = pd.Series(X[:, 0] * 2.0 + 1.0, name="target")
        sm.OLS(target, sm.add_constant(frame)).fit()
        out = inputs(autolog.last_active_run())
    """,
    )
    [dataset] = out
    assert (dataset["name"], dataset["context"], dataset["source_type"]) == ("exog", "training", "pandas")
    names = [c["name"] for c in dataset["schema"]["mlflow_colspec"]]
    assert names == ["const", "f0", "f1", "f2", "f3", "f4"]
    assert dataset["profile"]["targets"]["shape"] == [200]
