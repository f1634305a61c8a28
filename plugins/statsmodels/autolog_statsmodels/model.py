"""The fitted results object as the run's model: flavor ``statsmodels``, a pickle of what predicting needs.

``saving`` decides what is left out (the training data; for state-space models the Kalman
output, computed again on load) without touching the user's object; the pickle is
made while collecting, so its size is known before saving and checked against
``max_model_size_mb`` (a larger model is not saved, with one warning). ``autolog.load_model``
returns the results object (the loader is autolog's own pickle loader); MLmodel records what was
left out under ``removed``.

The signature comes from the model's exogenous data: the design matrix as given, or for formula
models (``smf.ols("y ~ x", df)``) the data frame's columns other than the response, which is
what ``results.predict`` takes. Time-series models without exog have no signature.

The pickle is a plain one of the results object, which is what MLflow's ``statsmodels`` flavor
reads (its key ``data``): ``mlflow.statsmodels.load_model`` and ``mlflow.pyfunc.load_model``
load it without autolog (MLflow's predict of a time-series model takes ``start``/``end``). A
state-space results object is written as calls to its model's own ``smooth``/``filter`` and its
class (``state_space``): unpickling runs them, in MLflow too, naming nothing of autolog.
"""

from __future__ import annotations

import os
from typing import Any

from autolog.plugin import PICKLE_FILE, ModelToLog

from . import saving

REQUIREMENTS = ("statsmodels", "autolog-statsmodels")
ARTIFACT_PATH = "model"
MEGABYTE = 1024 * 1024


class StatsmodelsFlavor:
    name = "statsmodels"
    loader_module = "autolog.flavors"
    predict_module = "autolog_statsmodels.predict"

    def save(self, model: Any, model_dir: str) -> dict:
        prepared = model if isinstance(model, saving.Pickled) else saving.pickled(model)
        if prepared.data is None:
            raise ValueError(f"the model ({prepared.size} bytes) was over the size limit and not kept")
        with open(os.path.join(model_dir, PICKLE_FILE), "wb") as fh:
            fh.write(prepared.data)
        conf: dict[str, Any] = {
            "pickled_model": PICKLE_FILE,
            "serialization_format": prepared.serialization_format,
            "data": PICKLE_FILE,  # MLflow's key for the same file
        }
        if prepared.removed:
            conf["removed"] = prepared.removed
        if prepared.serialization_format == "cloudpickle":
            conf["extra_requirements"] = ["cloudpickle"]
        return conf

    def mlflow_pyfunc(self, flavor_conf: dict) -> dict:
        """MLflow's ``python_function`` keys: ``mlflow.statsmodels`` unpickles the same file."""
        return {"loader_module": "mlflow.statsmodels", "data": flavor_conf["data"]}

    def __repr__(self) -> str:
        return "<StatsmodelsFlavor>"


FLAVOR = StatsmodelsFlavor()


def is_results(value: Any) -> bool:
    """A statsmodels results object (not ``fit(return_params=True)``'s bare array)."""
    return type(value).__module__.startswith("statsmodels.") and hasattr(value, "model")


def signature_inputs(results: Any) -> Any:
    model = getattr(results, "model", None)
    data = getattr(model, "data", None)
    if data is None:
        return None
    frame = getattr(data, "frame", None)
    if getattr(model, "formula", None) and frame is not None and hasattr(frame, "drop"):
        response = getattr(model, "endog_names", None)
        return frame.drop(columns=[response], errors="ignore") if isinstance(response, str) else frame
    return getattr(data, "orig_exog", None)


def model_to_log(results: Any, max_model_size_mb: float | None = None) -> ModelToLog:
    limit = None if max_model_size_mb is None else int(max_model_size_mb * MEGABYTE)
    prepared = saving.pickled(results, limit)
    inputs = signature_inputs(results)
    return ModelToLog(
        prepared,
        FLAVOR,
        signature_inputs=inputs,
        input_example=inputs,
        requirements=REQUIREMENTS,
        size_bytes=prepared.size,
    )
