"""Small, deterministic training jobs for every framework autolog patches, used by the reliability tests.

``train(name, workdir, interrupt=False)`` trains a small model of framework ``name`` (the six
plugins and the catboost example) from fixed seeds and returns its predictions on fixed data as a
numpy array, so two trainings can be compared bit for bit. With ``interrupt=True`` the framework's
own callback mechanism (or a step inside ``fit``) raises ``KeyboardInterrupt`` after the first
epoch/iteration, as Ctrl-C would (CatBoost: a real SIGINT, see ``_catboost``).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any

import numpy as np

FRAMEWORKS = ("sklearn", "xgboost", "lightgbm", "tensorflow", "lightning", "statsmodels", "catboost")
# The integrations that log per-step metrics during training: their KILLED run keeps what came
# before the interrupt (catboost and the rest log once training returns).
STEP_METRICS = {"xgboost", "lightgbm", "tensorflow", "lightning"}


def data(n: int = 120, features: int = 4) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.RandomState(0)
    X = rng.normal(size=(n, features))
    y = (X[:, 0] + 0.5 * X[:, 1] + 0.3 * rng.normal(size=n) > 0).astype(int)
    return X, y


def _sklearn(workdir: str, interrupt: bool) -> np.ndarray:
    from sklearn.linear_model import LogisticRegression
    from sklearn.pipeline import Pipeline
    from sklearn.preprocessing import FunctionTransformer, StandardScaler

    X, y = data()
    steps: list[tuple[str, Any]] = [("scale", StandardScaler())]
    if interrupt:
        steps.append(("ctrl_c", FunctionTransformer(_raise_interrupt)))
    steps.append(("clf", LogisticRegression(C=0.5)))
    model = Pipeline(steps).fit(X, y)
    return model.predict_proba(X)


def _raise_interrupt(X: Any) -> Any:
    raise KeyboardInterrupt


def _xgboost(workdir: str, interrupt: bool) -> np.ndarray:
    import xgboost as xgb

    X, y = data()
    train = xgb.DMatrix(X, label=y)

    class CtrlC(xgb.callback.TrainingCallback):
        def after_iteration(self, model, epoch, evals_log):
            if epoch >= 1:
                raise KeyboardInterrupt
            return False

    booster = xgb.train(
        {"objective": "binary:logistic", "max_depth": 2, "seed": 0, "nthread": 1},
        train,
        num_boost_round=5,
        evals=[(train, "train")],
        verbose_eval=False,
        callbacks=[CtrlC()] if interrupt else None,
    )
    return booster.predict(train)


def _lightgbm(workdir: str, interrupt: bool) -> np.ndarray:
    import lightgbm as lgb

    X, y = data()
    train = lgb.Dataset(X, label=y)

    def ctrl_c(env):
        if env.iteration >= 1:
            raise KeyboardInterrupt

    booster = lgb.train(
        {
            "objective": "binary",
            "num_leaves": 4,
            "verbose": -1,
            "seed": 0,
            "num_threads": 1,
            "deterministic": True,
            "min_data_in_leaf": 5,
        },
        train,
        num_boost_round=5,
        valid_sets=[train],
        callbacks=[ctrl_c] if interrupt else None,
    )
    return booster.predict(X)


def _tensorflow(workdir: str, interrupt: bool) -> np.ndarray:
    import keras

    keras.utils.set_random_seed(0)
    X, y = data()
    model = keras.Sequential(
        [
            keras.Input(shape=(X.shape[1],)),
            keras.layers.Dense(4, activation="relu"),
            keras.layers.Dense(1, activation="sigmoid"),
        ]
    )
    model.compile(optimizer=keras.optimizers.Adam(learning_rate=0.01), loss="binary_crossentropy")

    class CtrlC(keras.callbacks.Callback):
        def on_epoch_end(self, epoch, logs=None):
            if epoch >= 1:
                raise KeyboardInterrupt

    model.fit(X, y, epochs=3, batch_size=32, verbose=0, shuffle=False, callbacks=[CtrlC()] if interrupt else [])
    return model.predict(X, verbose=0)


def _lightning(workdir: str, interrupt: bool) -> np.ndarray:
    import lightning.pytorch as L
    import torch
    from torch import nn
    from torch.utils.data import DataLoader, TensorDataset

    torch.set_num_threads(1)
    L.seed_everything(0, verbose=False)
    X, y = data()
    tx, ty = torch.tensor(X, dtype=torch.float32), torch.tensor(y, dtype=torch.float32).unsqueeze(1)

    class Tiny(L.LightningModule):
        def __init__(self, lr: float = 0.05):
            super().__init__()
            self.save_hyperparameters()
            self.net = nn.Sequential(nn.Linear(X.shape[1], 4), nn.ReLU(), nn.Linear(4, 1))

        def forward(self, x):
            return self.net(x)

        def training_step(self, batch, batch_idx):
            xb, yb = batch
            loss = nn.functional.binary_cross_entropy_with_logits(self(xb), yb)
            self.log("train_loss", loss, on_step=False, on_epoch=True)
            return loss

        def configure_optimizers(self):
            return torch.optim.SGD(self.parameters(), lr=self.hparams.lr)

    class CtrlC(L.Callback):
        def on_train_epoch_end(self, trainer, module):
            if trainer.current_epoch >= 1:
                raise KeyboardInterrupt

    model = Tiny()
    trainer = L.Trainer(
        max_epochs=3,
        accelerator="cpu",
        devices=1,
        logger=False,
        enable_progress_bar=False,
        enable_model_summary=False,
        enable_checkpointing=False,
        default_root_dir=workdir,
        callbacks=[CtrlC()] if interrupt else None,
    )
    trainer.fit(model, DataLoader(TensorDataset(tx, ty), batch_size=40))
    with torch.no_grad():
        return model(tx).numpy()


def _statsmodels(workdir: str, interrupt: bool) -> np.ndarray:
    import statsmodels.api as sm

    X, y = data()
    exog = sm.add_constant(X)
    calls = []

    def ctrl_c(params):
        calls.append(params)
        if len(calls) >= 2:
            raise KeyboardInterrupt

    result = sm.Logit(y, exog).fit(disp=0, callback=ctrl_c if interrupt else None)
    return np.asarray(result.predict(exog))


def _catboost(workdir: str, interrupt: bool) -> np.ndarray:
    from catboost import CatBoostClassifier

    X, y = data()

    if interrupt:
        # CatBoost turns an exception raised in a Python callback into CatBoostError; a real SIGINT
        # during its C++ loop becomes KeyboardInterrupt, as Ctrl-C does: send one a second in.
        import signal
        import threading

        X, y = data(5000, 20)
        threading.Timer(1.0, os.kill, (os.getpid(), signal.SIGINT)).start()
    model = CatBoostClassifier(
        iterations=200_000 if interrupt else 5,
        depth=2,
        random_seed=0,
        verbose=False,
        thread_count=1,
        allow_writing_files=False,
        train_dir=os.path.join(workdir, "catboost_info"),
    )
    model.fit(X, y, eval_set=(X, y))
    return model.predict_proba(X)


TRAINERS: dict[str, Callable[[str, bool], np.ndarray]] = {
    "sklearn": _sklearn,
    "xgboost": _xgboost,
    "lightgbm": _lightgbm,
    "tensorflow": _tensorflow,
    "lightning": _lightning,
    "statsmodels": _statsmodels,
    "catboost": _catboost,
}


def train(name: str, workdir: str, interrupt: bool = False) -> np.ndarray:
    return np.asarray(TRAINERS[name](workdir, interrupt))
