"""The ``xgboost`` model flavor: XGBoost's own UBJ format, loaded back as the class that was saved.

A ``Booster`` loads as a ``Booster``; an estimator (``XGBClassifier``...) as the same estimator,
since XGBoost keeps the estimator's attributes inside the saved model. This module is also the
flavor's loader (``loader_module`` in MLmodel), so loading needs only this plugin and XGBoost.
The section has MLflow's keys (``data``, ``model_class``): ``mlflow.xgboost.load_model`` and
``mlflow.pyfunc.load_model`` load it too, without autolog.
"""

from __future__ import annotations

import importlib
import os
from typing import Any

MODEL_FILE = "model.ubj"


class XGBoostFlavor:
    name = "xgboost"
    loader_module = "autolog_xgboost.flavor"
    predict_module = "autolog_xgboost.predict"

    def save(self, model: Any, model_dir: str) -> dict:
        import xgboost

        model.save_model(os.path.join(model_dir, MODEL_FILE))
        cls = type(model)
        return {
            "data": MODEL_FILE,
            "model_class": f"{cls.__module__}.{cls.__qualname__}",
            "model_format": "ubj",
            "xgb_version": xgboost.__version__,
        }

    def mlflow_pyfunc(self, flavor_conf: dict) -> dict:
        """MLflow's ``python_function`` keys: ``mlflow.xgboost`` reads this flavor's section and file."""
        return {"loader_module": "mlflow.xgboost", "data": flavor_conf["data"]}

    def __repr__(self) -> str:
        return "<XGBoostFlavor>"


FLAVOR = XGBoostFlavor()


def load_model(model_dir: str, flavor_conf: dict) -> Any:
    module_name, _, class_name = flavor_conf.get("model_class", "xgboost.core.Booster").rpartition(".")
    cls = getattr(importlib.import_module(module_name), class_name)
    model = cls()
    model.load_model(os.path.join(model_dir, flavor_conf.get("data", MODEL_FILE)))
    return model
