"""Model signatures and input examples, inferred from the data a model was trained on.

Only the types are inspected: nothing is copied but the few rows kept as an input example.
numpy and pandas are never imported here; objects are recognised by their type's module.
"""

from __future__ import annotations

import json
from typing import Any

INPUT_EXAMPLE_FILE = "input_example.json"
INPUT_EXAMPLE_ROWS = 5

_NUMPY_KIND_TO_COLUMN_TYPE = {
    "b": "boolean",
    "i": "long",
    "u": "long",
    "f": "double",
    "O": "string",
    "U": "string",
    "S": "binary",
    "M": "datetime",
}


def _type_module(obj: Any) -> str:
    return type(obj).__module__.split(".", 1)[0]


def _is_dataframe(obj: Any) -> bool:
    return _type_module(obj) == "pandas" and type(obj).__name__ == "DataFrame"


def _is_series(obj: Any) -> bool:
    return _type_module(obj) == "pandas" and type(obj).__name__ == "Series"


def _is_ndarray(obj: Any) -> bool:
    return _type_module(obj) == "numpy" and type(obj).__name__ == "ndarray"


def _column_type(dtype: Any) -> str:
    kind = getattr(dtype, "kind", "O")
    size = getattr(dtype, "itemsize", 8)
    if kind == "f" and size <= 4:
        return "float"  # float32 (and narrower) columns, as MLflow records them
    if kind in "iu" and size <= 4 and not (kind == "u" and size == 4):
        return "integer"  # int32 and narrower (uint32 needs a long)
    return _NUMPY_KIND_TO_COLUMN_TYPE.get(kind, "string")


def infer_schema(data: Any) -> list[dict] | None:
    """A column or tensor schema for a DataFrame, Series, ndarray or array-like; None if unknown."""
    if data is None:
        return None
    if _is_dataframe(data):
        return [
            {"type": _column_type(dtype), "name": str(name), "required": True} for name, dtype in data.dtypes.items()
        ]
    if _is_series(data):
        return [
            {
                "type": _column_type(data.dtype),
                "name": str(data.name) if data.name is not None else None,
                "required": True,
            }
        ]
    if _is_ndarray(data):
        return [{"type": "tensor", "tensor-spec": {"dtype": str(data.dtype), "shape": [-1, *data.shape[1:]]}}]
    shape = getattr(data, "shape", None)
    dtype = _tensor_dtype(getattr(data, "dtype", None))
    if shape is not None and dtype is not None:  # scipy sparse, tensors and friends
        try:
            dims = [-1, *(-1 if d is None else int(d) for d in tuple(shape)[1:])]
        except (TypeError, ValueError):
            return None
        return [{"type": "tensor", "tensor-spec": {"dtype": dtype, "shape": dims}}]
    return None


def _tensor_dtype(dtype: Any) -> str | None:
    """The numpy name of a tensor's dtype (``float32`` for numpy, TensorFlow and torch), or None.

    MLflow reads a tensor spec's dtype with ``np.dtype(name)``, and an MLmodel whose signature it
    cannot read does not load at all: a dtype numpy has no name for (``bfloat16``) means no signature.
    """
    if dtype is None:
        return None
    name = dtype if isinstance(dtype, str) else getattr(dtype, "name", None)
    if not isinstance(name, str):  # torch.float32 has no name: its str is "torch.float32"
        name = str(dtype).removeprefix("torch.")
    name = _TORCH_ALIASES.get(name, name)
    return name if name in _NUMPY_TENSOR_DTYPES else None


_NUMPY_TENSOR_DTYPES = frozenset(
    ["bool", "float16", "float32", "float64", "complex64", "complex128", "object"]
    + [f"{sign}int{bits}" for sign in ("", "u") for bits in (8, 16, 32, 64)]
)
_TORCH_ALIASES = {"half": "float16", "float": "float32", "double": "float64", "long": "int64", "int": "int32"}


def infer_signature(inputs: Any, outputs: Any = None) -> dict | None:
    """The MLmodel ``signature`` block: ``inputs``/``outputs`` as JSON strings."""
    input_schema = infer_schema(inputs)
    if input_schema is None:
        return None
    signature = {"inputs": json.dumps(input_schema)}
    output_schema = infer_schema(outputs)
    if output_schema is not None:
        signature["outputs"] = json.dumps(output_schema)
    return signature


def _jsonable(value: Any) -> Any:
    if hasattr(value, "tolist"):
        return value.tolist()
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    return value


def input_example_payload(data: Any) -> tuple[dict, dict] | None:
    """The first rows of ``data`` as (JSON payload, MLmodel ``saved_input_example_info``)."""
    if data is None:
        return None
    if _is_dataframe(data):
        head = data.head(INPUT_EXAMPLE_ROWS)
        payload = {"columns": [str(c) for c in head.columns], "data": _jsonable(head.to_numpy())}
        return payload, {"artifact_path": INPUT_EXAMPLE_FILE, "type": "dataframe", "pandas_orient": "split"}
    if hasattr(data, "toarray") and hasattr(data, "shape"):  # scipy sparse
        data = data[:INPUT_EXAMPLE_ROWS].toarray()
    try:
        rows = data[:INPUT_EXAMPLE_ROWS]
    except Exception:
        return None
    return {"inputs": _jsonable(rows)}, {"artifact_path": INPUT_EXAMPLE_FILE, "type": "ndarray", "format": "tf-serving"}


def load_input_example(model_dir: str, info: dict) -> Any:
    """Read a saved input example back (numpy array or pandas DataFrame)."""
    import os

    with open(os.path.join(model_dir, info["artifact_path"])) as fh:
        payload = json.load(fh)
    if info.get("type") == "dataframe":
        import pandas as pd

        return pd.DataFrame(payload["data"], columns=payload["columns"])
    import numpy as np

    return np.asarray(payload["inputs"])
