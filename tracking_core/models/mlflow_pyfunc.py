"""MLflow's way in: ``mlflow.pyfunc.load_model`` on a model whose MLflow flavor cannot read it.

MLflow's ``python_function`` section names a ``loader_module`` with ``_load_pyfunc(path)``.
Where MLflow has the framework and reads the files a plugin wrote (scikit-learn, XGBoost,
LightGBM, Keras ``.keras``, statsmodels), the plugin names MLflow's own module
(``mlflow.sklearn``...) and MLflow needs nothing of autolog. Everywhere else (a Lightning
module saved as a state dict, a Keras model saved as weights, a third-party flavor) MLflow is
pointed here: this module loads the model through autolog's own generic predict, so it works
wherever autolog and the plugin that saved the model are installed next to MLflow (its
``requirements.txt`` names them), and otherwise fails with MLflow's ``No module named ...``.
"""

from __future__ import annotations

import os
from typing import Any

from .pyfunc import PredictModel, load_predict_model


class MlflowPredictor:
    """The object MLflow's ``PyFuncModel`` calls ``predict(data, params=None)`` on."""

    def __init__(self, model: PredictModel):
        self.model = model

    def predict(self, data: Any, params: dict[str, Any] | None = None) -> Any:
        if params:
            raise ValueError(f"this model takes no inference params; got {sorted(params)}")
        return self.model.predict(data)

    def get_raw_model(self) -> Any:
        """The framework's own object (MLflow's ``PyFuncModel.get_raw_model``)."""
        return self.model.predictor


def _load_pyfunc(path: str, model_config: Any = None) -> MlflowPredictor:
    """Called by ``mlflow.pyfunc.load_model`` with the model directory (or a file in it)."""
    model_dir = path if os.path.isdir(path) else os.path.dirname(path)
    return MlflowPredictor(load_predict_model(model_dir))
