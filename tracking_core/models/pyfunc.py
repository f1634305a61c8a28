"""The generic predict interface: any logged model as an object with ``predict(data)``.

``autolog.load_model(uri)`` returns the framework's own object; ``autolog.load_model(uri,
kind="predict")`` returns a ``PredictModel`` whose ``predict`` takes a pandas DataFrame, a numpy
array or a list of records (dicts; a list of lists is read as an array) and returns a numpy
array or a DataFrame, whatever the framework.

The MLmodel declares it, as MLflow's ``python_function`` flavor does: a flavor object with a
``predict_module`` attribute gets a section

    python_function:
      predict_module: autolog_sklearn.predict   # has load_predictor(model_dir, flavor_conf)
      flavor: sklearn                           # whose section is handed to load_predictor
      python_version: 3.11.9

and ``load_predictor`` returns an object with ``predict(data)`` taking a DataFrame or an ndarray
(already checked against the signature). Any third-party flavor can provide one the same way.
The signature, when the model has one, is enforced first (``enforcement``).
"""

from __future__ import annotations

import importlib
from typing import Any

from ..errors import ModelLoadError
from .enforcement import InputSchema, SignatureError, enforce
from .model_format import PREDICT_MODULE_KEY, PYFUNC_FLAVOR, pyfunc_section, read_mlmodel

__all__ = [
    "PYFUNC_FLAVOR",
    "PredictModel",
    "SignatureError",
    "as_model_input",
    "load_predict_model",
    "pyfunc_section",
]


class PredictModel:
    """A loaded model behind one ``predict(data)``, whatever its framework.

    ``metadata`` is the MLmodel content, ``flavor`` the native flavor's name, ``input_schema`` the
    parsed signature inputs (None without a signature), ``predictor`` the flavor's own object.
    """

    def __init__(self, model_dir: str, metadata: dict, flavor: str, predictor: Any):
        self.model_dir = model_dir
        self.metadata = metadata
        self.flavor = flavor
        self.predictor = predictor
        self.input_schema = InputSchema.from_mlmodel(metadata)

    def predict(self, data: Any, *, from_text: bool = False) -> Any:
        """Predictions (numpy array or DataFrame) for ``data``: DataFrame, ndarray, list of records.

        ``from_text=True`` says the data was decoded from JSON or CSV, whose numbers have no width:
        floats are then read at the signature's width. A mismatch with the signature raises
        ``SignatureError`` (a ``ValueError``) naming the column.
        """
        if isinstance(data, (list, tuple)) and self.input_schema is not None and self.input_schema.columns:
            data = _rows_keeping_types(data)
        data = as_model_input(data)
        if self.input_schema is not None:
            data = enforce(data, self.input_schema, from_text=from_text)
        return _as_output(self.predictor.predict(data))

    def __repr__(self) -> str:
        return f"<PredictModel {self.flavor} from {self.model_dir!r}>"


def as_model_input(data: Any) -> Any:
    """A DataFrame or ndarray for ``data`` (records and dicts of columns become a DataFrame)."""
    import numpy as np
    import pandas as pd

    if isinstance(data, (pd.DataFrame, np.ndarray)):
        return data
    if isinstance(data, pd.Series):
        return data.to_frame() if data.name is not None else data.to_numpy()
    if isinstance(data, dict):
        try:
            return pd.DataFrame(data)
        except ValueError:  # scalars: one record
            return pd.DataFrame([data])
    if isinstance(data, (list, tuple)):
        if data and all(isinstance(row, dict) for row in data):
            return pd.DataFrame.from_records(list(data))
        try:
            return np.asarray(data)
        except ValueError as exc:  # ragged rows
            raise SignatureError(f"the input rows have different lengths ({exc})") from None
    raise TypeError(
        f"predict() takes a pandas DataFrame, a numpy array or a list of records; got {type(data).__name__}"
    )


def _rows_keeping_types(data: list | tuple) -> Any:
    """Rows for a column signature as an object array: ``[[0.5, 2]]`` keeps its int for an int column."""
    import numpy as np

    if not data or isinstance(data[0], dict):
        return data
    try:
        rows = np.array(data, dtype=object)
    except ValueError as exc:
        raise SignatureError(f"the input rows have different lengths ({exc})") from None
    if rows.ndim == 2 or (rows.ndim == 1 and not any(isinstance(v, (list, tuple)) for v in data)):
        return rows
    raise SignatureError("the input rows have different lengths")


def _as_output(predictions: Any) -> Any:
    import numpy as np
    import pandas as pd

    if isinstance(predictions, (np.ndarray, pd.DataFrame)):
        return predictions
    if isinstance(predictions, pd.Series):
        return predictions.to_numpy()
    return np.asarray(predictions)


def load_predict_model(model_dir: str) -> PredictModel:
    """The ``PredictModel`` of a local model directory, through its ``python_function`` section."""
    mlmodel = read_mlmodel(model_dir)
    flavors = mlmodel.get("flavors") or {}
    section = flavors.get(PYFUNC_FLAVOR)
    if not isinstance(section, dict) or not section.get(PREDICT_MODULE_KEY):
        native = ", ".join(sorted(name for name in flavors if name != PYFUNC_FLAVOR)) or "none"
        raise ModelLoadError(
            f"the model in {model_dir!r} has no {PYFUNC_FLAVOR} flavor, so it has no generic predict: its "
            f"flavor(s) ({native}) named no predict module when it was saved. Load the native model with "
            f"autolog.load_model(uri), or log the model again with a plugin that provides predict_module"
        )
    native_name = section.get("flavor")
    native_conf = flavors.get(native_name) if native_name else None
    if not isinstance(native_conf, dict):
        raise ModelLoadError(
            f"the {PYFUNC_FLAVOR} section of {model_dir!r} names flavor {native_name!r}, "
            f"which the MLmodel does not have"
        )
    module_name = section[PREDICT_MODULE_KEY]
    try:
        module = importlib.import_module(module_name)
    except ImportError as exc:
        raise ModelLoadError(
            f"cannot load the {native_name!r} model in {model_dir!r} for predict: its predict "
            f"module {module_name!r} is not importable ({exc}); install the plugin that "
            f"saved it"
        ) from exc
    load = getattr(module, "load_predictor", None)
    if load is None:
        raise ModelLoadError(f"predict module {module_name!r} has no load_predictor(model_dir, flavor_conf)")
    return PredictModel(model_dir, mlmodel, str(native_name), load(model_dir, native_conf))
