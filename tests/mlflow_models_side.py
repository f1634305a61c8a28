"""Run by the real MLflow (bench/.mlflow-venv), never imported by our tests: loads our models.

    python mlflow_models_side.py SPEC.json

SPEC holds ``tracking_uri`` (for ``runs:/`` URIs) and ``models``: a list of ``{"name", "uri",
"flavor", "input": {"kind": "frame"|"array", "dtype", "columns", "data"}, "needs_autolog"}``. Each
model is loaded with ``mlflow.pyfunc.load_model(uri)`` and predicts its input; a model of a flavor
MLflow has is also loaded with ``mlflow.<flavor>.load_model``. Models that do not need autolog
come first, and the modules imported by then are checked for autolog's. Prints one JSON line:
``{name: {"predictions", "native_class", "loader_module", "input_schema"} or {"error"}}`` and
``"autolog_imported_by_mlflow_flavors"``.
"""

import importlib
import json
import sys
import traceback

import mlflow
import numpy as np
import pandas as pd


def model_input(spec):
    if spec["kind"] == "frame":
        return pd.DataFrame(spec["data"], columns=spec["columns"])
    return np.asarray(spec["data"], dtype=spec["dtype"])


def load_one(model):
    pyfunc_model = mlflow.pyfunc.load_model(model["uri"])
    predictions = pyfunc_model.predict(model_input(model["input"]))
    if isinstance(predictions, pd.DataFrame):
        predictions = predictions.to_numpy()
    schema = pyfunc_model.metadata.get_input_schema()
    seen = {
        "predictions": np.asarray(predictions).tolist(),
        "loader_module": pyfunc_model.loader_module,
        "input_schema": schema.to_dict() if schema is not None else None,
        "native_class": None,
    }
    if model.get("flavor"):
        native = importlib.import_module(f"mlflow.{model['flavor']}").load_model(model["uri"])
        seen["native_class"] = type(native).__name__
    return seen


def main(spec_path):
    with open(spec_path) as fh:
        spec = json.load(fh)
    mlflow.set_tracking_uri(spec["tracking_uri"])
    results = {}
    autolog_imported = None
    for model in sorted(spec["models"], key=lambda m: m.get("needs_autolog", False)):
        if model.get("needs_autolog") and autolog_imported is None:
            autolog_imported = sorted(
                m for m in sys.modules if m.split(".")[0].startswith(("autolog", "tracking_core"))
            )
        try:
            results[model["name"]] = load_one(model)
        except Exception as exc:
            results[model["name"]] = {"error": f"{type(exc).__name__}: {exc}", "traceback": traceback.format_exc()}
    if autolog_imported is None:
        autolog_imported = sorted(m for m in sys.modules if m.split(".")[0].startswith(("autolog", "tracking_core")))
    print(json.dumps({"models": results, "autolog_imported_by_mlflow_flavors": autolog_imported}))


if __name__ == "__main__":
    main(sys.argv[1])
