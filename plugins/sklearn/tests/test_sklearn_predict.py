"""The generic predict of autologged scikit-learn models: the native predictions, for a plain
estimator (given the values by position, without scikit-learn's feature-name warnings) and for
a pipeline that selects columns by name (given the DataFrame)."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
from sklearn.compose import ColumnTransformer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import Pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler

import autolog


def frame(n: int = 120, seed: int = 0) -> tuple[pd.DataFrame, np.ndarray]:
    rng = np.random.default_rng(seed)
    X = pd.DataFrame(
        {"size": rng.normal(size=n), "weight": rng.normal(size=n), "colour": rng.choice(["red", "blue"], size=n)}
    )
    return X, ((X["size"] + (X["colour"] == "red")) > 0.5).astype(int).to_numpy()


def logged(estimator, X, y):
    estimator.fit(X, y)
    run_id = autolog.last_active_run().info.run_id
    return autolog.load_model(f"runs:/{run_id}/model"), autolog.load_model(f"runs:/{run_id}/model", kind="predict")


def test_a_plain_estimator_fitted_on_a_dataframe_predicts_as_natively_without_warnings(autolog_enable):
    autolog_enable("sklearn")
    X, y = frame()
    numeric = X[["size", "weight"]]
    native, model = logged(LogisticRegression(), numeric, y)
    new, _ = frame(30, seed=1)
    new = new[["size", "weight"]]
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no "X does not have valid feature names"
        for given in (new, new.to_numpy(), new[["weight", "size"]].assign(extra=1.0), new.to_dict("records")):
            assert model.predict(given).tolist() == native.predict(new).tolist()
    assert hasattr(native, "feature_names_in_") and hasattr(model.predictor.estimator, "feature_names_in_")


def test_a_pipeline_selecting_columns_by_name_gets_the_dataframe(autolog_enable):
    autolog_enable("sklearn")
    X, y = frame()
    pipeline = Pipeline(
        [
            (
                "columns",
                ColumnTransformer(
                    [("scale", StandardScaler(), ["size", "weight"]), ("onehot", OneHotEncoder(), ["colour"])]
                ),
            ),
            ("model", LogisticRegression()),
        ]
    )
    native, model = logged(pipeline, X, y)
    new, _ = frame(30, seed=2)
    shuffled = new[["colour", "weight", "size"]]
    assert model.predict(shuffled).tolist() == native.predict(new).tolist()
    with pytest.raises(ValueError, match="missing column"):
        model.predict(new.drop(columns=["colour"]))


def test_an_estimator_fitted_on_an_array_takes_a_dataframe_without_warnings(autolog_enable):
    autolog_enable("sklearn")
    X, y = frame()
    values = X[["size", "weight"]].to_numpy()
    native, model = logged(LogisticRegression(), values, y)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert (
            model.predict(pd.DataFrame(values[:10], columns=["a", "b"])).tolist()
            == native.predict(values[:10]).tolist()
        )
