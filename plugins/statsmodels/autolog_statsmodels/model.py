"""The fitted results object as the run's model: pickled (as ``results.save()`` does), flavor ``statsmodels``.

The signature comes from the model's exogenous data: the design matrix as given, or for formula
models (``smf.ols("y ~ x", df)``) the data frame's columns other than the response, which is
what ``results.predict`` takes. Time-series models without exog have no signature.
"""
from __future__ import annotations

from typing import Any

from autolog import ModelToLog
from autolog.flavors import PickleFlavor

FLAVOR = PickleFlavor("statsmodels")
REQUIREMENTS = ("statsmodels", "autolog-statsmodels")


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


def model_to_log(results: Any) -> ModelToLog:
    return ModelToLog(results, FLAVOR, signature_inputs=signature_inputs(results),
                      input_example=signature_inputs(results), requirements=REQUIREMENTS)
