"""The ``sklearn`` model flavor: the fitted estimator pickled, loaded back with only autolog.

The ``sklearn`` section has MLflow's keys (``pickled_model``, ``serialization_format``), so
``mlflow.sklearn.load_model`` and ``mlflow.pyfunc.load_model`` (through ``mlflow.sklearn``) load
it too, without autolog.
"""

from __future__ import annotations

import sys
from typing import Any

from autolog.plugin import PickleFlavor

REQUIREMENTS = ("scikit-learn",)


class SklearnFlavor(PickleFlavor):
    predict_module = "autolog_sklearn.predict"

    def __init__(self) -> None:
        super().__init__("sklearn")

    def accepts(self, model: Any) -> bool:
        base = sys.modules.get("sklearn.base")  # never imports sklearn: a model of it means it is loaded
        return base is not None and isinstance(model, base.BaseEstimator)

    def save(self, model: Any, model_dir: str) -> dict:
        from sklearn import __version__

        return {**super().save(model, model_dir), "sklearn_version": __version__}

    def mlflow_pyfunc(self, flavor_conf: dict) -> dict:
        """MLflow's ``python_function`` keys: ``mlflow.sklearn`` reads the pickle this flavor wrote."""
        return {"loader_module": "mlflow.sklearn", "model_path": flavor_conf["pickled_model"], "predict_fn": "predict"}


SKLEARN_FLAVOR = SklearnFlavor()
