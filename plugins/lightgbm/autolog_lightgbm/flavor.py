"""The ``lightgbm`` model flavor: LightGBM's text format, plus the pickled scikit-learn estimator.

A ``Booster`` is saved as ``model.txt`` and loads as a ``Booster``. An estimator
(``LGBMClassifier``...) has no native file format of its own: its booster is saved as
``model.txt`` too (readable by any LightGBM tool) and the estimator is pickled next to it, and it
loads as the estimator. This module is the flavor's loader (``loader_module`` in MLmodel).

The section is laid out as MLflow's ``lightgbm`` flavor reads it: ``data`` is the file that loads
as ``model_class`` (``model.txt`` for a Booster; for an estimator its pickle, with
``serialization_format``, and the booster's text under ``booster_file``), so
``mlflow.lightgbm.load_model`` and ``mlflow.pyfunc.load_model`` load it too, without autolog.
"""

from __future__ import annotations

import os
import pickle
from typing import Any

MODEL_FILE = "model.txt"
PICKLE_FILE = "model.pkl"


class LightGBMFlavor:
    name = "lightgbm"
    loader_module = "autolog_lightgbm.flavor"
    predict_module = "autolog_lightgbm.predict"

    def save(self, model: Any, model_dir: str) -> dict:
        import lightgbm

        cls = type(model)
        conf = {
            "data": MODEL_FILE,
            "model_class": f"{cls.__module__}.{cls.__qualname__}",
            "model_format": "text",
            "lgb_version": lightgbm.__version__,
        }
        if isinstance(model, lightgbm.Booster):
            model.save_model(os.path.join(model_dir, MODEL_FILE))
            return conf
        model.booster_.save_model(os.path.join(model_dir, MODEL_FILE))
        with open(os.path.join(model_dir, PICKLE_FILE), "wb") as fh:
            pickle.dump(model, fh, protocol=pickle.HIGHEST_PROTOCOL)
        return {
            **conf,
            "data": PICKLE_FILE,
            "pickled_model": PICKLE_FILE,
            "serialization_format": "pickle",
            "booster_file": MODEL_FILE,
        }

    def mlflow_pyfunc(self, flavor_conf: dict) -> dict:
        """MLflow's ``python_function`` keys: ``mlflow.lightgbm`` reads this flavor's section and files."""
        return {"loader_module": "mlflow.lightgbm", "data": flavor_conf["data"]}

    def __repr__(self) -> str:
        return "<LightGBMFlavor>"


FLAVOR = LightGBMFlavor()


def load_model(model_dir: str, flavor_conf: dict) -> Any:
    if flavor_conf.get("pickled_model"):
        with open(os.path.join(model_dir, flavor_conf["pickled_model"]), "rb") as fh:
            return pickle.load(fh)
    import lightgbm

    return lightgbm.Booster(model_file=os.path.join(model_dir, flavor_conf.get("data", MODEL_FILE)))
