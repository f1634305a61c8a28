"""Every installed plugin together: one ``autolog.autolog()`` in a fresh process, then one real
training per framework, each making its own run tagged with its integration."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from importlib import metadata

import pytest

from core_support import REPO_DIR

TRAININGS = {
    "sklearn": """
        from sklearn.linear_model import LogisticRegression
        LogisticRegression().fit(X, y)
    """,
    "xgboost": """
        import xgboost as xgb
        xgb.train({"objective": "binary:logistic", "nthread": 1}, xgb.DMatrix(X, label=y), num_boost_round=3)
    """,
    "lightgbm": """
        import lightgbm as lgb
        lgb.train({"objective": "binary", "verbose": -1, "num_threads": 1}, lgb.Dataset(X, label=y), num_boost_round=3)
    """,
    "statsmodels": """
        import statsmodels.api as sm
        sm.OLS(y.astype(float), sm.add_constant(X)).fit()
    """,
    "tensorflow": """
        import keras
        model = keras.Sequential([keras.Input((X.shape[1],)), keras.layers.Dense(1, activation="sigmoid")])
        model.compile(optimizer="adam", loss="binary_crossentropy")
        model.fit(X, y, epochs=2, batch_size=64, verbose=0)
    """,
    "lightning": """
        import torch, lightning.pytorch as pl
        class Net(pl.LightningModule):
            def __init__(self):
                super().__init__()
                self.layer = torch.nn.Linear(X.shape[1], 1)
            def training_step(self, batch, _):
                features, target = batch
                loss = torch.nn.functional.mse_loss(self.layer(features).squeeze(-1), target)
                self.log("train_loss", loss)
                return loss
            def configure_optimizers(self):
                return torch.optim.SGD(self.parameters(), lr=0.01)
        data = torch.utils.data.TensorDataset(
            torch.tensor(X, dtype=torch.float32), torch.tensor(y, dtype=torch.float32)
        )
        trainer = pl.Trainer(max_epochs=2, logger=False, enable_progress_bar=False, enable_checkpointing=False,
                             enable_model_summary=False, default_root_dir=os.environ["WORKDIR"])
        trainer.fit(Net(), torch.utils.data.DataLoader(data, batch_size=64))
    """,
    "catboost": """
        from catboost import CatBoostClassifier
        CatBoostClassifier(iterations=3, verbose=False, thread_count=1, train_dir=os.environ["WORKDIR"]).fit(X, y)
    """,
}


def installed_integrations() -> list[str]:
    return sorted(ep.name for ep in metadata.entry_points(group="autolog") if ep.name in TRAININGS)


def test_one_autolog_call_logs_every_installed_framework(tmp_path):
    names = installed_integrations()
    if len(names) < 2:
        pytest.skip("fewer than two framework plugins installed")
    body = "".join(
        f"\nmark = len(runs())\n{textwrap.dedent(TRAININGS[name]).strip()}\nlogged[{name!r}] = runs()[mark:]\n"
        for name in names
    )
    code = (
        textwrap.dedent("""
        import json, os
        import autolog
        autolog.autolog(log_models=False)
        import numpy as np
        rng = np.random.default_rng(0)
        X = rng.normal(size=(200, 5))
        y = (X[:, 0] + X[:, 1] > 0).astype(int)
        client = autolog.TrackingClient()
        def runs():
            return [(r.info.run_id, r.data.tags.get("autolog.autologging"), r.info.status)
                    for r in reversed(client.search_runs())]
        logged = {}
    """)
        + body
        + "\nprint(json.dumps(logged))\n"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AUTOLOG_", "PYTEST_"))}
    env.update(
        AUTOLOG_TRACKING_URI=str(tmp_path / "store"),
        WORKDIR=str(tmp_path),
        TF_CPP_MIN_LOG_LEVEL="3",
        AUTOLOG_TESTING="1",
    )
    result = subprocess.run(
        [sys.executable, "-c", code], env=env, cwd=tmp_path, capture_output=True, text=True, timeout=600
    )
    assert result.returncode == 0, result.stderr[-4000:]
    logged = json.loads(result.stdout.strip().splitlines()[-1])
    for name in names:
        assert len(logged[name]) == 1, f"{name}: expected one run, got {logged[name]}"
        _run_id, integration, status = logged[name][0]
        assert (integration, status) == (name, "FINISHED")

    listing = subprocess.run(
        [sys.executable, "-m", "autolog", "plugins"], env=env, cwd=REPO_DIR, capture_output=True, text=True, timeout=120
    )
    assert listing.returncode == 0, listing.stderr
    rows = {line.split()[0]: line for line in listing.stdout.splitlines()[1:] if line.strip()}
    for name in names:
        assert name in rows, listing.stdout
        assert rows[name].rstrip().endswith("ready"), rows[name]
