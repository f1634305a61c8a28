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
             "source_type": i.dataset.source_type, "library": json.loads(i.dataset.profile).get("library"),
             "schema": json.loads(i.dataset.schema),
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
    assert (dataset["name"], dataset["context"], dataset["library"]) == ("X", "training", "numpy")
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
    assert all(d["library"] == "xgboost" for d in out)


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
    assert (dataset["name"], dataset["context"], dataset["library"]) == ("exog", "training", "pandas")
    names = [c["name"] for c in dataset["schema"]["mlflow_colspec"]]
    assert names == ["const", "f0", "f1", "f2", "f3", "f4"]
    assert dataset["profile"]["targets"]["shape"] == [200]


# -- test sets of post-training metrics, datamodules, the log_datasets switch ---------------------------
def test_sklearn_metric_on_predict_and_score_record_the_test_set_once_with_context_test(tmp_path):
    needs("sklearn", "autolog_sklearn")
    out = run_script(
        tmp_path,
        """
        from sklearn.linear_model import LogisticRegression
        from sklearn.metrics import accuracy_score, f1_score
        X_train, y_train, X_test, y_test = X[:150], y[:150], X[150:], y[150:]
        model = LogisticRegression().fit(X_train, y_train)
        run_id = autolog.last_active_run().info.run_id
        for start in range(50):                  # a serving loop: predictions, no metric
            model.predict(X_test[start:start + 1])
        client = autolog.TrackingClient()
        after_serving = inputs(client.get_run(run_id))
        y_pred = model.predict(X_test)
        accuracy_score(y_test, y_pred)
        f1_score(y_test, y_pred)
        model.score(X_test, y_test)              # the same data again: no second input
        model.score(X_train, y_train)            # the training data: stays training
        run = client.get_run(run_id)
        out = {"after_serving": after_serving, "inputs": inputs(run), "metrics": sorted(run.data.metrics)}
    """,
    )
    assert [(d["name"], d["context"]) for d in out["after_serving"]] == [("X", "training")]
    by_name = {d["name"]: d for d in out["inputs"]}
    assert set(by_name) == {"X", "X_test"}
    assert by_name["X"]["context"] == "training"
    test = by_name["X_test"]
    assert (test["context"], test["library"]) == ("test", "numpy")
    assert test["profile"]["shape"] == [50, 5] and test["profile"]["targets"]["shape"] == [50]
    assert {"accuracy_score_X_test", "LogisticRegression_score_X_test", "LogisticRegression_score_X_train"} <= set(
        out["metrics"]
    )


def test_sklearn_score_alone_records_the_test_set_and_a_dropped_test_set_is_not_kept(tmp_path):
    needs("sklearn", "autolog_sklearn")
    out = run_script(
        tmp_path,
        """
        import gc, weakref
        import pandas as pd
        from sklearn.linear_model import LogisticRegression
        from sklearn.metrics import accuracy_score
        frame = pd.DataFrame(X, columns=[f"f{i}" for i in range(5)])
        model = LogisticRegression().fit(frame, y)
        run_id = autolog.last_active_run().info.run_id
        holdout = frame.iloc[:40].copy()
        model.score(holdout, y[:40])
        gone = frame.iloc[40:80].copy()
        y_pred = model.predict(gone)
        watcher = weakref.ref(gone)
        del gone; gc.collect()
        accuracy_score(y[40:80], y_pred)         # logged as a metric; its data no longer exists
        run = autolog.TrackingClient().get_run(run_id)
        out = {"inputs": inputs(run), "freed": watcher() is None, "metrics": sorted(run.data.metrics)}
    """,
    )
    assert out["freed"]  # a remembered prediction does not keep its input alive
    by_name = {d["name"]: d for d in out["inputs"]}
    assert set(by_name) == {"X", "holdout"}
    assert by_name["holdout"]["context"] == "test" and by_name["holdout"]["library"] == "pandas"
    assert [c["name"] for c in by_name["holdout"]["schema"]["mlflow_colspec"]] == [f"f{i}" for i in range(5)]
    assert "accuracy_score_gone" in out["metrics"]  # the metric is logged, its data not recorded


def test_log_datasets_false_records_no_inputs_globally_or_per_integration(tmp_path):
    needs("sklearn", "autolog_sklearn")
    out = run_script(
        tmp_path,
        """
        from sklearn.linear_model import LogisticRegression
        from sklearn.metrics import accuracy_score
        client = autolog.TrackingClient()
        found = {}
        for label, enable in (
            ("global", lambda: autolog.autolog(log_models=False, log_datasets=False)),
            ("sklearn", lambda: (autolog.autolog(log_models=False), autolog.sklearn.autolog(log_datasets=False))),
            ("default", lambda: autolog.sklearn.autolog(log_models=False)),  # replaces the call before
        ):
            enable()
            model = LogisticRegression().fit(X[:150], y[:150])
            run_id = autolog.last_active_run().info.run_id
            X_test = X[150:]
            accuracy_score(y[150:], model.predict(X_test))
            model.score(X_test, y[150:])
            run = client.get_run(run_id)
            found[label] = {"inputs": [d["name"] for d in inputs(run)], "metrics": sorted(run.data.metrics)}
        out = found
    """,
    )
    for label in ("global", "sklearn"):
        assert out[label]["inputs"] == [], label
        assert "accuracy_score_X_test" in out[label]["metrics"]  # metrics are still logged
    assert sorted(out["default"]["inputs"]) == ["X", "X_test"]


def test_keras_evaluate_records_the_test_set_and_leaves_the_validation_data_as_eval(tmp_path):
    needs("keras", "autolog_tensorflow")
    out = run_script(
        tmp_path,
        """
        import keras
        model = keras.Sequential([keras.Input((5,)), keras.layers.Dense(1, activation="sigmoid")])
        model.compile(optimizer="sgd", loss="binary_crossentropy")
        Xf, yf = X.astype("float32"), y.astype("float32")
        x_val, y_val = Xf[100:150], yf[100:150]
        model.fit(Xf[:100], yf[:100], validation_data=(x_val, y_val), epochs=1, verbose=0)
        run_id = autolog.last_active_run().info.run_id
        x_test, y_test = Xf[150:], yf[150:]
        model.evaluate(x_test, y_test, verbose=0)
        model.evaluate(x_val, y_val, verbose=0)  # the fit's validation data: stays eval
        model.evaluate(x=x_test, y=y_test, verbose=0)
        out = inputs(autolog.TrackingClient().get_run(run_id))
    """,
    )
    by_name = {d["name"]: d for d in out}
    assert set(by_name) == {"x", "validation_data", "x_test"}
    assert by_name["validation_data"]["context"] == "eval"
    assert by_name["x_test"]["context"] == "test"
    assert by_name["x_test"]["profile"]["shape"] == [50, 5] and by_name["x_test"]["profile"]["targets"]["shape"] == [50]


LIGHTNING = """
import lightning.pytorch as L
import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset
torch.manual_seed(0)
features, target = torch.randn(256, 8), torch.randn(256, 1)
def loader(start, stop):
    return DataLoader(TensorDataset(features[start:stop], target[start:stop]), batch_size=64)
class Regressor(L.LightningModule):
    def __init__(self):
        super().__init__()
        self.net = nn.Linear(8, 1)
    def training_step(self, batch, batch_idx):
        return nn.functional.mse_loss(self.net(batch[0]), batch[1])
    def validation_step(self, batch, batch_idx):
        self.log("val_loss", nn.functional.mse_loss(self.net(batch[0]), batch[1]))
    def test_step(self, batch, batch_idx):
        self.log("test_loss", nn.functional.mse_loss(self.net(batch[0]), batch[1]))
    def configure_optimizers(self):
        return torch.optim.SGD(self.parameters(), lr=0.01)
def trainer():
    return L.Trainer(max_epochs=1, accelerator="cpu", logger=False, enable_checkpointing=False,
                     enable_progress_bar=False, enable_model_summary=False, default_root_dir=os.getcwd())
"""


def test_lightning_fit_records_train_and_val_dataloaders_with_their_tensors(tmp_path):
    needs("lightning", "autolog_lightning")
    out = run_script(
        tmp_path,
        LIGHTNING
        + """
train_loader, val_loader = loader(0, 192), loader(192, 256)
trainer().fit(Regressor(), train_loader, val_loader)
first = inputs(autolog.last_active_run())
trainer().fit(Regressor(), loader(0, 192), loader(192, 256))   # equal tensors, new loaders
out = {"first": first, "again": inputs(autolog.last_active_run())}
""",
    )
    by_name = {d["name"]: d for d in out["first"]}
    assert set(by_name) == {"train_dataloaders", "val_dataloaders"}
    train, val = by_name["train_dataloaders"], by_name["val_dataloaders"]
    assert (train["context"], val["context"]) == ("training", "eval")
    assert train["profile"] == {"num_rows": 192, "batch_size": 64, "num_batches": 3, "library": "torch"}
    assert val["profile"]["num_rows"] == 64 and train["library"] == "torch"
    assert [d["digest"] for d in out["again"]] == [d["digest"] for d in out["first"]]  # the content's digest


def test_lightning_datamodule_loaders_and_test_validate_after_fit_are_recorded(tmp_path):
    needs("lightning", "autolog_lightning")
    out = run_script(
        tmp_path,
        LIGHTNING
        + """
train_loader, val_loader, test_loader = loader(0, 160), loader(160, 224), loader(224, 256)
class Data(L.LightningDataModule):
    def train_dataloader(self):
        return train_loader
    def val_dataloader(self):
        return val_loader
    def test_dataloader(self):
        return test_loader
model, t = Regressor(), trainer()
t.fit(model, datamodule=Data())
run_id = autolog.last_active_run().info.run_id
client = autolog.TrackingClient()
after_fit = inputs(client.get_run(run_id))
t.test(model, dataloaders=test_loader, verbose=False)
t.validate(model, dataloaders=val_loader, verbose=False)   # the fit's validation data: nothing new
t.test(model, datamodule=Data(), verbose=False)            # the same test data: nothing new
other = loader(0, 32)
t.validate(model, dataloaders=other, verbose=False)
out = {"after_fit": after_fit, "all": inputs(client.get_run(run_id))}
""",
    )
    after_fit = {d["name"]: d for d in out["after_fit"]}
    assert set(after_fit) == {"datamodule.train_dataloader", "datamodule.val_dataloader"}
    assert after_fit["datamodule.train_dataloader"]["context"] == "training"
    assert after_fit["datamodule.train_dataloader"]["profile"]["num_rows"] == 160
    assert after_fit["datamodule.val_dataloader"]["context"] == "eval"
    everything = {d["name"]: d["context"] for d in out["all"]}
    assert everything == {
        "datamodule.train_dataloader": "training",
        "datamodule.val_dataloader": "eval",
        "test_loader": "test",
        "other": "eval",
    }


def test_lightgbm_train_records_train_set_and_valid_sets(tmp_path):
    needs("lightgbm", "autolog_lightgbm")
    out = run_script(
        tmp_path,
        """
        import lightgbm as lgb
        train_set = lgb.Dataset(X[:150], label=y[:150])
        valid_set = lgb.Dataset(X[150:], label=y[150:], reference=train_set)
        lgb.train({"objective": "binary", "verbose": -1, "num_threads": 1}, train_set, num_boost_round=2,
                  valid_sets=[train_set, valid_set], valid_names=["train", "valid"])
        out = inputs(autolog.last_active_run())
    """,
    )
    by_name = {d["name"]: d for d in out}
    # named as the run's metrics name them (valid-binary_logloss): the user's valid_names, as MLflow does
    assert set(by_name) == {"train_set", "valid"}  # train_set given again in valid_sets: once
    assert by_name["train_set"]["context"] == "training" and by_name["train_set"]["profile"]["shape"] == [150, 5]
    assert by_name["valid"]["context"] == "eval" and by_name["valid"]["profile"]["shape"] == [50, 5]
    assert all(d["library"] == "lightgbm" for d in out)


def test_lightgbm_classifier_fit_records_X_and_eval_set(tmp_path):
    needs("lightgbm", "autolog_lightgbm")
    out = run_script(
        tmp_path,
        """
        import lightgbm as lgb
        lgb.LGBMClassifier(n_estimators=2, verbose=-1, n_jobs=1).fit(X[:150], y[:150], eval_set=[(X[150:], y[150:])])
        out = inputs(autolog.last_active_run())
    """,
    )
    by_name = {d["name"]: d for d in out}
    assert set(by_name) == {"X", "eval_set"}
    assert by_name["X"]["context"] == "training" and by_name["X"]["profile"]["targets"]["shape"] == [150]
    assert by_name["eval_set"]["context"] == "eval" and by_name["eval_set"]["profile"]["shape"] == [50, 5]


def test_lightgbm_classifier_fit_names_eval_sets_with_the_users_eval_names(tmp_path):
    needs("lightgbm", "autolog_lightgbm")
    out = run_script(
        tmp_path,
        """
        import lightgbm as lgb
        lgb.LGBMClassifier(n_estimators=2, verbose=-1, n_jobs=1).fit(
            X[:150], y[:150], eval_set=[(X[150:], y[150:]), (X[:20], y[:20])], eval_names=["holdout", "head"])
        out = inputs(autolog.last_active_run())
    """,
    )
    assert {d["name"]: d["context"] for d in out} == {"X": "training", "holdout": "eval", "head": "eval"}
